"""Every rule's documented examples are executable: bad ones fire, good ones stay silent.

This keeps the rule docs honest and guarantees no rule ships untested.
"""

from __future__ import annotations

import pytest

from sidecar_lint.rule_catalogue import RuleMeta, builtin_rules
from tests.conftest import lint, rule_cases

RULES = builtin_rules()


def _cases(kind: str) -> list[tuple[RuleMeta, int]]:
    return [(rule, i) for rule in RULES for i in range(len(getattr(rule.examples, kind)))]


@pytest.mark.parametrize(
    ("rule", "index"), _cases("bad"), ids=lambda v: v.code if isinstance(v, RuleMeta) else str(v)
)
def test_bad_example_fires(rule: RuleMeta, index: int) -> None:
    example = rule.examples.bad[index]
    findings = lint(
        example.manifest,
        version=example.kubernetes_version or "1.33",
        report_unused_ignores=example.report_unused_ignores,
    )
    assert rule.code in {f.code for f in findings}, f"{rule.code} bad example '{example.title}'"


@pytest.mark.parametrize(
    ("rule", "index"), _cases("good"), ids=lambda v: v.code if isinstance(v, RuleMeta) else str(v)
)
def test_good_example_is_silent(rule: RuleMeta, index: int) -> None:
    example = rule.examples.good[index]
    findings = lint(
        example.manifest,
        version=example.kubernetes_version or "1.33",
        report_unused_ignores=example.report_unused_ignores,
    )
    assert not [f for f in findings if f.code == rule.code], [f.message for f in findings]


def test_every_rule_has_cases() -> None:
    covered = {code for code, _, _ in rule_cases()}
    missing = [r.code for r in RULES if r.code not in covered]
    assert not missing, f"rules without cases in the second document of their file: {missing}"
