"""Inputs that used to lint to a silent nothing: missing paths, empty stdin, typo'd suppressions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sidecar_lint.discovery import EMPTY_STDIN, discover, has_content
from tests.harness import run_cli
from tests.manifests import BAD

ROOT = Path(__file__).resolve().parent.parent
CUSTOM_RULES = ROOT / "tests" / "data" / "custom_rules"

CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"


def cli(tmp_path: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """The real program run in ``tmp_path``, ending cleanly (0, 1 or 2, no traceback)."""
    return run_cli(*args, cwd=tmp_path, stdin=stdin, clean=True)


# --------------------------------------------------------------------------- paths


def test_a_missing_path_is_one_line_on_stderr_and_counted_in_the_summary(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(CLEAN)
    proc = cli(tmp_path, "--format", "text", "nope", "ok.yaml")
    assert proc.returncode == 2
    assert proc.stderr == "sidecar-lint: nope: does not exist\n"
    assert proc.stdout == (
        "No problems found in 1 file, 1 Kubernetes objects; 1 path could not be read.\n"
    )


def test_several_unread_paths_and_findings(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    proc = cli(tmp_path, "--format", "text", "-q", "gone.yaml", "bad.yaml", "missing/x.yaml")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "sidecar-lint: gone.yaml: does not exist",
        "sidecar-lint: missing/x.yaml: does not exist",
    ]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("bad.yaml:8:7: error SL101")
    assert lines[-1] == "Found 1 problem (1 error) in 1 of 1 file; 2 paths could not be read."
    assert not [line for line in lines if line.startswith("error:")]


def test_a_text_report_in_a_file_still_lists_the_paths(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(CLEAN)
    proc = cli(tmp_path, "--format", "text:report.txt", "nope", "ok.yaml")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "sidecar-lint: nope: does not exist\n"
    assert (tmp_path / "report.txt").read_text().splitlines() == [
        "error: nope: does not exist",
        "No problems found in 1 file, 1 Kubernetes objects; 1 path could not be read.",
    ]


def test_machine_reports_on_stdout_keep_recording_the_paths(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(CLEAN)
    proc = cli(tmp_path, "--format", "json", "nope", "ok.yaml")
    assert (proc.returncode, proc.stderr) == (2, "sidecar-lint: nope: does not exist\n")
    assert json.loads(proc.stdout)["errors"] == [{"message": "nope: does not exist"}]
    proc = cli(tmp_path, "--format", "sarif", "nope", "ok.yaml")
    invocation = json.loads(proc.stdout)["runs"][0]["invocations"][0]
    assert proc.returncode == 2 and invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert texts == ["nope: does not exist"]


def test_an_unreadable_file_goes_to_stderr_too(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(CLEAN)
    secret.chmod(0)
    try:
        proc = run_cli(
            "--format", "text", "secret.yaml", cwd=tmp_path, clean=True, unprivileged=True
        )
    finally:
        secret.chmod(0o644)
    assert proc.returncode == 2
    assert proc.stderr == "sidecar-lint: secret.yaml: cannot read: Permission denied\n"
    assert proc.stdout.endswith("; 1 path could not be read.\n")


# --------------------------------------------------------------------------- empty stdin


@pytest.mark.parametrize(
    "data",
    [b"", b"\n   \n\r\n", b"# helm printed nothing but this\n---\n--- # x\n...\n", b"\xef\xbb\xbf"],
    ids=["no-bytes", "whitespace", "comments-and-markers", "bom"],
)
def test_empty_stdin_is_an_error_unless_allowed(tmp_path: Path, data: bytes) -> None:
    proc = cli(tmp_path, "--stdin-filename", "chart/rendered.yaml", "-", stdin=data)
    assert proc.returncode == 2
    assert proc.stderr == f"sidecar-lint: chart/rendered.yaml: {EMPTY_STDIN}\n"
    assert proc.stderr.endswith("standard input is empty (pass --allow-empty to accept it)\n")
    assert proc.stdout.endswith("; 1 path could not be read.\n")
    allowed = cli(tmp_path, "--allow-empty", "-", stdin=data)
    assert (allowed.returncode, allowed.stderr) == (0, "")
    assert allowed.stdout.startswith("No problems found in 1 file, 0 Kubernetes objects")


def test_empty_stdin_is_recorded_by_every_report(tmp_path: Path) -> None:
    proc = cli(tmp_path, "--format", "json", "--format", "sarif:out.sarif", "-")
    assert (proc.returncode, proc.stderr) == (2, f"sidecar-lint: -: {EMPTY_STDIN}\n")
    assert json.loads(proc.stdout)["errors"] == [{"message": f"-: {EMPTY_STDIN}"}]
    log = json.loads((tmp_path / "out.sarif").read_text())
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_stdin_with_content_and_named_files_are_unaffected(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    assert cli(tmp_path, "empty.yaml").returncode == 0  # a file named explicitly may be empty
    proc = cli(tmp_path, "--format", "text", "-", stdin=b"---\n" + BAD.encode())
    assert proc.returncode == 1 and proc.stderr == ""
    assert cli(tmp_path, "-", stdin=b"--- {apiVersion: v1, kind: Namespace}\n").returncode == 0


def test_empty_stdin_with_show_roles(tmp_path: Path) -> None:
    proc = cli(tmp_path, "--show-roles", "-")
    assert proc.returncode == 2 and EMPTY_STDIN in proc.stderr
    assert cli(tmp_path, "--show-roles", "--allow-empty", "-").returncode == 0


def test_allow_empty_is_documented(tmp_path: Path) -> None:
    assert "--allow-empty" in cli(tmp_path, "--help").stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert any(line.startswith("| `--allow-empty`") for line in readme.splitlines())


def test_what_counts_as_content() -> None:
    assert not has_content(b"")
    assert not has_content(b" \r\n# c\n---\n... # end\n")
    assert has_content(b"a: 1\n")
    assert has_content(b"---foo\n")  # a plain scalar, not a marker
    assert has_content(b"--- [1]\n")
    assert has_content(b"\xff\xfe\x00")  # not UTF-8: for the loader to report


def test_discovery_marks_stdin_only_when_asked() -> None:
    (strict,) = discover(["-"], stdin_name="x.yaml", allow_empty_stdin=False)
    (lenient,) = discover(["-"], stdin_name="x.yaml")
    assert strict.content_problem(b"\n") == f"x.yaml: {EMPTY_STDIN}"
    assert strict.content_problem(b"a: 1\n") is None
    assert lenient.content_problem(b"") is None


# --------------------------------------------------------------------------- suppressions


def test_a_typo_in_a_suppression_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(
        BAD.replace("image: nginx:1.27", "image: nginx:1.27  # sidecar-lint: ignore[SL5O1]")
    )
    proc = cli(tmp_path, "--format", "text", "-q", "--select", "SL002", "pod.yaml")
    assert proc.returncode == 1
    column = BAD.splitlines()[6].index("image") + len("image: nginx:1.27  # sidecar-lint: ignore[")
    assert proc.stdout.splitlines() == [
        f"pod.yaml:7:{column + 1}: warning SL002 [unused-suppression] unknown rule 'SL5O1' in "
        "suppression; did you mean SL501?",
        "Found 1 problem (1 warning) in 1 of 1 file.",
    ]


def test_custom_rules_are_real_codes(tmp_path: Path) -> None:
    (tmp_path / ".sidecar-lint.yaml").write_text(f"rulePaths: [{json.dumps(str(CUSTOM_RULES))}]\n")
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n"
        '    sidecar-lint.io/ignore: "ACME001,ACME00l,SL4"\n'
        "spec:\n  containers:\n    - {name: web, image: 'nginx:1.27'}\n"
    )
    (tmp_path / "pod.yaml").write_text(pod)
    proc = cli(tmp_path, "--format", "json", "pod.yaml")
    found = [
        (f["line"], f["message"])
        for f in json.loads(proc.stdout)["findings"]
        if f["code"] == "SL002"
    ]
    assert found == [(6, "unknown rule 'ACME00l' in suppression; did you mean ACME001?")]
    isolated = cli(tmp_path, "--isolated", "--format", "json", "pod.yaml")
    messages = [f["message"] for f in json.loads(isolated.stdout)["findings"]]
    assert any("unknown rule 'ACME001'" in m for m in messages)  # without its rule file
