"""Custom rules written as YAML with the generic JSONPath check."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sidecar_lint.engine import Linter
from sidecar_lint.rule_catalogue import CatalogueError, load_rules

RULES_DIR = Path(__file__).parent / "data" / "custom_rules"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(load_rules([RULES_DIR], builtin=False))


def _lint(linter: Linter, text: str):  # type: ignore[no-untyped-def]
    return [
        (f.code, f.span.start_line, f.span.start_col, f.message)
        for f in linter.lint_text(textwrap.dedent(text))
    ]


def test_examples_of_custom_rules(linter: Linter) -> None:
    for rule in load_rules([RULES_DIR], builtin=False):
        bad = {c for c, *_ in _lint(linter, rule.examples.bad[0].manifest)}
        good = {c for c, *_ in _lint(linter, rule.examples.good[0].manifest)}
        assert rule.code in bad and rule.code not in good


def test_required_points_at_the_container_name(linter: Linter) -> None:
    found = _lint(
        linter,
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            spec:
              initContainers:
                - name: cloud-sql-proxy
                  image: registry.example.com/cloud-sql-proxy:2.14.1
                  restartPolicy: Always
              containers:
                - {name: api, image: "registry.example.com/api:1"}
        """,
    )
    assert found == [
        ("ACME001", 8, 11, "Deployment api: native sidecar 'cloud-sql-proxy' has no startupProbe")
    ]


def test_matches_points_at_the_value(linter: Linter) -> None:
    found = _lint(
        linter,
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
            - name: web
              image: registry.example.com/web:1.0.0
            - name: fluent-bit
              image: fluent/fluent-bit:3.1.9
        """,
    )
    assert found == [
        (
            "ACME002",
            9,
            14,
            "Pod web: sidecar 'fluent-bit' uses image 'fluent/fluent-bit:3.1.9' from outside registry.example.com",
        )
    ]


def test_user_rules_may_not_take_the_builtin_prefix(tmp_path: Path) -> None:
    text = (RULES_DIR / "ACME002-sidecar-registry.yaml").read_text().replace("ACME002", "SL900")
    (tmp_path / "SL900-sidecar-registry.yaml").write_text(text)
    with pytest.raises(CatalogueError, match="reserved SL prefix"):
        load_rules([tmp_path], builtin=False)


def test_bad_jsonpath_is_a_clear_error(tmp_path: Path) -> None:
    text = (
        (RULES_DIR / "ACME002-sidecar-registry.yaml").read_text().replace('"$.image"', '"$..[?("')
    )
    (tmp_path / "ACME002-sidecar-registry.yaml").write_text(text)
    with pytest.raises(
        CatalogueError, match="invalid parameter path: Value error, invalid JSONPath"
    ):
        Linter(load_rules([tmp_path], builtin=False))
