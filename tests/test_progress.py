"""The progress line: only on a terminal, only after a second, never in CI or machine output."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from sidecar_lint import progress
from sidecar_lint.cli import main
from sidecar_lint.progress import ProgressLine, progress_line

ROOT = Path(__file__).resolve().parent.parent


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_before_a_second_then_files_and_rate() -> None:
    stream, clock = Terminal(), Clock()
    line = ProgressLine(stream, 50, clock)
    clock.now += 0.5
    line(3)
    assert stream.getvalue() == ""
    clock.now += 1.5
    line(20)
    assert stream.getvalue() == "\r\x1b[Klinting: 20/50 files, 10 files/s"
    clock.now += 0.01
    line(21)  # redrawn at most ten times a second
    assert stream.getvalue().count("linting:") == 1
    line.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_a_line_never_drawn_is_not_wiped() -> None:
    stream = Terminal()
    line = ProgressLine(stream, 5, Clock())
    line(5)
    line.close()
    assert stream.getvalue() == ""


@pytest.mark.parametrize(
    ("stream", "formats", "quiet", "env"),
    [
        (io.StringIO(), ["text"], False, {}),  # not a terminal: a pipe or a log file
        (Terminal(), ["text"], False, {"CI": "true"}),
        (Terminal(), ["text"], False, {"TERM": "dumb"}),
        (Terminal(), ["json"], False, {}),  # a report for a program on standard output
        (Terminal(), ["text", "sarif"], False, {}),
        (Terminal(), ["text"], True, {}),
    ],
)
def test_no_line_where_it_does_not_belong(
    stream: io.StringIO, formats: list[str], quiet: bool, env: dict[str, str]
) -> None:
    assert progress_line(stream, 10, formats, quiet, env) is None


def test_a_terminal_gets_a_line() -> None:
    assert isinstance(progress_line(Terminal(), 10, ["text"], False, {}), ProgressLine)
    assert isinstance(progress_line(Terminal(), 10, [], False, {"TERM": "xterm"}), ProgressLine)


def test_the_cli_draws_and_wipes_the_line_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    report = tmp_path / "out.json"
    main([str(ROOT / "examples"), "--no-cache", "--jobs", "1", "--format", f"json:{report}"])
    shown = err.getvalue()
    drawn = re.findall(r"linting: (\d+)/(\d+) files, \d+ files/s", shown)
    assert drawn and drawn[-1][0] == drawn[-1][1]  # the last one drawn: every file done
    assert shown.count("\r\x1b[K") >= 2  # drawn, then wiped before anything else
    assert report.read_text(encoding="utf-8").startswith("{")  # the reports are untouched


def test_the_cli_stays_silent_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(progress, "DELAY", 0.0)
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    main([str(ROOT / "examples"), "--no-cache", "--jobs", "1", "-q"])
    assert "linting:" not in err.getvalue()
