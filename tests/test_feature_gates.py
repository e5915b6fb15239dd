"""Run-wide feature gates: the flag, the configuration key, precedence, and the rules that read them."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from sidecar_lint.cache import FORMAT as CACHE_FORMAT
from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.cli import main
from sidecar_lint.config import ConfigError, load_config
from sidecar_lint.engine import Linter, RuleTuning
from sidecar_lint.feature_gates import (
    effective_gates,
    parse_feature_gates,
    version_problem,
)
from sidecar_lint.findings import Finding
from sidecar_lint.rule_catalogue import builtin_rules, select_rules
from sidecar_lint.settings import FlagValues, resolve_settings
from sidecar_lint.versions import KubeVersion

NATIVE = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
    - name: proxy
      image: envoyproxy/envoy:v1.31.0
      restartPolicy: Always
  containers:
    - {name: web, image: "nginx:1.27"}
"""

RESTART_RULES = """\
apiVersion: v1
kind: Pod
metadata: {name: trainer}
spec:
  restartPolicy: Never
  containers:
    - name: trainer
      image: registry.example.com/ml/trainer:0.9.0
      restartPolicy: Never
      restartPolicyRules:
        - {action: Restart, exitCodes: {operator: In, values: [42]}}
"""

RESTART_ALL = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
    - name: config-watcher
      image: registry.example.com/config-watcher:1.4.0
      restartPolicy: Always
      restartPolicyRules:
        - {action: RestartAllContainers, exitCodes: {operator: In, values: [88]}}
  containers:
    - {name: web, image: "nginx:1.27"}
"""

PROBED_INIT = """\
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  initContainers:
    - name: migrate
      image: registry.example.com/api-migrate:2.4.1
      livenessProbe:
        exec: {command: [cat, /tmp/ok]}
  containers:
    - {name: api, image: "registry.example.com/api:2.4.1"}
