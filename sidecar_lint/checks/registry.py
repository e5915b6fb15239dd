"""Check implementations, registered by name; rule files refer to them by that name.

A check is a pure generator: it reads a workload view (or a document, or a
whole loaded file) and yields :class:`~sidecar_lint.model.Violation`
objects that point at a path. It never parses YAML, never prints, and never
computes a position.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from sidecar_lint.feature_gates import FEATURE_GATES
from sidecar_lint.model import Violation
from sidecar_lint.versions import DEFAULT_KUBERNETES_VERSION, KubeVersion

#: What a check is handed: a whole file, one Kubernetes object, one pod template,
#: or (``suppressions``) the suppression directives of a file after all rules ran.
Scope = Literal["source", "document", "workload", "suppressions"]


@dataclass(frozen=True)
class CheckOptions:
    """Run-wide settings every check may read."""

    kubernetes_version: KubeVersion = field(
        default_factory=lambda: KubeVersion.parse(DEFAULT_KUBERNETES_VERSION)
    )
    report_unused_ignores: bool = False
    #: Gates the cluster sets explicitly (validated); unset gates take the version's default.
    feature_gates: Mapping[str, bool] = field(default_factory=dict)
    #: ``(code, name)`` of every rule of the run, selected or not, custom ones included:
    #: what a suppression may name. Empty: the linter fills in the built-in rules and its own.
    known_rules: tuple[tuple[str, str], ...] = ()

    def gate_enabled(self, name: str) -> bool:
        """Whether feature gate ``name`` is on in the target cluster."""
        return FEATURE_GATES[name].enabled(self.kubernetes_version, self.feature_gates)


@dataclass(frozen=True)
class CheckContext:
    """What one check run sees besides its subject: rule, parameters, options."""

    code: str
    params: Any
    options: CheckOptions


CheckFn = Callable[[Any, CheckContext], Iterable[Violation]]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its scope, function and (optional) parameter model."""

    name: str
    scope: Scope
    fn: CheckFn
    params: type[BaseModel] | None = None
    #: Reads ``workload.cluster.objects.services``: the run collects the Services of all its
    #: inputs only when an active rule's check says so (most files hold one; it costs a parse).
    needs_services: bool = False

    def build_params(self, values: dict[str, Any]) -> Any:
        """Validate parameters against the check's model (a dict when it has none)."""
        return self.params.model_validate(values) if self.params else dict(values)


_REGISTRY: dict[str, CheckSpec] = {}


def check(
    name: str,
    scope: Scope = "workload",
    params: type[BaseModel] | None = None,
    needs_services: bool = False,
) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` under ``name`` (the ``check:`` field of a rule file).

    ``needs_services``: the check reads the Services of the run (``workload.cluster``).
    """

    def register(fn: CheckFn) -> CheckFn:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"check {name!r} is registered twice")
        _REGISTRY[name] = CheckSpec(name, scope, fn, params, needs_services)
        return fn

    return register


@cache
def _load_builtins() -> None:
    """Import every module of this package once, so adding a check is adding a file."""
    package = importlib.import_module("sidecar_lint.checks")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name != "registry":
            importlib.import_module(f"sidecar_lint.checks.{info.name}")


def get_check(name: str) -> CheckSpec | None:
    _load_builtins()
    return _REGISTRY.get(name)
