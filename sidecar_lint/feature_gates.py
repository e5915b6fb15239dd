"""Kubernetes feature gates the rules depend on, and how a run sets them.

Which gates a cluster enables is a property of the cluster, like its version,
so it is set once per run (``--feature-gates`` or ``featureGates:`` in the
configuration) and every rule sees the same answer. The flag syntax and the
refusals follow kube-apiserver's ``--feature-gates``: a value copied from a
cluster's flags means the same here, and one the cluster would refuse is
refused here too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sidecar_lint.versions import KubeVersion


@dataclass(frozen=True)
class FeatureGate:
    """A gate's life: off by default from ``alpha``, on from ``beta``, fixed on from ``locked``.

    Before ``alpha`` the gate does not exist and cannot be turned on; from
    ``locked`` (GA with ``LockToDefault``) it can no longer be turned off.
    """

    name: str
    alpha: str
    beta: str | None = None
    locked: str | None = None

    def exists_in(self, version: KubeVersion) -> bool:
        return version.at_least(self.alpha)

    def is_locked(self, version: KubeVersion) -> bool:
        return self.locked is not None and version.at_least(self.locked)

    def default(self, version: KubeVersion) -> bool:
        """Whether the gate is on in ``version`` when nobody sets it."""
        if not self.exists_in(version):
            return False
        return self.is_locked(version) or (self.beta is not None and version.at_least(self.beta))

    def enabled(self, version: KubeVersion, settings: Mapping[str, bool]) -> bool:
        """The explicit setting if the version lets it count, else the default."""
        if not self.exists_in(version) or self.is_locked(version):
            return self.default(version)
        return settings.get(self.name, self.default(version))

    def hint(self) -> str:
        """How to tell sidecar-lint that the cluster turns this gate on."""
        return (
            f"pass --feature-gates {self.name}=true (or set featureGates: {{{self.name}: true}} "
            "in the configuration)"
        )


SIDECAR_CONTAINERS = FeatureGate("SidecarContainers", "1.28", "1.29", locked="1.33")
CONTAINER_RESTART_RULES = FeatureGate("ContainerRestartRules", "1.34", "1.35")
RESTART_ALL_CONTAINERS = FeatureGate("RestartAllContainersOnContainerExits", "1.35", "1.36")
FEATURE_GATES = {
    g.name: g for g in (SIDECAR_CONTAINERS, CONTAINER_RESTART_RULES, RESTART_ALL_CONTAINERS)
}

#: The spellings Go's strconv.ParseBool accepts, which is what kube-apiserver uses.
_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "true", "TRUE", "True"), True),
    **dict.fromkeys(("0", "f", "F", "false", "FALSE", "False"), False),
}


def known_gate(name: str) -> str:
    """``name`` if sidecar-lint knows the gate; else ValueError with a did-you-mean."""
    if name in FEATURE_GATES:
        return name
    guess = difflib.get_close_matches(name, list(FEATURE_GATES), n=1, cutoff=0.6)
    if guess:
        raise ValueError(f"unknown feature gate {name!r}; did you mean {guess[0]!r}?")
    raise ValueError(f"unknown feature gate {name!r}; known: {', '.join(sorted(FEATURE_GATES))}")


def parse_feature_gates(texts: Iterable[str]) -> dict[str, bool]:
    """``Name=true,Other=false`` values, merged in order (a later setting wins)."""
    gates: dict[str, bool] = {}
    for text in texts:
        for pair in text.split(","):
            name, sep, value = (part.strip() for part in pair.partition("="))
            if not sep or not name:
                raise ValueError(
                    f"{pair.strip()!r} is not NAME=true or NAME=false "
                    "(e.g. SidecarContainers=true,ContainerRestartRules=false)"
                )
            if value not in _BOOLS:
                raise ValueError(f"{name}={value}: the value must be true or false")
            gates[known_gate(name)] = _BOOLS[value]
    return gates


def version_problem(name: str, value: bool, version: KubeVersion) -> str | None:
    """Why a cluster of ``version`` would refuse ``name=value``, or None if it accepts it."""
    gate = FEATURE_GATES[name]
    if not gate.exists_in(version):
        return (
            f"{name} does not exist in Kubernetes {version} (alpha in {gate.alpha}); "
            f"remove it, or target {gate.alpha}+"
        )
    if not value and gate.is_locked(version):
        return (
            f"{name} cannot be turned off in Kubernetes {version}: it is GA and locked to true "
            f"from {gate.locked}"
        )
    return None


def effective_gates(version: KubeVersion, settings: Mapping[str, bool]) -> dict[str, bool]:
    """Every gate that exists in ``version``, with the value the rules will use."""
    return {
        name: gate.enabled(version, settings)
        for name, gate in sorted(FEATURE_GATES.items())
        if gate.exists_in(version)
    }
