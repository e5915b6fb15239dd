"""Configuration resolved per linted file: the nearest configuration file above it applies."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from sidecar_lint.settings import FlagValues, SettingsResolver
from tests.manifests import JOB


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A repository: a root configuration, a nested one in team/, another in sibling/."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".sidecar-lint.yaml").write_text("select: [SL201]\n")
    for directory in ("jobs", "team", "team/deep", "sibling"):
        (tmp_path / directory).mkdir()
    (tmp_path / "jobs" / "report.yaml").write_text(JOB)
    (tmp_path / "team" / "deep" / "report.yaml").write_text(JOB)
    (tmp_path / "team" / ".sidecar-lint.yaml").write_text(
        "select: [SL201]\nrules:\n  SL201: {severity: note}\n"
    )
    (tmp_path / "sibling" / ".sidecar-lint.yaml").write_text("select: [SL201]\nignore: [SL201]\n")
    return tmp_path


def run(
    capsys: pytest.CaptureFixture[str], cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def severities(out: str) -> dict[str, str]:
    report = json.loads(out)
    return {f["file"]: f"{f['code']} {f['severity']}" for f in report["findings"]}


def test_each_file_takes_its_nearest_configuration(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, tree, monkeypatch, "--format", "json", ".")
    assert code == 1, err
    assert severities(out) == {
        "jobs/report.yaml": "SL201 error",
        "team/deep/report.yaml": "SL201 note",
    }


def test_the_working_directory_does_not_decide(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # From sibling/, whose configuration ignores SL201: files elsewhere keep their own.
    code, out, _ = run(capsys, tree / "sibling", monkeypatch, "--format", "json", "..")
    assert severities(out) == {
        "../jobs/report.yaml": "SL201 error",
        "../team/deep/report.yaml": "SL201 note",
    }
    code, out, _ = run(capsys, tree / "team" / "deep", monkeypatch, "--format", "json", ".")
    assert severities(out) == {"report.yaml": "SL201 note"}
    (tree / "sibling" / "pod.yaml").write_text(JOB)
    code, out, _ = run(capsys, tree, monkeypatch, "--format", "json", "sibling")
    assert code == 0 and severities(out) == {}  # sibling's ignore applies in sibling/ only


def test_config_flag_applies_to_every_file_and_isolated_to_none(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "ci.yaml").write_text("select: [SL201]\nrules:\n  SL201: {severity: warning}\n")
    _, out, _ = run(capsys, tree, monkeypatch, "--format", "json", "--config", "ci.yaml", ".")
    assert set(severities(out).values()) == {"SL201 warning"} and len(severities(out)) == 2
    _, out, _ = run(
        capsys, tree, monkeypatch, "--format", "json", "--isolated", "--select", "SL201"
    )
    assert severities(out) == {
        "jobs/report.yaml": "SL201 error",
        "team/deep/report.yaml": "SL201 error",
    }


def test_show_config_for_a_file_names_the_configuration_that_applies(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run(capsys, tree, monkeypatch, "--show-config", "team/deep/report.yaml")
    shown = json.loads(out)
    assert shown["file"] == "team/deep/report.yaml"
    assert Path(shown["configFile"]) == (tree / "team" / ".sidecar-lint.yaml").resolve()
    assert shown["rules"]["SL201"]["severity"] == "note"
    _, out, _ = run(capsys, tree, monkeypatch, "--show-config")
    shown = json.loads(out)
    assert "file" not in shown
    assert Path(shown["configFile"]) == (tree / ".sidecar-lint.yaml").resolve()
    assert shown["rules"]["SL201"]["severity"] == "error"
    _, out, _ = run(capsys, tree, monkeypatch, "--show-config", "team")  # a directory: its own
    assert json.loads(out)["rules"]["SL201"]["severity"] == "note"


def test_fail_on_is_run_wide(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / ".sidecar-lint.yaml").write_text("select: [SL201]\nfailOn: none\n")
    (tree / "team" / ".sidecar-lint.yaml").write_text("select: [SL201]\nfailOn: note\n")
    code, out, err = run(capsys, tree, monkeypatch, "--format", "json", ".")
    assert code == 0  # two errors, but the root says none
    assert len(severities(out)) == 2
    assert "team/.sidecar-lint.yaml:2:1: failOn has no effect here" in err
    code, _, _ = run(capsys, tree / "team", monkeypatch, "--format", "json", ".")
    assert code == 1  # from team/, team's configuration is the run's


def test_a_nested_exclude_prunes_its_own_directory(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "team" / ".sidecar-lint.yaml").write_text('select: [SL201]\nexclude: ["deep/**"]\n')
    _, out, _ = run(capsys, tree, monkeypatch, "--format", "json", ".")
    assert list(severities(out)) == ["jobs/report.yaml"]
    named = "team/deep/report.yaml"
    _, out, _ = run(capsys, tree, monkeypatch, "--format", "json", named)
    assert list(severities(out)) == [named]  # a file named explicitly is always linted


def test_every_broken_configuration_is_reported(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "team" / ".sidecar-lint.yaml").write_text("failOn: loud\nselct: []\n")
    (tree / "jobs" / ".sidecar-lint.yaml").write_text("rules:\n  SL201: {severity: fatal}\n")
    code, out, err = run(capsys, tree, monkeypatch, ".")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 3 and all(line.startswith("sidecar-lint: error: ") for line in lines)
    assert "jobs/.sidecar-lint.yaml:2:11: rules.SL201.severity: 'fatal'" in lines[0]
    assert "team/.sidecar-lint.yaml:1:1: failOn: 'loud'" in lines[1]
    assert "team/.sidecar-lint.yaml:2:1: selct: unknown key" in lines[2]


def test_pyproject_at_the_root_and_yaml_below(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.sidecar-lint]\nselect = ["SL201"]\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "job.yaml").write_text(JOB)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "job.yaml").write_text(JOB)
    (tmp_path / "b" / ".sidecar-lint.yaml").write_text(
        "select: [SL201]\nrules: {SL201: {severity: note}}\n"
    )
    _, out, _ = run(capsys, tmp_path, monkeypatch, "--format", "json", ".")
    assert severities(out) == {"a/job.yaml": "SL201 error", "b/job.yaml": "SL201 note"}


def test_parallel_workers_use_each_files_settings(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        (tree / "jobs" / f"more-{n}.yaml").write_text(JOB)
        (tree / "team" / f"more-{n}.yaml").write_text(JOB)
    _, one, _ = run(capsys, tree, monkeypatch, "--format", "json", "--jobs", "1", ".")
    _, many, _ = run(
        capsys, tree, monkeypatch, "--format", "json", "--jobs", "3", "--no-cache", "."
    )
    assert severities(one) == severities(many)
    assert severities(many)["team/more-0.yaml"] == "SL201 note"
    assert severities(many)["jobs/more-0.yaml"] == "SL201 error"


def test_settings_pickle_for_spawned_workers(tree: Path) -> None:
    from sidecar_lint import parallel
    from sidecar_lint.discovery import Input

    resolver = SettingsResolver(None, False, FlagValues(), tree)
    team = resolver.for_path(str(tree / "team" / "deep" / "report.yaml"))
    back = pickle.loads(pickle.dumps((resolver.root, team)))
    assert back[1].loaded.path == team.loaded.path
    assert back[1].loaded.where(("rules", "SL201")) == f"{team.loaded.path}:3:3"
    parallel._init_worker(back)  # what a spawned worker does with its pickled settings
    path = str(tree / "team" / "deep" / "report.yaml")
    _, report = parallel._lint_path((0, Input(path), 1))
    assert [(f.code, f.severity.value) for f in report.findings] == [("SL201", "note")]


def test_the_cache_is_keyed_by_the_settings_that_applied(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run(capsys, tree, monkeypatch, "--format", "json", ".")
    assert severities(out)["team/deep/report.yaml"] == "SL201 note"
    (tree / "team" / ".sidecar-lint.yaml").write_text(
        "select: [SL201]\nrules:\n  SL201: {severity: warning}\n"
    )
    _, out, _ = run(capsys, tree, monkeypatch, "--format", "json", ".")
    assert severities(out)["team/deep/report.yaml"] == "SL201 warning"
    assert severities(out)["jobs/report.yaml"] == "SL201 error"


def test_sibling_configuration_is_never_looked_at(tree: Path) -> None:
    resolver = SettingsResolver(None, False, FlagValues(), tree)
    assert (
        resolver.config_path("sibling/x.yaml")
        == (tree / "sibling" / ".sidecar-lint.yaml").resolve()
    )
    assert (
        resolver.config_path("team/deep/x.yaml") == (tree / "team" / ".sidecar-lint.yaml").resolve()
    )
    assert resolver.config_path("jobs/x.yaml") == (tree / ".sidecar-lint.yaml").resolve()
    assert resolver.config_path("-") == (tree / ".sidecar-lint.yaml").resolve()
    assert (
        resolver.config_path("team/stdin-name.yaml")
        == (tree / "team" / ".sidecar-lint.yaml").resolve()
    )


def test_a_nested_configurations_deprecations_are_shown(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "team" / ".sidecar-lint.yaml").write_text(
        "select: [SL106]\nrules:\n  SL106:\n    params: {featureGates: {SidecarContainers: true}}\n"
    )
    _, _, err = run(capsys, tree, monkeypatch, "--format", "json", ".")
    assert "team/.sidecar-lint.yaml: rules.SL106.params.featureGates is deprecated" in err
