"""Configuration, suppressions, baselines and custom rules through the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.harness import run_cli
from tests.manifests import JOB

ROOT = Path(__file__).resolve().parent.parent


WORKER = """\
apiVersion: example.com/v1
kind: Worker
metadata: {name: crunch}
spec:
  podTemplate:
    spec:
      initContainers:
        - name: proxy
          image: envoyproxy/envoy:v1.31.0
          restartPolicy: Always
      containers:
        - name: crunch
          image: registry.example.com/crunch:2.0.0
          volumeMount: []
"""


def cli(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real program in ``cwd``, reporting JSON."""
    return run_cli("--format", "json", *args, cwd=cwd, stdin=stdin)


def codes(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int]]:
    report = json.loads(proc.stdout)
    return [(f["code"], f["file"], f["line"]) for f in report["findings"]]


def repo(tmp_path: Path, config: str | None = None) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "report.yaml").write_text(JOB)
    if config is not None:
        (tmp_path / ".sidecar-lint.yaml").write_text(config)
    return tmp_path


def test_config_file_is_found_from_a_subdirectory_and_flags_win(tmp_path: Path) -> None:
    root = repo(tmp_path, "failOn: none\nselect: [SL201]\n")
    proc = cli(root / "jobs", ".")
    assert proc.returncode == 0, proc.stderr
    assert [c for c, *_ in codes(proc)] == ["SL201"]
    proc = cli(root / "jobs", "--fail-on", "error", ".")
    assert proc.returncode == 1
    assert [c for c, *_ in codes(cli(root / "jobs", "--select", "SL5", "."))] == []
    assert codes(cli(root / "jobs", "--isolated", "--select", "SL201", ".")) == codes(proc)


def test_overrides_by_path_and_rule_severity(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        'rules:\n  SL201: {severity: note}\noverrides:\n  - files: "jobs/**"\n    ignore: [SL2]\n',
    )
    (root / "report.yaml").write_text(JOB)
    report = json.loads(cli(root, "--select", "SL201", ".").stdout)
    assert [(f["file"], f["severity"]) for f in report["findings"]] == [("report.yaml", "note")]


def test_custom_kind_and_custom_rules_from_config(tmp_path: Path) -> None:
    config = (
        "workloads:\n  - {apiVersion: example.com/v1, kind: Worker, podTemplate: $.spec.podTemplate}\n"
        "rulePaths: [policies]\n"
    )
    root = repo(tmp_path, config)
    shutil.copytree(ROOT / "tests" / "data" / "custom_rules", root / "policies")
    (root / "worker.yaml").write_text(WORKER)
    found = codes(cli(root, "--select", "SL101,ACME", "worker.yaml"))
    assert found == [
        ("ACME001", "worker.yaml", 8),
        ("ACME002", "worker.yaml", 9),
        ("SL101", "worker.yaml", 14),
    ]
    listing = cli(root, "--list-rules").stdout
    assert "ACME001" in listing and "ACME002" in listing


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    root = repo(tmp_path, "rules:\n  SL401:\n    params: {maxCpus: 1}\n")
    proc = cli(root, ".")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "unknown parameter(s) maxCpus" in proc.stderr and ".sidecar-lint.yaml" in proc.stderr
    (root / ".sidecar-lint.yaml").write_text("rules:\n  SL999: {severity: note}\n")
    assert "no rule 'SL999'" in cli(root, ".").stderr
    (root / ".sidecar-lint.yaml").write_text("failOn: loud\n")
    proc = cli(root, ".")
    assert proc.returncode == 2 and ".sidecar-lint.yaml:1:1: failOn:" in proc.stderr


def test_show_config(tmp_path: Path) -> None:
    root = repo(tmp_path, 'kubernetesVersion: "1.30"\nrules:\n  SL401: {params: {maxCpu: 500m}}\n')
    shown = json.loads(cli(root, "--show-config").stdout)
    assert shown["kubernetesVersion"] == "1.30"
    assert shown["featureGates"] == {"SidecarContainers": True}
    assert shown["rules"]["SL401"]["params"]["maxCpu"] == "500m"
    assert shown["configFile"].endswith(".sidecar-lint.yaml")
    assert (
        json.loads(cli(root, "--show-config", "--kubernetes-version", "1.35").stdout)[
            "kubernetesVersion"
        ]
        == "1.35"
    )


def test_feature_gates_from_config_and_flags(tmp_path: Path) -> None:
    root = repo(
        tmp_path, 'kubernetesVersion: "1.34"\nfeatureGates: {ContainerRestartRules: true}\n'
    )
    shown = json.loads(cli(root, "--show-config").stdout)
    assert shown["featureGates"] == {"ContainerRestartRules": True, "SidecarContainers": True}
    shown = json.loads(
        cli(root, "--show-config", "--feature-gates", "ContainerRestartRules=false").stdout
    )
    assert shown["featureGates"]["ContainerRestartRules"] is False
    proc = cli(root, "--kubernetes-version", "1.33", ".")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert ".sidecar-lint.yaml:2:16: featureGates.ContainerRestartRules: " in proc.stderr
    assert "does not exist in Kubernetes 1.33 (alpha in 1.34)" in proc.stderr
    (root / ".sidecar-lint.yaml").write_text("featureGates:\n  SidecarContainers: false\n")
    proc = cli(root, ".")
    assert proc.returncode == 2
    assert (
        ".sidecar-lint.yaml:2:3: featureGates.SidecarContainers: SidecarContainers cannot be "
        in (proc.stderr)
    )
    assert "locked to true from 1.33" in proc.stderr


