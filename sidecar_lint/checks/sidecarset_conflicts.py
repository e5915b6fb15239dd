"""SL602: what goes wrong when a SidecarSet of the run is injected into a pod it selects.

Kruise's pod webhook (``pkg/webhook/pod/mutating/sidecarset.go``) merges the
SidecarSet into the pod without complaint where names meet:

* a sidecar container named like one of the pod's containers replaces it
  (``mergeSidecarContainers``: "sidecar container already exist in pod …
  keep the order");
* a SidecarSet volume named like one of the pod's volumes is dropped, the
  pod's is kept (``util.MergeVolumes``), so the sidecar mounts whatever the
  pod calls that name;
* ports are not compared at all: a sidecar ``containerPort`` that a pod
  container declares cannot be bound by both;
* two SidecarSets that inject the same container or volume name into one pod
  are refused when the second is created ("container %v already exist in
  %v", ``validateSidecarConflict``), which the linter checks within the run.

Findings sit on the pod's own entry (or its template's ``metadata`` for two
SidecarSets) and name the SidecarSet's file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.findings import Severity
from sidecar_lint.model import Role, Violation, Workload, raw_containers
from sidecar_lint.pointers import get_at


@check("sidecarset_conflict")
def sidecarset_conflict(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Container names, volume names and ports that clash once the SidecarSets are merged."""
    if not workload.sidecarsets:
        return
    subject = workload.ref.display()
    own = {c.name: c for c in workload.containers if c.name}
    volumes = {v.get("name"): (i, v) for i, v in raw_containers(workload.spec, "volumes")}
    ports = {
        (p.get("containerPort"), p.get("protocol") or "TCP"): (c, i)
        for c in workload.containers
        if c.role is not Role.INIT
        for i, p in enumerate(c.spec.get("ports") or [])
        if isinstance(p, dict)
    }
    seen_names: dict[str, str] = {}
    seen_volumes: dict[str, str] = {}
    for injection in workload.sidecarsets:
        facts = injection.sidecarset
        where = f"SidecarSet {facts.name} ({facts.origin})"
        for sidecar in injection.containers:
            entry = f"{facts.where(sidecar.list_key, sidecar.index)}"
            app = own.get(sidecar.name)
            if app is not None:
                yield Violation(
                    f"{subject}: {where} injects a container named '{sidecar.name}' ({entry}), "
                    f"and Kruise replaces the pod's own {app.label()} with it without a word; "
                    "rename one of them",
                    pointer=app.at("name") if "name" in app.spec else app.pointer,
                    container=app,
                )
            other = seen_names.get(sidecar.name)
            if other is not None:
                yield _twice(workload, f"container '{sidecar.name}'", other, where)
            seen_names.setdefault(sidecar.name, where)
            if sidecar.role is Role.INIT:
                continue
            for port in sidecar.spec.get("ports") or []:
                if not isinstance(port, dict):
                    continue
                key = (port.get("containerPort"), port.get("protocol") or "TCP")
                clash = ports.get(key)
                if clash is not None and key[0] is not None:
                    container, index = clash
                    yield Violation(
                        f"{subject}: {where} injects '{sidecar.name}' with containerPort "
                        f"{key[0]}/{key[1]} ({entry}), which {container.label()} declares too; "
                        "Kruise does not compare ports, and both run in one network namespace, "
                        "so one of them cannot bind it",
                        pointer=container.at("ports", index, "containerPort"),
                        container=container,
                    )
        for volume in injection.volumes:
            name = volume.get("name")
            if not isinstance(name, str):
                continue
            mine = volumes.get(name)
            if mine is not None and _source(mine[1]) != _source(volume):
                yield Violation(
                    f"{subject}: {where} brings volume '{name}', but the pod declares a "
                    "different volume by that name; Kruise keeps the pod's and drops the "
                    "SidecarSet's, so the sidecar mounts the pod's volume; rename one of them",
                    pointer=workload.spec_at("volumes", mine[0], "name"),
                    severity=Severity.WARNING,
                )
            other = seen_volumes.get(name)
            if other is not None and other != where:
                yield _twice(workload, f"volume '{name}'", other, where)
            seen_volumes.setdefault(name, where)


def _source(volume: Any) -> dict[str, Any]:
    return {k: v for k, v in volume.items() if k != "name"} if isinstance(volume, dict) else {}


def _twice(workload: Workload, what: str, first: str, second: str) -> Violation:
    metadata = (*workload.template_pointer, "metadata")
    written = isinstance(get_at(workload.document.data, metadata), dict)
    return Violation(
        f"{workload.ref.display()}: {first} and {second} both inject {what} into this pod; "
        'Kruise refuses the second SidecarSet when it is created ("already exist"); rename '
        "one, or make their selectors disjoint",
        pointer=metadata if written else workload.template_pointer,
        target="key",
    )
