"""One view of every pod template, whatever object holds it.

Which kinds carry a pod template, and where, is data: a table of API group,
kind and JSONPath. Users can add their own kinds (configuration), and rules
never need to know about Deployments or CronJobs. The records built here
(:class:`~sidecar_lint.model.Workload` and its containers) live in
:mod:`sidecar_lint.model`, which :mod:`sidecar_lint.roles` shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from sidecar_lint.document import Document, Pointer
from sidecar_lint.model import Classifier, Workload, WorkloadKind
from sidecar_lint.pointers import get_at
from sidecar_lint.roles import classify_containers

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
    classify = classify_containers if classifier is None else classifier
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
