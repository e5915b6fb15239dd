"""The command line as users run it: exit codes, listings, roles, stdin, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.harness import run_cli
from tests.manifests import BAD

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_examples_exit_1_with_positions() -> None:
    proc = run_cli("--format", "text", "examples/")
    assert proc.returncode == 1
    assert "examples/pod-sidecar-containers.yaml:18:3: error SL101 [unknown-field]" in proc.stdout
    assert "  18 |   sidecarContainers:" in proc.stdout
    assert "     |   ^^^^^^^^^^^^^^^^^" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Found ")


def test_clean_input_exits_0(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(BAD.replace("      volumeMount: []\n", ""))
    proc = run_cli("--format", "text", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert "No problems found in 1 file" in proc.stdout


def test_fail_on_threshold_and_select(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    assert run_cli("--fail-on", "none", str(tmp_path)).returncode == 0
    assert run_cli("--fail-on", "error", str(tmp_path)).returncode == 1
    assert run_cli("--select", "SL001", str(tmp_path)).returncode == 0
    assert run_cli("--ignore", "unknown-field", str(tmp_path)).returncode == 0
    assert run_cli("--select", "SL1", str(tmp_path)).returncode == 1


def test_unknown_selector_and_version_are_usage_errors(tmp_path: Path) -> None:
    proc = run_cli("--select", "SL999", str(tmp_path))
    assert proc.returncode == 2 and "unknown rule selector(s): SL999" in proc.stderr
    proc = run_cli("--kubernetes-version", "1.20", str(tmp_path))
    assert proc.returncode == 2 and "1.25 to 1.37" in proc.stderr
    proc = run_cli("--kubernetes-version", "latest", str(tmp_path))
    assert proc.returncode == 2 and "not a Kubernetes version" in proc.stderr


def test_missing_path_exits_2_after_reporting_it() -> None:
    proc = run_cli("--format", "text", "does/not/exist.yaml")
    assert (proc.returncode, proc.stderr) == (
        2,
        "sidecar-lint: does/not/exist.yaml: does not exist\n",
    )
    assert "error:" not in proc.stdout
    assert proc.stdout.rstrip().endswith("; 1 path could not be read.")


def test_unreadable_file_is_reported_and_others_still_linted(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    secret = tmp_path / "secret.yaml"
    secret.write_text("a: 1\n")
    secret.chmod(0)
    proc = run_cli("--format", "text", str(tmp_path), unprivileged=True)
    assert proc.returncode == 2
    assert "secret.yaml: cannot read" in proc.stderr
    assert "SL101" in proc.stdout


def test_stdin_with_filename() -> None:
    proc = run_cli("--format", "text", "--stdin-filename", "chart/rendered.yaml", "-", stdin=BAD)
    assert proc.returncode == 1
    assert proc.stdout.startswith("chart/rendered.yaml:8:7: error SL101")


def test_json_output_schema_and_file_output(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run_cli("--format", "json", "-o", str(out), "-", stdin=BAD)
    assert proc.returncode == 1 and proc.stdout == ""
    report = json.loads(out.read_text())
    assert report["schemaVersion"] == 1
    (finding,) = report["findings"]
    assert finding == {
        "code": "SL101",
        "name": "unknown-field",
        "severity": "error",
        "message": finding["message"],
        "file": "-",
        "line": 8,
        "column": 7,
        "endLine": 8,
        "endColumn": 18,
        "object": {"apiVersion": "v1", "kind": "Pod", "namespace": None, "name": "web"},
        "container": "web",
        "fieldPath": "spec.containers[0].volumeMount",
        "documentIndex": 0,
        "fix": {
            "description": "rename 'volumeMount' to 'volumeMounts'",
            "applicability": "unsafe",
            "edits": [
                {
                    "line": 8,
                    "column": 7,
                    "endLine": 8,
                    "endColumn": 18,
                    "replacement": "volumeMounts",
                }
            ],
        },
    }
    assert "did you mean 'volumeMounts'" in finding["message"]
    assert report["summary"]["bySeverity"]["error"] == 1


def test_output_is_byte_identical_across_runs() -> None:
    first = run_cli("--format", "json", "examples/").stdout
    assert first == run_cli("--format", "json", "examples/").stdout


def test_list_rules_and_explain() -> None:
    listing = run_cli("--list-rules")
    assert listing.returncode == 0
    assert "SL101   unknown-field" in listing.stdout
    explained = run_cli("--explain", "SL101")
    assert explained.returncode == 0
    for section in ("Why this matters", "How to fix it", "Bad: sidecarContainers", "Good: "):
        assert section in explained.stdout
    assert run_cli("--explain", "unknown-field").stdout == explained.stdout
    assert run_cli("--explain", "SL999").returncode == 2


def test_show_roles() -> None:
    proc = run_cli("--show-roles", "examples/grafana.yaml")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("examples/grafana.yaml:15: Deployment monitoring/grafana")
    assert any("grafana-sc-dashboard" in ln and "sidecar (config-reloader)" in ln for ln in lines)
    assert any(
        ln.split()[1:3] == ["grafana", "main"]
        for ln in lines
        if ln.strip().startswith("containers[2]")
    )
    data = json.loads(run_cli("--show-roles", "--format", "json", "examples/grafana.yaml").stdout)
    assert [c["role"] for c in data[0]["containers"]] == ["sidecar", "sidecar", "main"]


def test_color_rules() -> None:
    assert "\x1b[" in run_cli("--color", "always", "-", stdin=BAD).stdout
    assert "\x1b[" not in run_cli("--color", "auto", "-", stdin=BAD, env={"FORCE_COLOR": ""}).stdout
    assert "\x1b[" in run_cli("-", stdin=BAD, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in run_cli("-", stdin=BAD, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


def test_quiet_and_statistics() -> None:
    quiet = run_cli("-q", "--format", "text", "-", stdin=BAD).stdout
    assert "|" not in quiet and quiet.count("\n") == 2
    stats = run_cli("--statistics", "--format", "text", "-", stdin=BAD).stdout
    assert stats.splitlines()[0].split() == ["1", "SL101", "error", "unknown-field"]


def test_version() -> None:
    from sidecar_lint import __version__

    assert run_cli("--version").stdout.strip() == f"sidecar-lint {__version__}"


def test_dangling_symlink_is_reported_and_others_still_linted(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    os.symlink(tmp_path / "gone.yaml", tmp_path / "link.yaml")
    proc = run_cli("--format", "text", str(tmp_path))
    assert proc.returncode == 2
    assert "link.yaml: cannot read: No such file or directory" in proc.stderr
    assert "SL101" in proc.stdout
