"""Shared helpers: lint text with chosen rules and a target version."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pytest

from sidecar_lint.catalogue import builtin_rules, select_rules
from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.engine import Linter
from sidecar_lint.findings import Finding
from sidecar_lint.versions import KubeVersion


def lint(
    text: str,
    select: Sequence[str] = (),
    version: str = "1.33",
    path: str = "test.yaml",
) -> list[Finding]:
    """Lint a (dedented) manifest with the selected built-in rules."""
    rules = select_rules(builtin_rules(), list(select))
    linter = Linter(rules, CheckOptions(kubernetes_version=KubeVersion.parse(version)))
    return linter.lint_text(textwrap.dedent(text), path)


@pytest.fixture
def lint_text():  # type: ignore[no-untyped-def]
    return lint