def test_baseline_round_trip_when_lines_move(tmp_path: Path) -> None:
    root = repo(tmp_path)
    baseline = root / "baseline.json"
    written = cli(root, "--select", "SL201", "--write-baseline", str(baseline), ".")
    assert written.returncode == 0 and "wrote 1 finding(s)" in written.stderr
    job = root / "jobs" / "report.yaml"
    job.write_text("# moved down\n# by two lines\n" + JOB)
    proc = cli(root / "jobs", "--select", "SL201", "--baseline", str(baseline), ".")
    assert proc.returncode == 0 and codes(proc) == []
    assert json.loads(proc.stdout)["summary"]["suppressed"] == 1
    job.write_text(JOB + "---\n" + JOB.replace("name: report}", "name: report-2}"))
    proc = cli(root, "--select", "SL201", "--baseline", str(baseline), ".")
    assert proc.returncode == 1 and [line for _, _, line in codes(proc)] == [28]


def test_suppressed_findings_do_not_fail_and_unused_ones_are_reported(tmp_path: Path) -> None:
    root = repo(tmp_path)
    job = root / "jobs" / "report.yaml"
    job.write_text(
        JOB.replace(
            "        - name: log-forwarder",
            "        # sidecar-lint: ignore[SL201] rewritten next sprint\n        - name: log-forwarder",
        )
    )
    proc = cli(root, "--select", "SL201", ".")
    assert proc.returncode == 0 and codes(proc) == []
    job.write_text("# sidecar-lint: ignore-file[SL4]\n" + JOB)
    proc = cli(root, "--select", "SL201,SL002", "--report-unused-ignores", ".")
    assert [c for c, *_ in codes(proc)] == ["SL002", "SL201"]


def test_limits_from_the_command_line(tmp_path: Path) -> None:
    root = repo(tmp_path)
    proc = cli(root, "--max-file-size", "100", ".")
    assert proc.returncode == 1
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["code"] == "SL001" and "above the 100 bytes limit" in finding["message"]
    assert cli(root, "--max-depth", "0", ".").returncode == 2


def test_every_configuration_mistake_is_one_line_in_file_order(tmp_path: Path) -> None:
    from tests.conftest import SIX_MISTAKES

    root = repo(tmp_path, SIX_MISTAKES)
    proc = cli(root, ".")
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert [line.split(": ")[3] for line in lines] == [
        "kubernetesVersion",
        "failOn",
        "selct",
        "rules.SL401.severity",
        "rules.SL401.parms",
        "sidecars",
    ]
    positions = [line.split(": ")[2].rsplit(":", 2)[1:] for line in lines]
    assert positions == [["1", "1"], ["2", "1"], ["3", "1"], ["6", "5"], ["7", "5"], ["8", "1"]]
    assert all(
        line.startswith(f"sidecar-lint: error: {root}/.sidecar-lint.yaml:") for line in lines
    )
    assert '"1.30"' in lines[0] and "'fatal' is not a severity" in lines[3]


def test_pyproject_mistakes_through_the_command_line(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text(
        '[tool.sidecar-lint]\nfailOn = "loud"\n\n[tool.sidecar-lint.rules.SL201]\nseverity = 1\n'
    )
    proc = cli(root, ".")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f'sidecar-lint: error: {root}/pyproject.toml:2:1: failOn: "loud" is not a failOn level; '
        "use error, warning, note or none",
        f"sidecar-lint: error: {root}/pyproject.toml:5:1: rules.SL201.severity: 1 is not a "
        "severity; use error, warning, note or off",
    ]


def test_unquoted_severity_off_turns_the_rule_off(tmp_path: Path) -> None:
    root = repo(tmp_path, "select: [SL201]\nrules:\n  SL201:\n    severity: off\n")
    proc = cli(root, ".")
    assert proc.returncode == 0, proc.stderr
    assert codes(proc) == []
    assert "SL201" in json.loads(cli(root, "--show-config").stdout)["disabled"]


def test_a_custom_rule_left_out_by_select_is_still_a_known_suppression_code(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path, "rulePaths: [policies]\n")
    shutil.copytree(ROOT / "tests" / "data" / "custom_rules", root / "policies")
    (root / "jobs" / "report.yaml").write_text(
        JOB.replace("  template:\n", "  template:  # sidecar-lint: ignore[ACME001,ACME9]\n")
    )
    proc = cli(root, "--select", "SL0", "jobs")
    unknown = [f["message"] for f in json.loads(proc.stdout)["findings"] if f["code"] == "SL002"]
    assert len(unknown) == 1 and "unknown rule 'ACME9'" in unknown[0], proc.stdout
