"""Shared helpers: lint text with chosen rules and a target version; the ``e2e`` mark.

Running the real program lives in ``tests/harness.py``.
"""

from __future__ import annotations

import functools
import itertools
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.cluster import ClusterContext
from sidecar_lint.config import Config, LoadedConfig
from sidecar_lint.engine import Linter, RuleTuning
from sidecar_lint.findings import Finding
from sidecar_lint.rule_catalogue import builtin_rules, select_rules
from sidecar_lint.settings import FlagValues, resolve_settings
from sidecar_lint.versions import KubeVersion
from tests.harness import keep_bytecode_in, starts_a_process

RULE_DIR = Path(__file__).resolve().parent.parent / "rules"
RULE_FILES = sorted(RULE_DIR.glob("*.yaml"))
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A configuration with six mistakes, each reported with its position.
SIX_MISTAKES = """\
kubernetesVersion: 1.30
failOn: sometimes
selct: [SL1]
rules:
  SL401:
    severity: fatal
    parms: {maxCpu: 1}
sidecars: [a]
"""


def read_rule_file(path: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A rule file's two documents: the rule, and its cases (None when it has none)."""
    docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_LOADER))
    assert 1 <= len(docs) <= 2, f"{path}: a rule file has at most two documents"
    return docs[0], docs[1] if len(docs) == 2 else None


@functools.cache
def _rule_cases() -> tuple[tuple[str, str, dict[str, Any]], ...]:
    return tuple(
        (rule["code"], path.stem, case)
        for path in RULE_FILES
        for rule, cases in [read_rule_file(path)]
        for case in (cases or {}).get("cases", [])
    )


def rule_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """Every rule file's test cases as (code, file stem, case), read once per process."""
    return list(_rule_cases())


def lint(
    text: str,
    select: Sequence[str] = (),
    version: str = "1.33",
    path: str = "test.yaml",
    report_unused_ignores: bool = False,
    counted_only: bool = True,
    params: dict[str, dict[str, object]] | None = None,
    cluster: dict[str, Any] | None = None,
) -> list[Finding]:
    """Lint a (dedented) manifest with the selected built-in rules.

    ``cluster`` is a configuration's ``cluster:`` section. Suppressed findings
    are left out unless ``counted_only`` is False.
    """
    rules = select_rules(builtin_rules(), list(select))
    options = CheckOptions(
        kubernetes_version=KubeVersion.parse(version), report_unused_ignores=report_unused_ignores
    )
    tuning = {code: RuleTuning(params=values) for code, values in (params or {}).items()}
    linter = Linter(rules, options, tuning=tuning, cluster=cluster_context(cluster))
    found = linter.lint_text(textwrap.dedent(text), path)
    if counted_only:
        found = [f for f in found if f.suppression is None]
    return found


def cluster_context(section: dict[str, Any] | None) -> ClusterContext:
    """The cluster context a configuration with this ``cluster:`` section gives."""
    if not section:
        return ClusterContext()
    loaded = LoadedConfig(Config.model_validate({"cluster": section}))
    return ClusterContext(settings=resolve_settings(loaded, FlagValues()).cluster)


@pytest.fixture(scope="session")
def _caches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Fresh cache directory names under one scratch directory, made only when used."""
    base = tmp_path_factory.mktemp("caches")
    return (base / str(n) for n in itertools.count())


@pytest.fixture(autouse=True)
def _isolated_cache(_caches: Iterator[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in tests never read or write the user's cache (and never share results).

    The program makes the directory when it first writes: no test pays for making (and
    pytest for numbering) thousands of empty ones.
    """
    monkeypatch.setenv("SIDECAR_LINT_CACHE_DIR", str(next(_caches)))


@pytest.fixture(scope="session", autouse=True)
def _bytecode_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Programs the tests start compile the package once per test process, outside the tree."""
    keep_bytecode_in(tmp_path_factory.mktemp("bytecode"))


@pytest.fixture
def lint_text():  # type: ignore[no-untyped-def]
    return lint


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``e2e`` every test that starts a program, itself or through a fixture.

    ``pytest -m "not e2e"`` is then the quick in-process loop, and no test needs the mark
    written by hand.
    """
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        fixtures = getattr(item, "_fixtureinfo", None)
        definitions = fixtures.name2fixturedefs.values() if fixtures is not None else ()
        functions = [item.function, *(d[-1].func for d in definitions if d)]
        if any(starts_a_process(f) for f in functions):
            item.add_marker(pytest.mark.e2e)
