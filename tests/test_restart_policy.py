"""SL102/SL106/SL107: limits, feature gates (run-wide and the deprecated rule parameter), SL101."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.engine import Linter
from sidecar_lint.feature_gates import (
    CONTAINER_RESTART_RULES,
    RESTART_ALL_CONTAINERS,
    SIDECAR_CONTAINERS,
)
from sidecar_lint.findings import Finding
from sidecar_lint.rule_catalogue import CatalogueError, RuleParam, builtin_rules, find_rule
from sidecar_lint.versions import KubeVersion
from tests.conftest import lint

VERSIONS = [f"1.{minor}" for minor in range(25, 38)]


def _lint_with_gates(
    text: str,
    code: str,
    version: str,
    gates: dict[str, Any],
    run_wide: dict[str, bool] | None = None,
) -> list[Finding]:
    """Lint with the rule's (deprecated) ``featureGates`` default set to ``gates``."""
    rule = find_rule(builtin_rules(), code)
    assert rule is not None
    params = dict(rule.params)
    params["featureGates"] = RuleParam(default=gates, description="test")
    linter = Linter(
        [rule.model_copy(update={"params": params})],
        CheckOptions(kubernetes_version=KubeVersion.parse(version), feature_gates=run_wide or {}),
    )
    return linter.lint_text(textwrap.dedent(text), "test.yaml")


def _pod(container: str, list_key: str = "containers") -> str:
    body = textwrap.indent(textwrap.dedent(container).strip(), "      ")
    app = (
        "" if list_key == "containers" else "  containers:\n    - {name: app, image: nginx:1.27}\n"
    )
    return (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Never\n"
        f"{app}  {list_key}:\n    -\n{body}\n"
    )


@pytest.mark.parametrize(
    ("gate", "off", "on"),
    [
        (SIDECAR_CONTAINERS, ["1.25", "1.27", "1.28"], ["1.29", "1.33", "1.37"]),
        (CONTAINER_RESTART_RULES, ["1.28", "1.33", "1.34"], ["1.35", "1.37"]),
        (RESTART_ALL_CONTAINERS, ["1.34", "1.35"], ["1.36", "1.37"]),
    ],
)
def test_gate_defaults(gate: Any, off: list[str], on: list[str]) -> None:
    for v in off:
        assert not gate.enabled(KubeVersion.parse(v), {}), v
    for v in on:
        assert gate.enabled(KubeVersion.parse(v), {}), v


def test_gate_overrides_only_where_the_gate_exists_and_is_not_locked() -> None:
    assert SIDECAR_CONTAINERS.enabled(KubeVersion.parse("1.28"), {"SidecarContainers": True})
    assert not SIDECAR_CONTAINERS.enabled(KubeVersion.parse("1.27"), {"SidecarContainers": True})
    assert SIDECAR_CONTAINERS.enabled(KubeVersion.parse("1.33"), {"SidecarContainers": False})
    assert not CONTAINER_RESTART_RULES.enabled(
        KubeVersion.parse("1.35"), {"ContainerRestartRules": False}
    )


def test_more_than_20_rules() -> None:
    rules = "\n".join(
        f"  - {{action: Restart, exitCodes: {{operator: In, values: [{i}]}}}}" for i in range(21)
    )
    text = _pod(f"name: worker\nimage: w:1\nrestartPolicy: Never\nrestartPolicyRules:\n{rules}")
    findings = lint(text, select=["SL102"], version="1.35")
    assert [f.message for f in findings if "Too many: 21: must have at most 20 items" in f.message]
    assert len(findings) == 1
    twenty = text.replace(rules.splitlines()[-1] + "\n", "")
    assert lint(twenty, select=["SL102"], version="1.35") == []


def test_more_than_255_exit_codes() -> None:
    values = ", ".join(str(i) for i in range(256))
    text = _pod(
        "name: worker\nimage: w:1\nrestartPolicy: Never\nrestartPolicyRules:\n"
        f"  - action: Restart\n    exitCodes:\n      operator: NotIn\n      values: [{values}]"
    )
    findings = lint(text, select=["SL102"], version="1.36")
    assert len(findings) == 1
    assert "Too many: 256: must have at most 255 items" in findings[0].message
    assert (findings[0].span.start_line, findings[0].span.start_col) == (15, 13)
    fewer = text.replace("[0, 1, ", "[1, ")
    assert lint(fewer, select=["SL102"], version="1.36") == []


