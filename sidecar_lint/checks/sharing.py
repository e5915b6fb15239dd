"""SL301: a sidecar that exchanges files with the app but shares no volume with it.

Containers of a pod have separate file systems; the only files two of them
both see are on volumes mounted in both. A log shipper, config reloader,
file syncer or secrets agent that mounts nothing the main container mounts
works on an empty directory: it runs, reports healthy and does nothing.

Two mounts count as shared when they name the same volume, or volumes with
the same source (the same ConfigMap, Secret, PersistentVolumeClaim or host
path). Network proxies, exporters and telemetry agents talk over the network
and are never judged. The rule stays silent when no main container is known,
when the pod shares its process namespace (files are reachable through
``/proc``), for log shippers that read node log directories through a
``hostPath`` or receive logs on a network port, and for the GCS FUSE sidecar,
which serves the app through CSI volumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Pointer, Target
from sidecar_lint.known_sidecars import FILE_EXCHANGE_KINDS, runs_forever
from sidecar_lint.model import ContainerView, Violation, Workload
from sidecar_lint.roles import command_line

#: Categories that work over the network and need no shared files.
NETWORK_KINDS = frozenset(
    {"network-proxy", "database-proxy", "metrics-exporter", "telemetry-agent"}
)

#: Ports on which log shippers receive logs over the network (forward, syslog, HTTP, OTLP, Beats).
LOG_INGEST_PORTS = frozenset({514, 5140, 5044, 9880, 24224, 4317, 4318})

_PURPOSE: Mapping[str, tuple[str, str]] = {
    "log-shipper": (
        "read the log files it should ship",
        "mount one volume (e.g. an emptyDir) in both, at the directory the app writes its logs to",
    ),
    "config-reloader": (
        "exchange the configuration it watches or writes",
        "mount the volume it watches or writes to (the ConfigMap, Secret or emptyDir) in both",
    ),
    "file-sync": (
        "hand over the files it syncs",
        "mount the volume it syncs into (e.g. an emptyDir) in both",
    ),
    "secrets-agent": (
        "hand over the secrets it renders",
        "mount the volume it renders into (e.g. an emptyDir with medium: Memory) in both",
    ),
    "backup-agent": (
        "read the data it backs up",
        "mount the app's data volume in the backup agent as well",
    ),
}


@check("sidecar_without_shared_volume")
def sidecar_without_shared_volume(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag file-exchanging sidecars that mount nothing any main container mounts."""
    mains = workload.mains
    if not mains or workload.spec.get("shareProcessNamespace") is True:
        return
    sources = _volume_sources(workload.spec)
    shared_with_mains: set[tuple[str, str]] = set()
    for main in mains:
        for name in _mounted(main):
            shared_with_mains |= sources.get(name, {("volume", name)})
    for sidecar in workload.sidecars:
        kind = _file_kind(sidecar)
        if kind is None or _exempt(sidecar, kind, workload.spec, sources):
            continue
        if workload.kind.main_names and any(n not in sources for n in _mounted(sidecar)):
            continue  # a volume the operator declares, which its main container may mount too
        mine: set[tuple[str, str]] = set()
        for name in _mounted(sidecar):
            mine |= sources.get(name, {("volume", name)})
        if mine & shared_with_mains:
            continue
        mounts = sidecar.spec.get("volumeMounts")
        has_mounts = isinstance(mounts, list) and bool(mounts)
        pointer: Pointer
        target: Target
        if has_mounts:
            pointer, target = sidecar.at("volumeMounts"), "key"
        else:
            pointer, target = (sidecar.at("name") if sidecar.name else sidecar.pointer), "value"
        yield Violation(
            _message(workload, sidecar, kind, mains),
            pointer=pointer,
            target=target,
            container=sidecar,
        )


def _file_kind(sidecar: ContainerView) -> str | None:
    """The file-exchange category of a sidecar, or None if it works over the network."""
    kind = sidecar.sidecar_kind
    if kind in FILE_EXCHANGE_KINDS:
        return kind
    if kind in NETWORK_KINDS:
        return None
    forever = runs_forever(command_line(sidecar.spec))
    if forever is not None and forever[1] == "log-shipper":
        return "log-shipper"
    return None


def _exempt(
    sidecar: ContainerView,
    kind: str,
    spec: Mapping[str, Any],
    sources: Mapping[str, set[tuple[str, str]]],
) -> bool:
    if kind == "log-shipper":
        mine = {source for name in _mounted(sidecar) for source in sources.get(name, set())}
        if any(source[0] == "hostPath" for source in mine):
            return True
        if _ports(sidecar) & LOG_INGEST_PORTS:
            return True
    if sidecar.sidecar_title == "GCS FUSE sidecar":
        volumes = spec.get("volumes")
        return isinstance(volumes, list) and any(
            isinstance(v, dict) and isinstance(v.get("csi"), dict) for v in volumes
        )
    return False


def _mounted(container: ContainerView) -> list[str]:
    mounts = container.spec.get("volumeMounts")
    if not isinstance(mounts, list):
        return []
    return [m["name"] for m in mounts if isinstance(m, dict) and isinstance(m.get("name"), str)]


def _ports(container: ContainerView) -> set[int]:
    ports = container.spec.get("ports")
    if not isinstance(ports, list):
        return set()
    return {
        p["containerPort"]
        for p in ports
        if isinstance(p, dict) and isinstance(p.get("containerPort"), int)
    }


_SOURCE_KEYS = (
    ("configMap", "name"),
    ("secret", "secretName"),
    ("persistentVolumeClaim", "claimName"),
    ("hostPath", "path"),
)


def _volume_sources(spec: Mapping[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """Each volume's identities: its own name, and what it is backed by when that is named."""
    out: dict[str, set[tuple[str, str]]] = {}
    volumes = spec.get("volumes")
    if not isinstance(volumes, list):
        return out
    for volume in volumes:
        if not isinstance(volume, dict) or not isinstance(volume.get("name"), str):
            continue
        found = {("volume", volume["name"])}
        found |= _backing(volume)
        projected = volume.get("projected")
        if isinstance(projected, dict) and isinstance(projected.get("sources"), list):
            for item in projected["sources"]:
                if isinstance(item, dict):
                    found |= _backing(item)
        out[volume["name"]] = found
    return out


def _backing(item: Mapping[str, Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for key, field in _SOURCE_KEYS:
        source = item.get(key)
        if isinstance(source, dict):
            value = source.get(field) or source.get("name")
            if isinstance(value, str):
                found.add((key, value))
    return found


def _message(
    workload: Workload, sidecar: ContainerView, kind: str, mains: Sequence[ContainerView]
) -> str:
    purpose, fix = _PURPOSE.get(kind, _PURPOSE["log-shipper"])
    role = "file syncer" if kind == "file-sync" else kind.replace("-", " ")
    title = f" ({sidecar.sidecar_title})" if sidecar.sidecar_title else ""
    main_names = ", ".join(m.label() for m in mains)
    noun = "the main container" if len(mains) == 1 else "any of the main containers"
    mounted = []
    for main in mains:
        names = _mounted(main)
        listed = ", ".join(f"'{n}'" for n in names) if names else "no volume"
        mounted.append(f"{main.label()} mounts {listed}")
    return (
        f"{workload.ref.display()}: {role} {sidecar.label()}{title} shares no volume with "
        f"{noun} {main_names} ({'; '.join(mounted)}), so it cannot {purpose}; {fix}"
    )
