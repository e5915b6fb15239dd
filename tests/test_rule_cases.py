"""Data-driven rule tests: ``tests/cases/<CODE>-<name>.yaml``, one named case per situation.

Each case gives a manifest and the exact findings expected (line, column and
an optional message fragment); an empty ``expect`` means the rule must stay
silent. Only the case file's rule runs, so other rules cannot interfere.

    rule: SL201
    cases:
      - name: busybox loop in a Job
        kubernetesVersion: "1.33"      # optional
        params: {maxRatio: 2}          # optional: this rule's parameters
        manifest: |
          ...
        expect:
          - {line: 12, column: 11, message: "never completes"}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import lint

CASE_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASE_DIR.glob("*.yaml"))


def _load() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path in CASE_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append((data["rule"], path.stem, case))
    return out


CASES = _load()


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


def test_case_files_are_well_formed() -> None:
    assert CASE_FILES, "no case files found"
    for path in CASE_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) == {"rule", "cases"}, path
        names = [c["name"] for c in data["cases"]]
        assert len(names) == len(set(names)), f"{path}: duplicate case names"
        assert any(c.get("expect") for c in data["cases"]), f"{path}: no case that must fire"
        assert any(not c.get("expect") for c in data["cases"]), (
            f"{path}: no case that must stay silent"
        )
