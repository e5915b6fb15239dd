"""Which sidecar injectors act on a pod, and what the pod looks like once they have.

:func:`predict` applies the catalogue (:mod:`sidecar_lint.injector_catalogue`)
to one pod template: which injectors will act on it and because of what (a
pod label or annotation, its namespace's, the configuration), whether their
sidecar starts as a native sidecar, and which containers they add — or that
the manifest was already injected, so nothing is added twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sidecar_lint.cluster import ClusterContext, InjectorSettings, NamespaceFacts
from sidecar_lint.document import Pointer
from sidecar_lint.model import Cause, ContainerView, Injection, Role, Workload
from sidecar_lint.versions import KubeVersion

if TYPE_CHECKING:
    from sidecar_lint.injector_catalogue import Injector


@cache
def catalogue() -> tuple[Injector, ...]:
    """The catalogue, loaded (and its module imported) by the first pod that needs it."""
    from sidecar_lint.injector_catalogue import catalogue as load

    return load()


@cache
def _watched() -> tuple[frozenset[str], frozenset[str]]:
    """Pod label keys and pod annotation keys any injector looks at."""
    labels: set[str] = set()
    annotations: set[str] = set()
    for injector in catalogue():
        labels |= injector.pod_keys("labels")
        annotations |= injector.pod_keys("annotations")
    return frozenset(labels), frozenset(annotations)


@cache
def watched_keys() -> frozenset[str]:
    """Every pod label or annotation key some injector reads (whatever the section)."""
    labels, annotations = _watched()
    return labels | annotations


@cache
def pod_keys(injector_id: str, section: str) -> frozenset[str]:
    """The keys of one section of the pod's metadata that one injector reads."""
    injector = next(i for i in catalogue() if i.id == injector_id)
    return frozenset(injector.pod_keys(section))


def predict(workload: Workload) -> tuple[Injection, ...]:
    """The injectors that act on ``workload``'s pods, in catalogue order."""
    cluster = workload.cluster
    namespace = cluster.namespace(workload.namespace) if _has_namespaces(cluster) else None
    if namespace is None and not mentions_injector(workload.metadata):
        return ()
    labels = metadata_strings(workload.metadata, "labels")
    annotations = metadata_strings(workload.metadata, "annotations")
    found: list[Injection] = []
    for injector in catalogue():
        injection = _injection(workload, injector, labels, annotations, namespace)
        if injection is not None:
            found.append(injection)
    return tuple(found)


def mentions_injector(metadata: Mapping[str, Any]) -> bool:
    """Whether a label or annotation key of ``metadata`` is one some injector reads."""
    watched = watched_keys()
    for section in ("labels", "annotations"):
        values = metadata.get(section)
        if isinstance(values, dict) and not watched.isdisjoint(values):
            return True
    return False


def _has_namespaces(cluster: ClusterContext) -> bool:
    return bool(cluster.objects.namespaces or cluster.settings.namespaces)


def pod_namespace(workload: Workload) -> NamespaceFacts | None:
    """The facts of the namespace the pods land in, when the run or configuration knows it."""
    cluster = workload.cluster
    return cluster.namespace(workload.namespace) if _has_namespaces(cluster) else None


def metadata_strings(metadata: Mapping[str, Any], section: str) -> dict[str, str]:
    """The string entries of ``metadata``'s labels or annotations."""
    value = metadata.get(section)
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def decide(
    injector: Injector,
    workload: Workload,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    namespace: NamespaceFacts | None,
) -> tuple[bool, Cause | None]:
    """Whether ``injector`` injects this pod, and the switch that decided (None: nothing)."""
    pod = {"labels": labels, "annotations": annotations}
    namespace_switched = namespace is not None and any(
        s.key in getattr(namespace, s.metadata) for s in injector.switches if s.scope == "namespace"
    )
    for switch in injector.switches:
        if switch.scope == "pod":
            value = pod[switch.metadata].get(switch.key)
            if value is None:
                continue
            cause = Cause(
                "pod",
                switch.metadata,
                switch.key,
                value,
                pointer=(*workload.template_pointer, "metadata", switch.metadata, switch.key),
            )
        else:
            if namespace is None:
                continue
            value = getattr(namespace, switch.metadata).get(switch.key)
            if value is None:
                continue
            scope: Literal["namespace", "configuration"] = (
                "configuration" if namespace.configured else "namespace"
            )
            cause = Cause(
                scope,
                switch.metadata,
                switch.key,
                value,
                origin=namespace.where(switch.metadata, switch.key),
                namespace=namespace.name,
            )
        verdict = switch.decide(value)
        if verdict in ("neutral",) or (verdict == "invalid" and switch.invalid == "ignored"):
            continue
        if verdict == "on":
            if (
                switch.scope == "pod"
                and not injector.self_enabling
                and namespace is not None
                and not namespace_switched
            ):
                return False, cause  # the webhook is not called in this namespace
            return True, cause
        return False, cause
    return False, None


