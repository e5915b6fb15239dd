"""SL107: probes and lifecycle hooks on init containers that are not native sidecars.

An init container without ``restartPolicy: Always`` runs to completion before
the app starts, so the API server refuses ``livenessProbe``,
``readinessProbe``, ``startupProbe`` and ``lifecycle`` on it. Native sidecars
accept all four. Whether the fix is "make it a sidecar" or "drop the probe"
depends on what the container does, so the message names both and leans
towards the sidecar when the container looks like one.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, CheckOptions, check
from sidecar_lint.feature_gates import SIDECAR_CONTAINERS
from sidecar_lint.model import ContainerView, Role, Violation, Workload
from sidecar_lint.pointers import format_pointer
from sidecar_lint.roles import looks_like_sidecar

#: Keys the API forbids on plain init containers, in the order it checks them.
SIDECAR_ONLY_FIELDS = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")


@check("probe_on_init_container")
def probe_on_init_container(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag each sidecar-only key set on an init container without ``restartPolicy: Always``."""
    for c in workload.by_role(Role.INIT):
        for key in SIDECAR_ONLY_FIELDS:
            if c.spec.get(key) is None:  # absent or null: the API sees no value
                continue
            yield Violation(
                f"{workload.ref.display()}: init container {c.label()} sets {key}, which the "
                "API server rejects on an init container without restartPolicy: Always — such a "
                "container runs to completion before the app starts "
                f"({format_pointer(c.at(key))}: Forbidden: may not be set for init containers "
                f"without restartPolicy=Always); {_advice(c, key, ctx.options)}",
                pointer=c.at(key),
                target="key",
                container=c,
            )


def _advice(c: ContainerView, key: str, options: CheckOptions) -> str:
    """Sidecar or not: what to change, for the target cluster."""
    looks_like = looks_like_sidecar(c.spec)
    why = f" ({looks_like[0].reason})" if looks_like else ""
    sidecar = _sidecar_advice(options)
    if looks_like:
        return (
            f"{c.label()} looks like a sidecar{why}: if it is meant to keep running beside the "
            f"app, {sidecar}; otherwise remove {key}"
        )
    return f"remove {key}, or, if {c.label()} is meant to keep running beside the app, {sidecar}"


def _sidecar_advice(options: CheckOptions) -> str:
    """How to make it a native sidecar, given the target version and its feature gates."""
    version = options.kubernetes_version
    if options.gate_enabled(SIDECAR_CONTAINERS.name):
        return "add restartPolicy: Always to make it a native sidecar"
    if not SIDECAR_CONTAINERS.exists_in(version):
        return (
            f"move it to containers[] — native sidecars need Kubernetes 1.29+ (target is {version})"
        )
    if SIDECAR_CONTAINERS.default(version):
        return (
            "move it to containers[] — this run's feature gates turn SidecarContainers off, so "
            "the cluster has no native sidecars"
        )
    return (
        "add restartPolicy: Always to make it a native sidecar — alpha in Kubernetes "
        f"{version} (SidecarContainers feature gate, off by default; if your cluster enables "
        "it, pass --feature-gates SidecarContainers=true), on by default from 1.29"
    )
