"""SL301: a sidecar that exchanges files with the app but not through the volume that holds them.

Containers of a pod have separate file systems; the only files two of them
both see are on volumes mounted in both, at ``subPath`` values that overlap. A
log shipper, config reloader, file syncer or secrets agent that mounts none of
the app's volumes works on an empty directory: it runs, reports healthy and
does nothing. Sharing *some* volume is not enough either:

* a path the sidecar's own command names (``tail -F /var/log/nginx/access.log``,
  Fluent Bit's ``-p path=…``, a reloader's ``--volume-dir``/``--watched-dir``,
  git-sync's ``--root``) must lie on one of its mounts, and that mount must
  share files with a main container's mount;
* without such a path, a log shipper must mount the volume the main container
  writes its logs to — a writable mount under ``/var/log``, at a ``log``/``logs``
  directory, of a volume named for logs, or holding the path of the app's
  ``--log-file``/``LOG_DIR``-style settings — when the app has one;
* otherwise any shared volume will do.

Two mounts count as shared when they name the same volume, or volumes with
the same source (the same ConfigMap, Secret, PersistentVolumeClaim or host
path), and their ``subPath`` values overlap. Network proxies, exporters and
telemetry agents talk over the network and are never judged. The rule stays
silent when no main container is known, when the pod shares its process
namespace (files are reachable through ``/proc``), for log shippers that read
node log directories through a ``hostPath`` or receive logs on a network port,
and for the GCS FUSE sidecar, which serves the app through CSI volumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sidecar_lint.checks._mounts import (
    Mount,
    env_paths,
    flag_paths,
    holding,
    log_setting_paths,
    looks_like_log_mount,
    mounts,
    tailed_paths,
    volume_identities,
    watched_paths,
)
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
    """Flag file-exchanging sidecars that cannot see the files they work on."""
    mains = workload.mains
    if not mains or workload.spec.get("shareProcessNamespace") is True:
        return
    volumes = volume_identities(workload.spec)
    app = [(main, mount) for main in mains for mount in mounts(main, volumes)]
    for sidecar in workload.sidecars:
        kind = _file_kind(sidecar)
        if kind is None:
            continue
        mine = mounts(sidecar, volumes)
        if _exempt(sidecar, kind, workload.spec, mine):
            continue
        if workload.kind.main_names and any(m.volume not in volumes for m in mine):
            continue  # a volume the operator declares, which its main container may mount too
        problem = _judge(workload, sidecar, kind, mine, app)
        if problem is None:
            continue
        pointer: Pointer
        target: Target
        if _has_mounts(sidecar):
            pointer, target = sidecar.at("volumeMounts"), "key"
        else:
            pointer, target = (sidecar.at("name") if sidecar.name else sidecar.pointer), "value"
        yield Violation(problem, pointer=pointer, target=target, container=sidecar)


AppMounts = Sequence[tuple[ContainerView, Mount]]


def _judge(
    workload: Workload, sidecar: ContainerView, kind: str, mine: Sequence[Mount], app: AppMounts
) -> str | None:
    """What keeps this sidecar from the app's files, as the finding's message; None if nothing."""
    subject = _subject(workload, sidecar, kind)
    paths = _work_paths(sidecar, kind)
    for path, verb in paths:
        own = holding(path, mine)
        if own is None:
            return (
                f"{subject} {verb} {path}, which none of its volume mounts holds, so it works on "
                f"its own file system, where the app's files never appear; "
                f"{_fix(workload, sidecar, kind, app, mine, path)}"
            )
        if not any(own.shares_with(theirs) for _, theirs in app):
            return (
                f"{subject} {verb} {path} on volume {own.describe()}, which shares no files "
                f"with {_mains_text(workload)}, so it cannot {_PURPOSE[kind][0]}; "
                f"{_fix(workload, sidecar, kind, app, mine, path)}"
            )
    if paths:
        return None
    if kind == "log-shipper":
        logs = _log_mounts(workload, app)
        if logs:
            if any(m.shares_with(log) for m in mine for _, log in logs):
                return None
            main, log = logs[0]
            return (
                f"{subject} does not mount the volume {main.label()} writes its logs to, "
                f"{log.describe()}{_near_miss(mine, log, app)}, so it cannot read the log files "
                "it should ship; "
                f"{_mount_advice(sidecar, kind, main, log)}"
            )
    if any(m.shares_with(theirs) for m in mine for _, theirs in app):
        return None
    return _message(workload, sidecar, kind, app)


def _subject(workload: Workload, sidecar: ContainerView, kind: str) -> str:
    role = "file syncer" if kind == "file-sync" else kind.replace("-", " ")
    title = f" ({sidecar.sidecar_title})" if sidecar.sidecar_title else ""
    return f"{workload.ref.display()}: {role} {sidecar.label()}{title}"


def _work_paths(sidecar: ContainerView, kind: str) -> list[tuple[str, str]]:
    """The paths the sidecar's own command or environment says it works on, with a verb."""
    line = command_line(sidecar.spec)
    if kind == "log-shipper":
        return [(p, "reads") for p in tailed_paths(line)]
    if kind == "config-reloader":
        watched = flag_paths(line, ("--volume-dir", "--watched-dir", "--watch-dir"))
        watched += watched_paths(line)
        written = env_paths(sidecar, ("FOLDER",))  # the Grafana k8s-sidecar's output directory
        return [(p, "watches") for p in watched] + [(p, "writes into") for p in written]
    if kind == "file-sync":
        roots = flag_paths(line, ("--root",)) + env_paths(
            sidecar, ("GITSYNC_ROOT", "GIT_SYNC_ROOT")
        )
        return [(p, "syncs into") for p in roots]
    return []