"""


def lint(
    text: str,
    code: str,
    version: str,
    gates: Mapping[str, bool] | None = None,
    params: dict[str, Any] | None = None,
) -> list[Finding]:
    """Lint with one rule, run-wide ``gates`` and (deprecated) rule ``params``."""
    options = CheckOptions(
        kubernetes_version=KubeVersion.parse(version), feature_gates=dict(gates or {})
    )
    tuning = {code: RuleTuning(params=params)} if params else {}
    linter = Linter(select_rules(builtin_rules(), [code]), options, tuning=tuning)
    return linter.lint_text(textwrap.dedent(text), "test.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-cache", "--jobs", "1", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(NATIVE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------- the flag syntax


def test_kube_apiserver_syntax() -> None:
    assert parse_feature_gates(["SidecarContainers=true, ContainerRestartRules = false"]) == {
        "SidecarContainers": True,
        "ContainerRestartRules": False,
    }
    assert parse_feature_gates(["SidecarContainers=1", "ContainerRestartRules=T"]) == {
        "SidecarContainers": True,
        "ContainerRestartRules": True,
    }
    # Repeated, the later value wins, as with kube-apiserver.
    assert parse_feature_gates(["SidecarContainers=true", "SidecarContainers=FALSE"]) == {
        "SidecarContainers": False
    }
    assert parse_feature_gates([]) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SidecarContainers", "'SidecarContainers' is not NAME=true or NAME=false"),
        ("=true", "'=true' is not NAME=true or NAME=false"),
        ("SidecarContainers=true,", "'' is not NAME=true or NAME=false"),
        ("SidecarContainers=yes", "SidecarContainers=yes: the value must be true or false"),
        ("SidecarContainers=", "SidecarContainers=: the value must be true or false"),
        ("sidecarContainers=true", "unknown feature gate 'sidecarContainers'; did you mean"),
        ("Bogus=true", "unknown feature gate 'Bogus'; known: ContainerRestartRules, "),
    ],
)
def test_bad_flag_values(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_feature_gates([text])
    assert message in str(err.value)


def test_what_a_cluster_of_that_version_refuses() -> None:
    v = KubeVersion.parse
    assert version_problem("SidecarContainers", False, v("1.33")) == (
        "SidecarContainers cannot be turned off in Kubernetes 1.33: it is GA and locked to "
        "true from 1.33"
    )
    assert "locked to true from 1.33" in str(version_problem("SidecarContainers", False, v("1.37")))
    assert version_problem("SidecarContainers", True, v("1.33")) is None  # its locked value
    assert version_problem("SidecarContainers", False, v("1.32")) is None
    assert version_problem("ContainerRestartRules", True, v("1.33")) == (
        "ContainerRestartRules does not exist in Kubernetes 1.33 (alpha in 1.34); remove it, "
        "or target 1.34+"
    )


def test_effective_gates_by_version() -> None:
    v = KubeVersion.parse
    assert effective_gates(v("1.27"), {}) == {}
    assert effective_gates(v("1.28"), {}) == {"SidecarContainers": False}
    assert effective_gates(v("1.28"), {"SidecarContainers": True}) == {"SidecarContainers": True}
    assert effective_gates(v("1.35"), {"ContainerRestartRules": False}) == {
        "ContainerRestartRules": False,
        "RestartAllContainersOnContainerExits": False,
        "SidecarContainers": True,
    }


def test_check_options_answer_for_the_target_cluster() -> None:
    def on(version: str, gate: str, **gates: bool) -> bool:
        return CheckOptions(KubeVersion.parse(version), feature_gates=gates).gate_enabled(gate)

    assert not on("1.34", "ContainerRestartRules")  # alpha: off
    assert on("1.34", "ContainerRestartRules", ContainerRestartRules=True)
    assert on("1.35", "ContainerRestartRules")  # beta: on
    assert not on("1.35", "ContainerRestartRules", ContainerRestartRules=False)
    assert on("1.33", "SidecarContainers", SidecarContainers=False)  # locked: still on
    assert not on("1.27", "SidecarContainers", SidecarContainers=True)  # does not exist yet


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--feature-gates", "SidecarContainers"],
            "--feature-gates: 'SidecarContainers' is not NAME=true or NAME=false",
        ),
        (
            ["--feature-gates", "SidecarContainer=true"],
            "--feature-gates: unknown feature gate 'SidecarContainer'; "
            "did you mean 'SidecarContainers'?",
        ),
        (
            ["--kubernetes-version", "1.33", "--feature-gates", "SidecarContainers=false"],
            "--feature-gates: SidecarContainers cannot be turned off in Kubernetes 1.33: it is "
            "GA and locked to true from 1.33",
        ),
        (
            ["--feature-gates", "SidecarContainers=false"],
            "cannot be turned off in Kubernetes 1.37: it is GA and locked to true from 1.33",
        ),
        (
            ["--kubernetes-version", "1.36", "--feature-gates", "SidecarContainers=false"],
            "cannot be turned off in Kubernetes 1.36: it is GA and locked to true from 1.33",
        ),
        (
            ["--kubernetes-version", "1.33", "--feature-gates", "ContainerRestartRules=true"],
            "--feature-gates: ContainerRestartRules does not exist in Kubernetes 1.33",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "--isolated", *args, "pod.yaml")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("sidecar-lint: error: "), err
    assert message in err


def test_the_flag_changes_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--isolated", "--select", "SL106", "--format", "json", "--kubernetes-version", "1.28"]
    code, out, _ = run(capsys, *base, "pod.yaml")
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert finding["severity"] == "warning"
    assert "pass --feature-gates SidecarContainers=true" in finding["message"]
    code, out, _ = run(capsys, *base, "--feature-gates", "SidecarContainers=true", "pod.yaml")
    assert code == 0 and json.loads(out)["findings"] == []
    code, out, _ = run(
        capsys,
        *base,
        "--feature-gates",
        "SidecarContainers=true",
        "--feature-gates",
        "SidecarContainers=false",
        "pod.yaml",
    )
    assert code == 1 and len(json.loads(out)["findings"]) == 1


def test_show_config_lists_the_effective_gates(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "--isolated", "--show-config", "--kubernetes-version", "1.33")
    assert json.loads(out)["featureGates"] == {"SidecarContainers": True}
    _, out, _ = run(capsys, "--isolated", "--show-config")  # the newest minor, by default
    shown = json.loads(out)
    assert shown["kubernetesVersion"] == "1.37"
    assert shown["featureGates"] == {
        "ContainerRestartRules": True,
        "RestartAllContainersOnContainerExits": True,
        "SidecarContainers": True,
    }
    _, out, _ = run(
        capsys,
        "--isolated",
        "--show-config",
        "--kubernetes-version",
        "1.35",
        "--feature-gates",
        "RestartAllContainersOnContainerExits=true",
    )
    assert json.loads(out)["featureGates"] == {
        "ContainerRestartRules": True,
        "RestartAllContainersOnContainerExits": True,
        "SidecarContainers": True,
    }


def test_json_and_sarif_record_the_gates(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--isolated", "--kubernetes-version", "1.28", "--feature-gates", "SidecarContainers=1"]
    _, out, _ = run(capsys, *args, "--format", "json", "pod.yaml")
    report = json.loads(out)
    assert report["kubernetesVersion"] == "1.28"
    assert report["featureGates"] == {"SidecarContainers": True}
    _, out, _ = run(capsys, *args, "--format", "sarif", "pod.yaml")
    properties = json.loads(out)["runs"][0]["properties"]
    assert properties == {"kubernetesVersion": "1.28", "featureGates": {"SidecarContainers": True}}


# --------------------------------------------------------------------------- configuration


def test_configuration_key(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text("featureGates:\n  SidecarContainers: true\n  ContainerRestartRules: false\n")
    assert load_config(path).config.feature_gates == {
        "SidecarContainers": True,
        "ContainerRestartRules": False,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kubernetesVersion: '1.28'\nfeatureGates:\n  SidecarContainer: true\n",
            ":3:3: featureGates.SidecarContainer: unknown feature gate 'SidecarContainer'; "
            "did you mean 'SidecarContainers'?",
        ),
        (
            "featureGates:\n  SidecarContainers: 'true'\n",
            ":2:3: featureGates.SidecarContainers: expected true or false, got the string 'true'",
        ),
        ("featureGates: [SidecarContainers]\n", ":1:1: featureGates: expected a mapping"),
        ("featureGate: {}\n", ":1:1: featureGate: unknown key 'featureGate'; did you mean"),
    ],
)
def test_configuration_errors_name_the_position(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}{expected}"), str(err.value)
    assert "\n" not in str(err.value)


def test_a_locked_gate_turned_off_in_the_file_names_its_position(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text("kubernetesVersion: '1.34'\nfeatureGates:\n  SidecarContainers: false\n")
    with pytest.raises(ConfigError) as err:
        resolve_settings(load_config(path), FlagValues())
    assert str(err.value) == (
        f"{path}:3:3: featureGates.SidecarContainers: SidecarContainers cannot be turned off in "
        "Kubernetes 1.34: it is GA and locked to true from 1.33"
    )


def test_the_version_from_the_flag_judges_the_files_gates(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text("featureGates: {ContainerRestartRules: true}\n")
    loaded = load_config(path)
    ok = resolve_settings(loaded, FlagValues(kubernetes_version="1.34"))
    assert ok.effective_gates()["ContainerRestartRules"] is True
    with pytest.raises(ConfigError, match=r":1:16: featureGates.ContainerRestartRules: .* 1.33"):
        resolve_settings(loaded, FlagValues(kubernetes_version="1.33"))


def test_pyproject_table_and_inline_table(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.sidecar-lint]\nkubernetesVersion = "1.28"\n\n'
        "[tool.sidecar-lint.featureGates]\nSidecarContainers = true\n"
    )
    assert load_config(path).config.feature_gates == {"SidecarContainers": True}
    path.write_text("[tool.sidecar-lint]\nfeatureGates = { SidecarContainer = true }\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml:2:18: featureGates.SidecarContainer: "):
        load_config(path)


def test_flags_win_gate_by_gate(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(
        "kubernetesVersion: '1.35'\n"
        "featureGates: {ContainerRestartRules: false, RestartAllContainersOnContainerExits: true}\n"
    )
    loaded = load_config(path)
    assert resolve_settings(loaded, FlagValues()).feature_gates == {
        "ContainerRestartRules": False,
        "RestartAllContainersOnContainerExits": True,
    }
    flags = FlagValues(feature_gates=(("ContainerRestartRules", True),))
    assert resolve_settings(loaded, flags).effective_gates() == {
        "ContainerRestartRules": True,
        "RestartAllContainersOnContainerExits": True,
        "SidecarContainers": True,
    }


def test_a_flag_overrides_a_value_the_version_would_refuse(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text("featureGates: {SidecarContainers: false}\n")
    flags = FlagValues(feature_gates=(("SidecarContainers", True),))
    assert resolve_settings(load_config(path), flags).feature_gates == {"SidecarContainers": True}


def test_configuration_and_flag_through_the_command_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".sidecar-lint.yaml").write_text(
        "kubernetesVersion: '1.28'\nfeatureGates: {SidecarContainers: true}\nselect: [SL106]\n"
    )
    code, out, err = run(capsys, "--format", "json", "pod.yaml")
    assert (code, json.loads(out)["findings"], err) == (0, [], "")
    code, out, _ = run(capsys, "--format", "json", "--feature-gates", "SidecarContainers=0", ".")
    assert code == 1 and [f["code"] for f in json.loads(out)["findings"]] == ["SL106"]


# --------------------------------------------------------------------------- the rules


def test_sl106_follows_the_sidecar_gate() -> None:
    (alpha,) = lint(NATIVE, "SL106", "1.28")
    assert alpha.severity.value == "warning"
    assert lint(NATIVE, "SL106", "1.28", {"SidecarContainers": True}) == []
    (off,) = lint(NATIVE, "SL106", "1.30", {"SidecarContainers": False})
    assert off.severity.value == "error"
    assert "this run's feature gates turn SidecarContainers off" in off.message
    assert lint(NATIVE, "SL106", "1.30") == []


def test_sl102_restart_rules_on_1_34() -> None:
    default = lint(RESTART_RULES, "SL102", "1.34")
    assert len(default) == 2
    assert "off by default in Kubernetes 1.34" in default[1].message
    assert "pass --feature-gates ContainerRestartRules=true" in default[1].message
    assert lint(RESTART_RULES, "SL102", "1.34", {"ContainerRestartRules": True}) == []
    assert lint(RESTART_RULES, "SL102", "1.35") == []
    turned_off = lint(RESTART_RULES, "SL102", "1.35", {"ContainerRestartRules": False})
    assert [f.span.start_line for f in turned_off] == [9, 10]
    assert "this run's feature gates turn it off" in turned_off[1].message


def test_sl102_restart_all_containers_on_1_35() -> None:
    findings = lint(RESTART_ALL, "SL102", "1.35")
    assert len(findings) == 1
    assert "pass --feature-gates RestartAllContainersOnContainerExits=true" in findings[0].message
    gate = {"RestartAllContainersOnContainerExits": True}
    assert lint(RESTART_ALL, "SL102", "1.35", gate) == []


def test_sl107_advice_follows_the_sidecar_gate() -> None:
    (alpha,) = lint(PROBED_INIT, "SL107", "1.28")
    assert "alpha in Kubernetes 1.28" in alpha.message
    assert "pass --feature-gates SidecarContainers=true" in alpha.message
    (enabled,) = lint(PROBED_INIT, "SL107", "1.28", {"SidecarContainers": True})
    assert enabled.message.endswith("add restartPolicy: Always to make it a native sidecar")
    (off,) = lint(PROBED_INIT, "SL107", "1.31", {"SidecarContainers": False})
    assert "move it to containers[] — this run's feature gates turn SidecarContainers off" in (
        off.message
    )


JOB_WITH_PROXY = """\
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: migrate, image: registry.example.com/migrate:1.0.0}
        - {name: cloud-sql-proxy, image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0}