def _injection(
    workload: Workload,
    injector: Injector,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    namespace: NamespaceFacts | None,
) -> Injection | None:
    settings = workload.cluster.settings.injector(injector.id)
    if settings.installed is False:
        return None
    on, cause = decide(injector, workload, labels, annotations, namespace)
    marker = _marker(workload, injector, labels, annotations)
    if (not on or cause is None) and marker is not None:
        on, cause = True, marker  # injected where this run cannot see why (kube-inject output)
    if not on or cause is None:
        return None
    if injector.host_network_skipped and workload.spec.get("hostNetwork") is True:
        return None
    if workload.namespace in injector.ignored_namespaces:
        return None
    already = marker is not None or _already_injected(workload, injector)
    native, why = native_mode(injector, settings, annotations)
    resources, sources, known = _resources(workload, injector, annotations, settings)
    containers = (
        ()
        if already
        else _predicted(
            workload, injector, annotations, native, cause, resources if known else None
        )
    )
    return Injection(injector, cause, already, native, why, containers, settings, sources, known)


def _resources(
    workload: Workload,
    injector: Injector,
    annotations: Mapping[str, str],
    settings: InjectorSettings,
) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], Pointer | None], bool]:
    """The sidecar's requests and limits, where each comes from, and whether all are known.

    Annotations win; a configured default fills what they leave (unless one annotation
    replaces the whole default block, as Istio's do). Without either, what is missing is
    the injector's own default, which is never guessed.
    """
    spec = injector.resources
    if spec is None:
        return {}, {}, False
    resources: dict[str, dict[str, str]] = {}
    sources: dict[tuple[str, str], Pointer | None] = {}
    meta = (*workload.template_pointer, "metadata", "annotations")
    for entry in spec.annotations:
        value = annotations.get(entry.key)
        if value is not None:
            resources.setdefault(entry.section, {})[entry.resource] = value
            sources[(entry.section, entry.resource)] = (*meta, entry.key)
    if sources and spec.replaces_defaults:
        return resources, sources, True
    configured = settings.resources
    if configured is None:
        return resources, sources, False
    for section, values in configured.items():
        for resource, value in values.items():
            if (section, resource) not in sources:
                resources.setdefault(section, {})[resource] = value
                sources[(section, resource)] = None
    return resources, sources, True


def _marker(
    workload: Workload,
    injector: Injector,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
) -> Cause | None:
    """The metadata an earlier injection left on the pod template, if any."""
    pod = {"labels": labels, "annotations": annotations}
    for marker in injector.markers:
        value = pod[marker.metadata].get(marker.key)
        if value is not None and (marker.values is None or value in marker.values):
            pointer = (*workload.template_pointer, "metadata", marker.metadata, marker.key)
            return Cause("pod", marker.metadata, marker.key, value, pointer=pointer)
    return None


def _already_injected(workload: Workload, injector: Injector) -> bool:
    """Whether the manifest already holds a container this injector adds."""
    names = {c.name for c in injector.containers}
    return any(c.name in names for c in workload.containers)


def native_mode(
    injector: Injector,
    settings: InjectorSettings,
    annotations: Mapping[str, str],
) -> tuple[bool, str]:
    """Whether the sidecar starts as a native sidecar, and why."""
    native = injector.native
    if native is None:
        return False, f"{injector.title} has no native-sidecar mode"
    for entry in native.annotations:
        value = annotations.get(entry.key)
        if value in entry.on:
            return True, f'annotation {entry.key}: "{value}"'
        if value in entry.off:
            return False, f'annotation {entry.key}: "{value}"'
    if settings.native_sidecars is not None:
        state = "on" if settings.native_sidecars else "off"
        return (
            settings.native_sidecars,
            f"cluster.injectors.{injector.id}.nativeSidecars is {state}",
        )
    if settings.version is not None and native.default_from is not None:
        try:
            newer = KubeVersion.parse(settings.version).at_least(native.default_from)
        except ValueError:
            newer = False
        if newer:
            return True, f"{injector.title} {settings.version} injects native sidecars by default"
        return False, f"{injector.title} {settings.version} injects regular containers by default"
    return False, "no annotation or configuration asks for a native sidecar"


def _predicted(
    workload: Workload,
    injector: Injector,
    annotations: Mapping[str, str],
    native: bool,
    cause: Cause,
    resources: Mapping[str, Mapping[str, str]] | None,
) -> tuple[ContainerView, ...]:
    views: list[ContainerView] = []
    why = f"injected by {injector.title}: {cause.describe()}"
    for index, container in enumerate(injector.containers):
        if any(annotations.get(u.key) in u.values for u in container.unless):
            continue
        if container.placement == "init":
            role, list_key = Role.INIT, "initContainers"
        elif container.native and native:
            role, list_key = Role.NATIVE_SIDECAR, "initContainers"
        else:
            role, list_key = Role.SIDECAR, "containers"
        spec: dict[str, Any] = {"name": container.name}
        if container.ports:
            spec["ports"] = [{"containerPort": p} for p in container.ports]
        if resources is not None and container.placement == "sidecar":
            spec["resources"] = {k: dict(v) for k, v in resources.items()}
        views.append(
            ContainerView(
                name=container.name,
                list_key=list_key,
                index=-1 - index,
                pointer=workload.template_pointer,
                spec=spec,
                role=role,
                reasons=(why,),
                sidecar_kind="injected",
                sidecar_title=f"{injector.title} sidecar" if role is not Role.INIT else None,
            )
        )
    return tuple(views)
