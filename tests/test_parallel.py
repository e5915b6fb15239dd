"""``--jobs N`` prints exactly what ``--jobs 1`` prints, in every format."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bench.corpus import generate
from sidecar_lint.cli import build_parser, main
from sidecar_lint.discovery import Input
from sidecar_lint.parallel import AUTO_MIN_FILES, resolve_jobs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    # 0.3 MB is some 60 files: past AUTO_MIN_FILES, so "auto" runs in several processes too.
    generate(out, 0.3, seed=11, rules_dir=ROOT / "rules")
    (out / "unreadable.yaml").symlink_to(out / "missing-target.yaml")  # reported, not fatal
    return out


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([*args, "--no-cache"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "junit", "markdown", "github"])
def test_jobs_two_matches_jobs_one(
    corpus: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for jobs in ("1", "2", "auto"):
        out = tmp_path / f"{fmt}-{jobs}.out"
        code, stdout, _ = _run([str(corpus), "--jobs", jobs, "--format", f"{fmt}:{out}"], capsys)
        outputs.append((code, out.read_bytes(), stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][0] == 2  # the unreadable file is reported in every mode


def test_text_with_snippets_and_statistics_match(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in ([], ["--statistics"]):
        one = _run([str(corpus), "--jobs", "1", "--color", "never", *extra], capsys)
        two = _run([str(corpus), "--jobs", "2", "--color", "never", *extra], capsys)
        assert one == two
        assert " | " in one[1] or extra  # source lines are quoted from the workers' reports


def test_stdin_is_linted_in_the_main_process(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "examples" / "pod-sidecar-containers.yaml").read_bytes()
    results = []
    for jobs in ("1", "2"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
        results.append(_run(["-", str(corpus), "--jobs", jobs, "--format", "json"], capsys))
    assert results[0] == results[1]
    assert '"file": "-"' in results[0][1]


def test_auto_uses_one_process_for_few_small_files() -> None:
    few = [Input(f"f{i}.yaml") for i in range(3)]
    assert resolve_jobs("auto", few, [100] * 3) == 1
    assert resolve_jobs(None, few, [100] * 3) == 1
    assert resolve_jobs("3", few, [100] * 3) == 3
    many = [Input(f"f{i}.yaml") for i in range(AUTO_MIN_FILES * 4)]
    assert resolve_jobs("auto", many, [10_000] * len(many)) >= 1


def test_auto_uses_only_the_idle_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    many = [Input(f"f{i}.yaml") for i in range(AUTO_MIN_FILES * 4)]
    sizes = [10_000] * len(many)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    monkeypatch.setattr("os.getloadavg", lambda: (0.2, 0.0, 0.0))
    assert resolve_jobs("auto", many, sizes) == 4
    monkeypatch.setattr("os.getloadavg", lambda: (2.0, 0.0, 0.0))  # two cores busy elsewhere
    assert resolve_jobs("auto", many, sizes) == 2
    monkeypatch.setattr("os.getloadavg", lambda: (3.5, 0.0, 0.0))  # half a core idle
    assert resolve_jobs("auto", many, sizes) == 1
    assert resolve_jobs("2", many, sizes) == 2  # an explicit number is taken as it is


def test_jobs_flag_validation() -> None:
    parser = build_parser()
    assert parser.parse_args(["--jobs", "auto"]).jobs == "auto"
    assert parser.parse_args(["-j", "4"]).jobs == "4"
    with pytest.raises(SystemExit):
        parser.parse_args(["--jobs", "0"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--jobs", "many"])


def test_show_roles_unaffected_by_jobs(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = _run([str(corpus / "teams"), "--show-roles", "--jobs", "1"], capsys)
    two = _run([str(corpus / "teams"), "--show-roles", "--jobs", "2"], capsys)
    assert one == two