"""


def test_sl201_advice_follows_the_sidecar_gate() -> None:
    (alpha,) = lint(JOB_WITH_PROXY, "SL201", "1.28")
    assert "need the SidecarContainers feature gate" in alpha.message
    (enabled,) = lint(JOB_WITH_PROXY, "SL201", "1.28", {"SidecarContainers": True})
    assert "need the SidecarContainers feature gate" not in enabled.message
    assert "add restartPolicy: Always" in enabled.message
    (default,) = lint(JOB_WITH_PROXY, "SL201", "1.31")
    assert default.message == enabled.message.replace("1.28", "1.31")
    (off,) = lint(JOB_WITH_PROXY, "SL201", "1.31", {"SidecarContainers": False})
    assert "turns native sidecars off (--feature-gates SidecarContainers=false)" in off.message


def test_deprecated_rule_parameter_is_merged_over_the_run_wide_gates() -> None:
    on = {"featureGates": {"SidecarContainers": True}}
    off = {"featureGates": {"SidecarContainers": False}}
    assert lint(NATIVE, "SL106", "1.28", params=on) == []
    assert len(lint(NATIVE, "SL106", "1.28", {"SidecarContainers": True}, params=off)) == 1
    rules_on = {"featureGates": {"ContainerRestartRules": True}}
    assert lint(RESTART_RULES, "SL102", "1.34", params=rules_on) == []


def test_deprecated_rule_parameter_warns_but_works(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".sidecar-lint.yaml").write_text(
        "kubernetesVersion: '1.28'\nselect: [SL106]\n"
        "rules:\n  SL106: {params: {featureGates: {SidecarContainers: true}}}\n"
    )
    code, out, err = run(capsys, "--format", "json", "pod.yaml")
    assert code == 0 and json.loads(out)["findings"] == []
    assert err == (
        f"sidecar-lint: warning: {project / '.sidecar-lint.yaml'}: rules.SL106.params."
        "featureGates is deprecated: feature gates belong to the cluster, so set them once "
        "with the top-level featureGates (or --feature-gates)\n"
    )


# --------------------------------------------------------------------------- the cache


def test_changing_the_gates_changes_the_cache_key(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"

    def lint_cached(*extra: str) -> str:
        main(["--isolated", "--cache-dir", str(cache), "--format", "json", "--jobs", "1", *extra])
        return capsys.readouterr().out

    base = ("--kubernetes-version", "1.28", "--select", "SL106", "pod.yaml")
    without = lint_cached(*base)
    with_gate = lint_cached(*base, "--feature-gates", "SidecarContainers=true")
    assert len(list((cache / f"v{CACHE_FORMAT}").glob("*.json"))) == 2
    assert len(json.loads(without)["findings"]) == 1
    assert json.loads(with_gate)["findings"] == []
    assert lint_cached(*base) == without  # each setting reads back its own results
