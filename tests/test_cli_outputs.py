"""Several outputs from one run: ``--format FMT[:FILE]`` (repeatable), ``-o`` and ``auto``."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

import sidecar_lint.output
from sidecar_lint.cli import main
from tests.harness import run_cli
from tests.test_reporter_sarif import (  # noqa: F401 - the fixture validates every SARIF
    assert_valid_sarif,
    validate_every_sarif,
)

ROOT = Path(__file__).resolve().parent.parent
POD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: web, namespace: shop}
    spec:
      containers:
        - name: web
          image: nginx:1.27
      sidecarContainers: []
    """
)
CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
EVERY_FILE_FORMAT = ("text", "json", "sarif", "github", "markdown", "junit")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(POD)
    (tmp_path / "k8s" / "settings.yaml").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _lint(*argv: str) -> int:
    return main(["--select", "SL101", "--sarif-root", ".", *argv])


def test_several_outputs_from_one_run(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _lint(
        "--format",
        "text",
        "--format",
        "sarif:results.sarif",
        "--format",
        "markdown:summary.md",
        "-f",
        "junit:junit.xml",
        "--format",
        "json:findings.json",
        "k8s",
    )
    assert code == 1
    out = capsys.readouterr().out
    assert out.startswith("k8s/pod.yaml:8:3: error SL101")
    log = assert_valid_sarif((workdir / "results.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 1
    assert (workdir / "summary.md").read_text().startswith("## sidecar-lint")
    assert (workdir / "junit.xml").read_text().startswith("<?xml")
    assert json.loads((workdir / "findings.json").read_text())["summary"]["findings"] == 1


def test_every_file_is_written_atomically(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    original = sidecar_lint.output.write_atomic

    def spy(path: str | Path, text: str) -> None:
        written.append(str(path))
        original(path, text)

    monkeypatch.setattr(sidecar_lint.output, "write_atomic", spy)
    _lint(
        "--format", "sarif:a.sarif", "--format", "junit:b.xml", "-o", "c.txt", "-f", "text", "k8s"
    )
    assert sorted(written) == ["a.sarif", "b.xml", "c.txt"]
    assert capsys.readouterr().out == ""
    assert not [p for p in os.listdir(workdir) if p.endswith(".tmp")]


def test_output_option_takes_the_single_format_without_a_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _lint("--format", "sarif", "-o", "out.sarif", "k8s") == 1
    assert capsys.readouterr().out == ""
    assert_valid_sarif((workdir / "out.sarif").read_text())
    # With no --format at all, -o gets the default (text) report.
    assert _lint("-o", "report.txt", "k8s") == 1
    assert (workdir / "report.txt").read_text().startswith("k8s/pod.yaml:8:3:")
    assert "\033[" not in (workdir / "report.txt").read_text()


def test_dash_means_standard_output(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _lint("--format", "json:-", "k8s") == 1
    assert json.loads(capsys.readouterr().out)["summary"]["findings"] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "json", "--format", "sarif"], "would all go to standard output"),
        (["--format", "json", "--format", "sarif", "-o", "x"], "single format"),
        (["--format", "sarif:x.sarif", "-o", "y"], "single format"),
        (["--format", "sarif:same", "--format", "json:same"], "named for both"),
        (["--sarif-root", "does-not-exist"], "not a directory"),
    ],
)
def test_conflicting_outputs_are_usage_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _lint(*argv, "k8s") == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
    assert sorted(os.listdir(workdir)) == ["k8s"], "nothing is written on a usage error"


def test_unknown_format_is_rejected_by_the_parser(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        _lint("--format", "xml", "k8s")
    assert exc.value.code == 2
    assert "unknown format 'xml'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _lint("--format", "sarif:", "k8s")


def test_exit_codes_do_not_depend_on_formats(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    every = [arg for fmt in EVERY_FILE_FORMAT for arg in ("--format", f"{fmt}:out.{fmt}")]
    assert _lint(*every, "k8s/settings.yaml") == 0
    assert _lint(*every, "k8s") == 1
    assert _lint(*every, "--fail-on", "none", "k8s") == 0
    (workdir / "k8s" / "missing.yaml").symlink_to(workdir / "nowhere.yaml")
    assert _lint(*every, "k8s/pod.yaml", "k8s/missing.yaml") == 2
    log = assert_valid_sarif((workdir / "out.sarif").read_text())
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "could not be read" in (workdir / "out.markdown").read_text()
    assert "<error " in (workdir / "out.junit").read_text()
    assert "file not read" in (workdir / "out.github").read_text()
    capsys.readouterr()


def test_a_path_that_does_not_exist_is_in_every_report(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    every = [arg for fmt in EVERY_FILE_FORMAT for arg in ("--format", f"{fmt}:out.{fmt}")]
    assert _lint(*every, "k8s/pod.yaml", "k8s/typo.yaml") == 2
    assert capsys.readouterr() == ("", "sidecar-lint: k8s/typo.yaml: does not exist\n")
    report = json.loads((workdir / "out.json").read_text())
    assert report["errors"] == [{"message": "k8s/typo.yaml: does not exist"}]
    assert report["summary"]["findings"] == 1
    assert "error: k8s/typo.yaml: does not exist" in (workdir / "out.text").read_text()
    log = assert_valid_sarif((workdir / "out.sarif").read_text())
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert len(log["runs"][0]["results"]) == 1
    assert "k8s/typo.yaml: does not exist" in (workdir / "out.markdown").read_text()
    assert "k8s/typo.yaml" in (workdir / "out.junit").read_text()
    assert "k8s/typo.yaml: does not exist" in (workdir / "out.github").read_text()
    # Only missing paths: still every report, still exit 2.
    assert _lint(*every, "gone.yaml") == 2
    assert json.loads((workdir / "out.json").read_text())["summary"]["files"] == 0


def test_an_unwritable_file_does_not_stop_the_other_outputs(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _lint(
        "--format",
        "json:k8s/pod.yaml/r.json",
        "--format",
        "junit:junit.xml",
        "--format",
        "text",
        "k8s",
    )
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("k8s/pod.yaml:8:3: error SL101")
    assert captured.err == (
        "sidecar-lint: error: k8s/pod.yaml/r.json: cannot write: Not a directory\n"
    )
    assert (workdir / "junit.xml").read_text().startswith("<?xml")
    assert sorted(os.listdir(workdir)) == ["junit.xml", "k8s"]


def test_a_report_onto_a_directory_keeps_the_directory(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "reports").mkdir()
    assert _lint("--format", "sarif", "-o", "reports", "k8s") == 2
    assert capsys.readouterr() == (
        "",
        "sidecar-lint: error: reports: cannot write: Is a directory\n",
    )
    assert os.listdir(workdir / "reports") == []
    assert sorted(os.listdir(workdir)) == ["k8s", "reports"]


def test_every_format_is_byte_identical_across_runs(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for run in ("a", "b"):
        (workdir / run).mkdir()
        argv = [arg for fmt in EVERY_FILE_FORMAT for arg in ("--format", f"{fmt}:{run}/{fmt}")]
        assert _lint(*argv, "k8s") == 1
    for fmt in EVERY_FILE_FORMAT:
        first = (workdir / "a" / fmt).read_bytes()
        assert first == (workdir / "b" / fmt).read_bytes(), fmt
        assert str(workdir).encode() not in first, f"{fmt} leaks the checkout's absolute path"
    capsys.readouterr()


def test_show_roles_still_honours_json(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--show-roles", "--format", "json", "k8s/pod.yaml"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["object"] == "Pod shop/web"


def _modules_after(argv: list[str], cwd: Path) -> set[str]:
    code = (
        "import sys\n"
        "from sidecar_lint.cli import main\n"
        f"main({argv!r})\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = run_cli(program=("-c", code), cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stderr.split())


def test_reporters_are_imported_only_when_requested(workdir: Path) -> None:
    heavy = {"sarif_om", "xml.etree.ElementTree"}
    text_only = _modules_after(["--select", "SL101", "-o", "t.txt", "k8s"], workdir)
    assert not heavy & text_only
    assert not {m for m in text_only if m.startswith("sidecar_lint.reporters.")} - {
        "sidecar_lint.reporters.text"
    }
    sarif = _modules_after(["--select", "SL101", "--format", "sarif:s.sarif", "k8s"], workdir)
    assert "sarif_om" in sarif and "xml.etree.ElementTree" not in sarif
    junit = _modules_after(["--select", "SL101", "--format", "junit:j.xml", "k8s"], workdir)
    assert "xml.etree.ElementTree" in junit and "sarif_om" not in junit
