"""Data-driven rule tests: the cases in the second document of ``rules/<CODE>-<name>.yaml``.

A rule file holds its metadata, docs and examples in its first YAML document
(the only one the catalogue reads) and, after a ``---`` line, its test cases:
one named case per situation, each a manifest with the exact findings
expected (line, column and an optional message fragment); an empty
``expect`` means the rule must stay silent. Only the file's rule runs, so
other rules cannot interfere.

    ---
    cases:
      - name: busybox loop in a Job
        kubernetesVersion: "1.33"      # optional
        params: {maxRatio: 2}          # optional: this rule's parameters
        cluster: {defaultNamespace: x} # optional: the configuration's cluster: section
        manifest: |
          ...
        expect:
          - {line: 12, column: 11, message: "never completes"}
        fixed: |                       # optional: the manifest after --fix --unsafe-fixes
          ...
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from typing import Any

import pytest

from sidecar_lint.autofix import FixMode, fix_file
from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.document import SourceFile
from sidecar_lint.engine import Linter, RuleTuning
from sidecar_lint.loading import DEFAULT_LIMITS, load_source
from sidecar_lint.rule_catalogue import builtin_rules, select_rules
from sidecar_lint.versions import KubeVersion
from tests.conftest import RULE_FILES, cluster_context, lint, read_rule_file, rule_cases

CASES = rule_cases()


@pytest.mark.parametrize(
    ("code", "stem", "case"), CASES, ids=[f"{c[0]}:{c[2]['name']}" for c in CASES]
)
def test_case(code: str, stem: str, case: dict[str, Any]) -> None:
    assert stem.startswith(code), f"{stem}.yaml declares rule {code}"
    findings = lint(
        case["manifest"],
        select=case.get("select", [code]),
        version=str(case.get("kubernetesVersion", "1.33")),
        report_unused_ignores=bool(case.get("reportUnusedIgnores", False)),
        params={code: case["params"]} if "params" in case else None,
        cluster=case.get("cluster"),
    )
    findings = [f for f in findings if f.code == code]
    got = [(f.span.start_line, f.span.start_col) for f in findings]
    expected = case.get("expect") or []
    want = [(e["line"], e["column"]) for e in expected]
    assert got == want, "\n".join(
        f"{f.span.start_line}:{f.span.start_col} {f.message}" for f in findings
    )
    for finding, exp in zip(findings, expected, strict=True):
        fragment = exp.get("message")
        if fragment:
            assert fragment in finding.message, finding.message
        if "endLine" in exp:
            assert (finding.span.end_line, finding.span.end_col) == (
                exp["endLine"],
                exp["endColumn"],
            )
        if "container" in exp:
            assert finding.container == exp["container"]
        if "severity" in exp:
            assert finding.severity.value == exp["severity"]
    if "fixed" in case:
        assert fixed(code, case) == case["fixed"]
        assert fixed(code, {**case, "manifest": case["fixed"]}) == case["fixed"]  # idempotent


def fixed(code: str, case: dict[str, Any]) -> str:
    """The case's manifest after ``--fix --unsafe-fixes`` with its rule alone."""
    options = CheckOptions(
        kubernetes_version=KubeVersion.parse(case.get("kubernetesVersion", "1.33"))
    )
    tuning = {code: RuleTuning(params=case["params"])} if "params" in case else None
    rules = select_rules(builtin_rules(), [code])
    linter = Linter(rules, options, tuning=tuning, cluster=cluster_context(case.get("cluster")))
    loaded = load_source(SourceFile("test.yaml", textwrap.dedent(case["manifest"])))
    findings = linter.lint(loaded)
    before = replace(linter.summary)
    _, _, outcome = fix_file(
        linter, loaded, findings, "test.yaml", DEFAULT_LIMITS, FixMode(unsafe=True), before
    )
    return outcome.text


def test_every_fix_a_rule_declares_has_a_case() -> None:
    for path in RULE_FILES:
        meta, data = read_rule_file(path)
        if meta.get("fixes"):
            assert any("fixed" in c for c in data["cases"]), f"{path}: no case with fixed:"


def test_every_rule_file_has_well_formed_cases() -> None:
    assert RULE_FILES, "no rule files found"
    for path in RULE_FILES:
        _, data = read_rule_file(path)
        assert data is not None, f"{path}: no cases document (a --- line, then cases:)"
        assert set(data) == {"cases"}, path
        names = [c["name"] for c in data["cases"]]
        assert len(names) == len(set(names)), f"{path}: duplicate case names"
        assert any(c.get("expect") for c in data["cases"]), f"{path}: no case that must fire"
        assert any(not c.get("expect") for c in data["cases"]), (
            f"{path}: no case that must stay silent"
        )