def test_missing_action_and_operator_point_at_the_rule() -> None:
    text = _pod(
        "name: worker\nimage: w:1\nrestartPolicy: Never\nrestartPolicyRules:\n"
        "  - exitCodes: {values: [3]}"
    )
    findings = lint(text, select=["SL102"], version="1.35")
    messages = sorted(f.message for f in findings)
    assert len(messages) == 2
    assert "restart rule 0 has exitCodes without an operator" in messages[0]
    assert "restart rule 0 has no action" in messages[1]
    assert {(f.span.start_line, f.span.start_col) for f in findings} == {(12, 11)}


def test_ephemeral_container_rules_are_forbidden_from_1_34() -> None:
    text = _pod(
        "name: debug\nimage: busybox:1.36\nrestartPolicyRules:\n"
        "  - {action: Restart, exitCodes: {operator: In, values: [1]}}",
        list_key="ephemeralContainers",
    )
    assert lint(text, select=["SL102"], version="1.33") == []  # SL101's: unknown field
    findings = lint(text, select=["SL102"], version="1.34")
    assert len(findings) == 1
    assert "cannot be set for an Ephemeral Container" in findings[0].message


@pytest.mark.parametrize("version", VERSIONS)
def test_sl101_and_sl102_never_report_the_same_key(version: str) -> None:
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          restartPolicy: Never
          initContainers:
            - name: proxy
              image: envoyproxy/envoy:v1.31.0
              restartPolicy: Always
              restartPolicyRules:
                - {action: Restart, exitCodes: {operator: In, values: [1]}}
            - name: setup
              image: busybox:1.36
              restartPolicy: OnFailure
          containers:
            - name: app
              image: nginx:1.27
              restartPolicy: Never
              restartPolicyRules:
                - {action: Restart, exitCodes: {operator: In, values: [1]}}
          ephemeralContainers:
            - name: debug
              image: busybox:1.36
              restartPolicy: Never
    """
    findings = lint(text, select=["SL101", "SL102"], version=version)
    by_code: dict[str, set[tuple[Any, ...]]] = {"SL101": set(), "SL102": set()}
    for f in findings:
        by_code[f.code].add(f.pointer[:5])
    assert not by_code["SL101"] & by_code["SL102"], findings


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


def test_sl101_and_sl106_before_1_28_point_at_different_nodes() -> None:
    findings = lint(NATIVE, select=["SL101", "SL106"], version="1.27")
    assert [(f.code, f.span.start_line, f.span.start_col) for f in findings] == [
        ("SL106", 6, 7),
        ("SL101", 8, 7),
    ]


def test_on_1_28_only_sl106_reports() -> None:
    findings = lint(NATIVE, select=["SL101", "SL106", "SL107"], version="1.28")
    assert [(f.code, f.span.start_line, f.span.start_col) for f in findings] == [("SL106", 8, 22)]


def test_sidecar_gate_parameter_silences_1_28() -> None:
    assert _lint_with_gates(NATIVE, "SL106", "1.28", {"SidecarContainers": True}) == []
    assert len(_lint_with_gates(NATIVE, "SL106", "1.27", {"SidecarContainers": True})) == 1


def test_restart_rules_gate_parameter_on_1_34() -> None:
    text = _pod(
        "name: worker\nimage: w:1\nrestartPolicy: Never\nrestartPolicyRules:\n"
        "  - {action: Restart, exitCodes: {operator: In, values: [42]}}"
    )
    assert len(lint(text, select=["SL102"], version="1.34")) == 2
    assert _lint_with_gates(text, "SL102", "1.34", {"ContainerRestartRules": True}) == []


def test_rule_parameter_wins_over_the_run_wide_gate_for_its_rule_only() -> None:
    on, off = {"SidecarContainers": True}, {"SidecarContainers": False}
    assert _lint_with_gates(NATIVE, "SL106", "1.28", {}, run_wide=on) == []
    assert len(_lint_with_gates(NATIVE, "SL106", "1.28", off, run_wide=on)) == 1
    assert _lint_with_gates(NATIVE, "SL106", "1.28", on, run_wide=off) == []
    # A locked gate stays on, whatever the (unchecked) rule parameter says.
    assert _lint_with_gates(NATIVE, "SL106", "1.33", off) == []


def test_unknown_gate_parameter_is_a_catalogue_error() -> None:
    with pytest.raises(CatalogueError, match="unknown feature gate"):
        _lint_with_gates(NATIVE, "SL102", "1.33", {"SidecarContainer": True})
