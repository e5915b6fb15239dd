"""The bundled ``examples/`` produce exactly the findings they were written to show.

Each example file is linted as a user would (default target version) and the
findings of the rules listed in ``CODES`` are compared, as (code, line) pairs
with multiplicity, with the expected list. Rules outside ``CODES`` are left
out so that adding a rule does not break this test; give it its own lines
here when it should be pinned on the examples too.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.document import SourceFile
from sidecar_lint.engine import Linter
from sidecar_lint.loading import load_source
from sidecar_lint.rule_catalogue import builtin_rules, select_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

CODES = ("SL001", "SL101", "SL201", "SL202", "SL301", "SL401", "SL402", "SL501", "SL502")

EXPECTED: dict[str, list[tuple[str, int]]] = {
    # `sidecarContainers` is not a Kubernetes field.
    "pod-sidecar-containers.yaml": [("SL101", 18)],
    # The busybox `while true` forwarder keeps the Job's pod running; it also sets no resources.
    "job-legacy-sidecar.yaml": [("SL201", 26), ("SL402", 26)],
    # payments' Fluent Bit shares no volume with payments; orders is clean.
    "log-shipper.yaml": [("SL301", 61)],
    # Two k8s-sidecar containers before grafana, neither with resources.
    "grafana.yaml": [("SL501", 20), ("SL402", 20), ("SL402", 30)],
    # The nginx proxy requests more CPU and memory than Alertmanager and has no memory limit.
    "alertmanager.yaml": [("SL402", 37), ("SL401", 38), ("SL401", 38)],
    # A native Cloud SQL proxy with a startup probe and resources: the right way.
    "native-sidecar-job.yaml": [],
    # A Helm values file is not a Kubernetes object.
    "values.yaml": [],
}


def _lint(name: str) -> list[tuple[str, int]]:
    rules = select_rules(builtin_rules(), list(CODES))
    linter = Linter(rules, CheckOptions())
    path = EXAMPLES / name
    loaded = load_source(SourceFile(f"examples/{name}", path.read_text(encoding="utf-8")))
    return [(f.code, f.span.start_line) for f in linter.lint(loaded)]


def test_every_example_has_expectations() -> None:
    present = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".yml", ".json")}
    assert present == set(EXPECTED), "update EXPECTED for added or removed examples"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_findings(name: str) -> None:
    got = _lint(name)
    assert Counter(got) == Counter(EXPECTED[name]), sorted(got)


def test_pinned_codes_are_in_the_catalogue() -> None:
    known = {rule.code for rule in builtin_rules()}
    assert set(CODES) <= known
