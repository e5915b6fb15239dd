"""One view of every pod template, whatever object holds it.

Which kinds carry a pod template, and where, is data: a table of API group,
kind and JSONPath. Users can add their own kinds (configuration), and rules
never need to know about Deployments or CronJobs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache
from typing import Any

from sidecar_lint.document import Document, ObjectRef, Pointer

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


class Role(str, Enum):
    """What a container is for, as far as the manifest shows."""

    MAIN = "main"
    SIDECAR = "sidecar"
    NATIVE_SIDECAR = "native-sidecar"
    INIT = "init"
    EPHEMERAL = "ephemeral"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class WorkloadKind:
    """Where one kind keeps its pod template.

    ``template`` is a JSONPath to the pod template (an object with
    ``metadata`` and ``spec``); ``$`` means the object is itself the pod.
    ``completes`` says whether its pods run to completion (Jobs) — ``None``
    means "decide from the pod's ``restartPolicy``" (bare Pods).
    ``extra_spec_fields`` are keys a kind adds to its pod spec (Knative), and
    ``extra_container_fields`` keys it adds to each container (SidecarSet).
    ``injects_sidecars`` marks kinds whose containers are injected into other
    pods, so every regular container of theirs is a sidecar.
    """

    group: str
    kind: str
    template: str
    completes: bool | None = False
    extra_spec_fields: frozenset[str] = frozenset()
    extra_container_fields: frozenset[str] = frozenset()
    injects_sidecars: bool = False

    def matches(self, api_version: str) -> bool:
        """Match on API group only: every version of a kind keeps its template alike."""
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        return self.group == "*" or group == self.group


_KNATIVE_FIELDS = frozenset(
    {"containerConcurrency", "timeoutSeconds", "responseStartTimeoutSeconds", "idleTimeoutSeconds"}
)

_SIDECARSET_SPEC_FIELDS = frozenset(
    {
        "selector",
        "namespace",
        "namespaceSelector",
        "updateStrategy",
        "injectionStrategy",
        "revisionHistoryLimit",
        "patchPodMetadata",
    }
)
_SIDECARSET_CONTAINER_FIELDS = frozenset(
    {
        "podInjectPolicy",
        "upgradeStrategy",
        "shareVolumePolicy",
        "shareVolumeDevicePolicy",
        "transferEnv",
        "resourcesPolicy",
    }
)

BUILTIN_KINDS: tuple[WorkloadKind, ...] = (
    WorkloadKind("", "Pod", "$", completes=None),
    WorkloadKind("", "PodTemplate", "$.template"),
    WorkloadKind("", "ReplicationController", "$.spec.template"),
    WorkloadKind("apps", "Deployment", "$.spec.template"),
    WorkloadKind("apps", "StatefulSet", "$.spec.template"),
    WorkloadKind("apps", "DaemonSet", "$.spec.template"),
    WorkloadKind("apps", "ReplicaSet", "$.spec.template"),
    WorkloadKind("extensions", "Deployment", "$.spec.template"),
    WorkloadKind("extensions", "DaemonSet", "$.spec.template"),
    WorkloadKind("extensions", "ReplicaSet", "$.spec.template"),
    WorkloadKind("batch", "Job", "$.spec.template", completes=True),
    WorkloadKind("batch", "CronJob", "$.spec.jobTemplate.spec.template", completes=True),
    WorkloadKind("argoproj.io", "Rollout", "$.spec.template"),
    WorkloadKind("apps.kruise.io", "CloneSet", "$.spec.template"),
    WorkloadKind("apps.kruise.io", "StatefulSet", "$.spec.template"),
    WorkloadKind("apps.kruise.io", "DaemonSet", "$.spec.template"),
    WorkloadKind("apps.kruise.io", "BroadcastJob", "$.spec.template", completes=True),
    WorkloadKind(
        "apps.kruise.io",
        "AdvancedCronJob",
        "$.spec.template.jobTemplate.spec.template",
        completes=True,
    ),
    WorkloadKind(
        "apps.kruise.io",
        "SidecarSet",
        "$",
        extra_spec_fields=_SIDECARSET_SPEC_FIELDS,
        extra_container_fields=_SIDECARSET_CONTAINER_FIELDS,
        injects_sidecars=True,
    ),
    WorkloadKind(
        "serving.knative.dev", "Service", "$.spec.template", extra_spec_fields=_KNATIVE_FIELDS
    ),
    WorkloadKind(
        "serving.knative.dev",
        "Configuration",
        "$.spec.template",
        extra_spec_fields=_KNATIVE_FIELDS,
    ),
)


_SIMPLE_PATH = re.compile(r"^\$(\.[A-Za-z_][A-Za-z0-9_-]*)*$")


@cache
def _simple_pointer(path: str) -> Pointer | None:
    """``$.spec.template`` as a pointer, without loading a JSONPath engine."""
    if not _SIMPLE_PATH.match(path):
        return None
    return tuple(path.split(".")[1:])


def resolve_template_pointers(data: Any, path: str) -> list[Pointer]:
    """Every pointer the JSONPath ``path`` selects in ``data`` (simple paths are fast)."""
    simple = _simple_pointer(path)
    if simple is not None:
        node = data
        for key in simple:
            if not isinstance(node, dict) or key not in node:
                return []
            node = node[key]
        return [simple]
    from sidecar_lint.jsonpath import find_pointers  # lazy: most runs never need it

    return find_pointers(data, path)


@dataclass(frozen=True)
class ContainerView:
    """One container of a pod template, with its role and the reasons for it."""

    name: str
    list_key: str
    index: int
    pointer: Pointer  # absolute, from the document root
    spec: Mapping[str, Any]
    role: Role
    reasons: tuple[str, ...]
    sidecar_kind: str | None = None  # catalogue category, e.g. "log-shipper"
    sidecar_title: str | None = None  # e.g. "Istio proxy"

    @property
    def is_sidecar(self) -> bool:
        """Legacy (regular-container) or native sidecar."""
        return self.role in (Role.SIDECAR, Role.NATIVE_SIDECAR)

    @property
    def image(self) -> str | None:
        image = self.spec.get("image")
        return image if isinstance(image, str) else None

    def at(self, *rest: Any) -> Pointer:
        """A pointer below this container, e.g. ``c.at("resources", "limits")``."""
        return (*self.pointer, *rest)

    def label(self) -> str:
        """``'istio-proxy'`` or ``initContainers[2]`` when the name is missing."""
        return f"'{self.name}'" if self.name else f"{self.list_key}[{self.index}]"


@dataclass(frozen=True)
class Workload:
    """A pod template seen through one object, with every container classified."""

    document: Document
    kind: WorkloadKind
    template_pointer: Pointer
    spec_pointer: Pointer
    spec: Mapping[str, Any]
    metadata: Mapping[str, Any]
    containers: tuple[ContainerView, ...] = field(default_factory=tuple)

    @property
    def ref(self) -> ObjectRef:
        return self.document.ref

    @property
    def annotations(self) -> Mapping[str, Any]:
        """The pod's annotations (the template's, which is what the pods get)."""
        value = self.metadata.get("annotations")
        return value if isinstance(value, dict) else {}

    @property
    def runs_to_completion(self) -> bool:
        """Jobs always do; a bare Pod does when its ``restartPolicy`` is Never/OnFailure."""
        if self.kind.completes is not None:
            return self.kind.completes
        return self.spec.get("restartPolicy") in ("Never", "OnFailure")

    def by_role(self, *roles: Role) -> list[ContainerView]:
        return [c for c in self.containers if c.role in roles]

    def in_list(self, list_key: str) -> list[ContainerView]:
        return [c for c in self.containers if c.list_key == list_key]

    @property
    def mains(self) -> list[ContainerView]:
        return self.by_role(Role.MAIN)

    @property
    def sidecars(self) -> list[ContainerView]:
        return self.by_role(Role.SIDECAR, Role.NATIVE_SIDECAR)

    def spec_at(self, *rest: Any) -> Pointer:
        """A pointer below the pod spec."""
        return (*self.spec_pointer, *rest)


#: Assigns roles to the containers of a workload (see :mod:`sidecar_lint.roles`).
Classifier = Callable[[Workload], Iterable[ContainerView]]


def find_kind(api_version: str, kind: str, kinds: Sequence[WorkloadKind]) -> WorkloadKind | None:
    """The table entry for an object, user-added kinds first."""
    for entry in kinds:
        if entry.kind == kind and entry.matches(api_version):
            return entry
    return None


def iter_workloads(
    document: Document,
    kinds: Sequence[WorkloadKind] = BUILTIN_KINDS,
    classifier: Classifier | None = None,
) -> Iterator[Workload]:
    """Every pod template in ``document`` as a :class:`Workload` with roles assigned."""
    classify = classifier
    if classify is None:
        from sidecar_lint.roles import classify_containers

        classify = classify_containers
    data = document.data
    ref = document.ref
    entry = find_kind(ref.api_version, ref.kind, kinds)
    if entry is None or not isinstance(data, dict):
        return
    for template_pointer in resolve_template_pointers(data, entry.template):
        template = get_at(data, template_pointer)
        if not isinstance(template, dict):
            continue
        spec = template.get("spec")
        if not isinstance(spec, dict):
            continue
        metadata = template.get("metadata")
        bare = Workload(
            document=document,
            kind=entry,
            template_pointer=template_pointer,
            spec_pointer=(*template_pointer, "spec"),
            spec=spec,
            metadata=metadata if isinstance(metadata, dict) else {},
        )
        yield replace(bare, containers=tuple(classify(bare)))


def raw_containers(spec: Mapping[str, Any], list_key: str) -> list[tuple[int, dict[str, Any]]]:
    """The well-formed entries of one container list (wrong types are skipped here
    and reported by the validity rules, never crash a check)."""
    items = spec.get(list_key)
    if not isinstance(items, list):
        return []
    return [(i, c) for i, c in enumerate(items) if isinstance(c, dict)]


def get_at(data: Any, pointer: Pointer) -> Any:
    """The value at ``pointer``, or None when any step is missing or mistyped."""
    node = data
    for key in pointer:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node