def _log_mounts(workload: Workload, app: AppMounts) -> list[tuple[ContainerView, Mount]]:
    """The main containers' mounts their logs go to: named by a log setting, or log-like."""
    found: list[tuple[ContainerView, Mount]] = []
    for main in workload.mains:
        own = [m for c, m in app if c is main]
        held = [holding(p, own) for p in log_setting_paths(main, command_line(main.spec))]
        picked = [m for m in held if m is not None] + [m for m in own if looks_like_log_mount(m)]
        found.extend((main, m) for m in dict.fromkeys(picked))
    return found


def _near_miss(mine: Sequence[Mount], log: Mount, app: AppMounts) -> str:
    """Why what the shipper does mount is not enough: a disjoint subPath, or other volumes."""
    same = next((m for m in mine if m.identities & log.identities), None)
    if same is not None:
        return (
            f"; its own mount of '{same.volume}' uses subPath '{same.sub_path or ''}', which "
            f"shares no files with subPath '{log.sub_path or ''}'"
        )
    shared = [m.volume for m in mine if any(m.shares_with(t) for _, t in app)]
    if shared:
        return f"; it shares only {', '.join(repr(v) for v in dict.fromkeys(shared))}"
    return ""


def _fix(
    workload: Workload,
    sidecar: ContainerView,
    kind: str,
    app: AppMounts,
    mine: Sequence[Mount],
    path: str,
) -> str:
    """Mount the app's volume that holds ``path`` in the sidecar, or point the sidecar at a
    volume it already shares; failing both, the category's general advice."""
    held = [(c, m) for c, m in app if m.covers(path)]
    if held:
        main, mount = max(held, key=lambda cm: len(cm[1].path))
        return _mount_advice(sidecar, kind, main, mount)
    for own in mine:
        partner = next((c for c, m in app if own.shares_with(m)), None)
        if partner is not None:
            return (
                f"point it at {own.path} (or below), where it mounts '{own.volume}' as "
                f"{partner.label()} does, or mount that volume at {path}"
            )
    logs = _log_mounts(workload, app) if kind == "log-shipper" else []
    if logs:
        return _mount_advice(sidecar, kind, *logs[0])
    return _PURPOSE[kind][1]


def _mount_advice(sidecar: ContainerView, kind: str, main: ContainerView, mount: Mount) -> str:
    sub = f" with subPath '{mount.sub_path}'" if mount.sub_path else ""
    mode = "read-only " if kind in _READERS else ""
    fields = [f"name: {mount.volume}", f"mountPath: {mount.path}"]
    if mount.sub_path:
        fields.append(f"subPath: {mount.sub_path}")
    if mode:
        fields.append("readOnly: true")
    return (
        f"mount '{mount.volume}'{sub} {mode}in {sidecar.label()} at {mount.path}, where "
        f"{main.label()} mounts it (volumeMounts: [{{{', '.join(fields)}}}])"
    )


def _mains_text(workload: Workload) -> str:
    names = [m.label() for m in workload.mains]
    return "the main container " + names[0] if len(names) == 1 else "any main container"


#: Sidecars that only read the app's files, so a read-only mount is the fix.
_READERS = frozenset({"log-shipper", "config-reloader", "backup-agent"})


def _has_mounts(container: ContainerView) -> bool:
    items = container.spec.get("volumeMounts")
    return isinstance(items, list) and bool(items)


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
    sidecar: ContainerView, kind: str, spec: Mapping[str, Any], mine: Sequence[Mount]
) -> bool:
    if kind == "log-shipper":
        if any(source[0] == "hostPath" for m in mine for source in m.identities):
            return True
        if _ports(sidecar) & LOG_INGEST_PORTS:
            return True
    if sidecar.sidecar_title == "GCS FUSE sidecar":
        volumes = spec.get("volumes")
        return isinstance(volumes, list) and any(
            isinstance(v, dict) and isinstance(v.get("csi"), dict) for v in volumes
        )
    return False


def _ports(container: ContainerView) -> set[int]:
    ports = container.spec.get("ports")
    if not isinstance(ports, list):
        return set()
    return {
        p["containerPort"]
        for p in ports
        if isinstance(p, dict) and isinstance(p.get("containerPort"), int)
    }


def _message(workload: Workload, sidecar: ContainerView, kind: str, app: AppMounts) -> str:
    purpose, fix = _PURPOSE.get(kind, _PURPOSE["log-shipper"])
    mains = workload.mains
    main_names = ", ".join(m.label() for m in mains)
    noun = "the main container" if len(mains) == 1 else "any of the main containers"
    mounted = []
    for main in mains:
        names = list(dict.fromkeys(m.volume for c, m in app if c is main))
        listed = ", ".join(f"'{n}'" for n in names) if names else "no volume"
        mounted.append(f"{main.label()} mounts {listed}")
    return (
        f"{_subject(workload, sidecar, kind)} shares no volume with "
        f"{noun} {main_names} ({'; '.join(mounted)}), so it cannot {purpose}; {fix}"
    )
