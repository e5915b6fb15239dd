"""Text snippets: a finding on a very long line shows a window around it, caret aligned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from sidecar_lint.document import ObjectRef, Span
from sidecar_lint.findings import Finding, Severity
from sidecar_lint.report_context import ReportContext
from sidecar_lint.reporters import text as text_report
from sidecar_lint.reporters.text import ELLIPSIS, SNIPPET_LEAD, SNIPPET_WIDTH, clip_line
from sidecar_lint.results import RunResult


def _finding(line: int, start: int, end: int, end_line: int | None = None) -> Finding:
    return Finding(
        code="SL101",
        name="unknown-field",
        severity=Severity.ERROR,
        message="no such field",
        path="m.json",
        span=Span(line, start, end_line or line, end),
        object=ObjectRef("v1", "Pod", "", "web"),
        pointer=("spec", "bogus"),
        document_index=0,
    )


def _render(finding: Finding, line: str) -> str:
    """The text report of one finding whose first line reads ``line``."""
    lines = {finding.path: {finding.span.start_line: line}}
    return text_report.render(RunResult(findings=[finding]), ReportContext(lines=lines))


def _snippet(line: str, finding: Finding) -> tuple[str, str]:
    text = _render(finding, line)
    source, caret = text.splitlines()[1:3]
    prefix = f"  {finding.span.start_line} | "
    return source[len(prefix) :], caret[len(prefix) :]


def _marked(source: str, caret: str) -> str:
    """The characters the caret run stands under."""
    begin = len(caret) - len(caret.lstrip(" "))
    return source[begin : len(caret)]


def test_a_short_line_prints_as_before() -> None:
    line = "  sidecarContainers:\t[]"
    text = _render(_finding(18, 3, 20), line)
    assert text.splitlines()[1:3] == [
        "  18 |   sidecarContainers: []",
        "     |   ^^^^^^^^^^^^^^^^^",
    ]


@pytest.mark.parametrize("column", [1, 30, 1500, 2960, 2995])
def test_a_long_line_shows_a_window_with_the_caret_under_the_span(column: int) -> None:
    key = '"bogus"'
    filler = [f"{i:04d}" for i in range(750)]  # every position is distinguishable
    body = "".join(filler)
    line = body[: column - 1] + key + body[column - 1 :]
    assert len(line) > 3000
    source, caret = _snippet(line, _finding(1, column, column + len(key)))
    assert len(source) <= SNIPPET_WIDTH + 2 * len(ELLIPSIS)
    assert _marked(source, caret) == key
    assert source.startswith(ELLIPSIS) == (column > 41)
    assert source.endswith(ELLIPSIS) == (column + len(key) <= len(line) - 80)
    # What is shown between the markers is a slice of the line, not a paraphrase.
    inner = source.removeprefix(ELLIPSIS) if column > 41 else source
    inner = inner.removesuffix(ELLIPSIS) if source.endswith(ELLIPSIS) else inner
    assert inner in line


def test_a_span_longer_than_the_window_is_cut_with_the_line() -> None:
    line = "a" * 100 + "b" * 2000 + "c" * 100
    source, caret = _snippet(line, _finding(7, 101, 2101))
    assert source.startswith(ELLIPSIS) and source.endswith(ELLIPSIS)
    assert set(_marked(source, caret)) == {"b"}
    assert len(caret) == len(source) - len(ELLIPSIS)  # the caret stops where the text is cut


def test_a_span_that_runs_to_later_lines_marks_the_rest_of_the_window() -> None:
    line = "x" * 5000
    source, caret = _snippet(line, _finding(2, 4000, 3, end_line=9))
    lead = len(ELLIPSIS) + SNIPPET_LEAD  # the column sits that far into the window
    assert caret == " " * lead + "^" * (SNIPPET_WIDTH - SNIPPET_LEAD)
    assert len(source) == len(caret) + len(ELLIPSIS)  # marked up to the cut


def test_clip_line_keeps_lines_that_fit() -> None:
    line = "y" * SNIPPET_WIDTH
    assert clip_line(line, 5, 3) == (line, 5, 3)


def test_a_minified_json_manifest_prints_a_short_snippet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = {f"label-{i:04d}": "x" * 20 for i in range(100)}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": labels},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], "bogus": 1},
    }
    (tmp_path / "pod.json").write_text(json.dumps(pod, separators=(",", ":")) + "\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["--select", "SL101", "--format", "text", "--no-cache", "pod.json"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("pod.json:1:") and "SL101" in out[0]
    source, caret = out[1], out[2]
    assert max(len(source), len(caret)) < 140
    assert source[caret.index("^") : len(caret)] == '"bogus"'
