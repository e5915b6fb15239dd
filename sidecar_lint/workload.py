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

from sidecar_lint.cluster import ClusterContext
from sidecar_lint.document import Document, Pointer
from sidecar_lint.injectors import predict
from sidecar_lint.model import (
    Classifier,
    ContainerList,
    ContainerView,
    Role,
    Workload,
    WorkloadKind,
)
from sidecar_lint.pointers import get_at
from sidecar_lint.roles import classify_containers
from sidecar_lint.sidecarsets import match_sidecarsets

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

#: Custom resources: the checks that need what such a manifest does not hold.
#: The operator adds volumes and mounts of its own (ECK's data and logs, Argo's artifacts,
#: Tekton's workspaces), so which volumes exist and who mounts them is not all written here.
_OPERATOR_VOLUMES = frozenset({"undeclared_volume_mount", "unused_volume"})
#: The operator orders the pod's containers and may rename them (Argo's ``main``, Tekton's
#: ``step-``): neither the order nor a default-container annotation can be judged here.
_OPERATOR_ORDER = frozenset({"main_container_not_first", "default_container_not_found"})
#: A resource whose templates are not Kubernetes PodTemplateSpecs: the field tables do not apply.
_OWN_SCHEMA = frozenset({"unknown_field"})
_CUSTOM = _OPERATOR_VOLUMES | _OPERATOR_ORDER
_CUSTOM_SCHEMA = _CUSTOM | _OWN_SCHEMA

#: A PodTemplateSpec's (or PodSpec's) own lists, named so that templates without any are skipped.
_POD_LISTS = (ContainerList("initContainers", "initContainers"), ContainerList("containers"))

_ARGO_SIDECARS = "Argo Workflows sidecars field"
_ARGO_LISTS = (
    ContainerList("initContainers", "initContainers"),
    ContainerList(
        "container",
        single=True,
        role=Role.MAIN,
        why="the Argo Workflows template's container (run as 'main')",
        name="main",
    ),
    ContainerList(
        "script",
        single=True,
        role=Role.MAIN,
        why="the Argo Workflows template's script (run as 'main')",
        name="main",
    ),
    ContainerList(
        "containerSet.containers",
        role=Role.MAIN,
        why="an Argo Workflows containerSet container (each one does the template's work)",
    ),
    # Argo's executor and controller stop these once the main containers have exited.
    ContainerList("sidecars", role=Role.SIDECAR, why=_ARGO_SIDECARS, stopped=True),
)


def _argo(kind: str, root: str) -> WorkloadKind:
    """An Argo Workflows kind: every template (inline ones too) is one pod."""
    return WorkloadKind(
        "argoproj.io",
        kind,
        f"{root}.templates[*]",
        completes=True,
        also=(
            f"{root}.templates[*].steps[*][*].inline",
            f"{root}.templates[*].dag.tasks[*].inline",
            f"{root}.templateDefaults",
        ),
        pod_spec=True,
        containers=_ARGO_LISTS,
        unjudged=_CUSTOM_SCHEMA,
    )


_TEKTON_LISTS = (
    ContainerList(
        "steps",
        role=Role.MAIN,
        why="a Tekton step (the steps do the Task's work, one after another)",
    ),
    # Tekton stops these when the steps are done (image swapped to nop, or native sidecars).
    ContainerList("sidecars", role=Role.SIDECAR, why="Tekton sidecars field", stopped=True),
)
#: Tekton renames containers (``step-``, ``sidecar-``), has its own resource field
#: (``computeResources`` in v1) and copies a sidecar's ``restartPolicy`` to wherever its
#: ``enable-kubernetes-sidecar`` flag puts it: those checks would judge another schema.
_TEKTON_UNJUDGED = _CUSTOM_SCHEMA | {
    "duplicate_container_name",
    "container_restart_policy",
    "sidecar_resources_exceed_main",
    "sidecar_without_resources",
}


def _tekton(kind: str, *templates: str) -> WorkloadKind:
    """A Tekton kind: every TaskSpec (inline or the Task's own) is one pod."""
    return WorkloadKind(
        "tekton.dev",
        kind,
        templates[0],
        completes=True,
        also=templates[1:],
        pod_spec=True,
        containers=_TEKTON_LISTS,
        unjudged=_TEKTON_UNJUDGED,
    )


def _eck(group: str, kind: str, main: frozenset[str], *templates: str) -> WorkloadKind:
    """An ECK kind: PodTemplateSpecs merged by name onto the operator's main container."""
    return WorkloadKind(
        f"{group}.k8s.elastic.co",
        kind,
        templates[0],
        also=templates[1:],
        containers=_POD_LISTS,
        main_names=main,
        unjudged=_CUSTOM,
    )


_KSERVE_SERVERS = (
    "model",
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "huggingface",
    "pmml",
    "lightgbm",
    "paddle",
    "art",
)
_KSERVE_LISTS = (
    ContainerList("initContainers", "initContainers"),
    *(
        ContainerList(
            key,
            single=True,
            role=Role.MAIN,
            why=f"the KServe {key} model server (run as 'kserve-container')",
            name="kserve-container",
        )
        for key in _KSERVE_SERVERS
    ),
    ContainerList("containers"),
)

#: Prometheus Operator: ``spec.containers`` entries named like a generated container are
#: strategic-merge patches onto it; the main container's mounts and resources come from
#: other fields (``spec.volumeMounts``, ``spec.resources``), so rules that compare a sidecar
#: with the main container have nothing to compare with.
_PROMETHEUS_UNJUDGED = _CUSTOM_SCHEMA | {
    "sidecar_without_shared_volume",
    "sidecar_resources_exceed_main",
}


def _prometheus(kind: str, main: str, *generated: str) -> WorkloadKind:
    return WorkloadKind(
        "monitoring.coreos.com",
        kind,
        "$.spec",
        pod_spec=True,
        containers=_POD_LISTS,
        main_names=frozenset({main}),
        patched_names=frozenset(generated),
        unjudged=_PROMETHEUS_UNJUDGED,
    )


_SPARK_LISTS = (
    ContainerList("initContainers", "initContainers"),
    ContainerList("template.spec.initContainers", "initContainers"),
    ContainerList("template.spec.containers"),
    # Regular containers next to Spark's own; the operator never stops them.
    ContainerList("sidecars", role=Role.SIDECAR, why="Spark operator sidecars field"),
)


def _spark(kind: str, root: str) -> WorkloadKind:
    return WorkloadKind(
        "sparkoperator.k8s.io",
        kind,
        f"{root}.driver",
        completes=True,
        also=(f"{root}.executor",),
        # The driver deletes its executors' pods when the application ends.
        long_running=(f"{root}.executor",),
        pod_spec=True,
        containers=_SPARK_LISTS,
        main_names=frozenset({"spark-kubernetes-driver", "spark-kubernetes-executor"}),
        unjudged=_CUSTOM_SCHEMA,
    )


def _flink(kind: str, root: str) -> WorkloadKind:
    """Flink's pod templates are whole Pod objects (apiVersion, kind) layered JM/TM over common."""
    return WorkloadKind(
        "flink.apache.org",
        kind,
        f"{root}.podTemplate",
        also=(f"{root}.jobManager.podTemplate", f"{root}.taskManager.podTemplate"),
        containers=_POD_LISTS,
        main_names=frozenset({"flink-main-container"}),
        unjudged=_CUSTOM_SCHEMA,
    )


CUSTOM_RESOURCE_KINDS: tuple[WorkloadKind, ...] = (
    _argo("Workflow", "$.spec"),
    _argo("WorkflowTemplate", "$.spec"),
    _argo("ClusterWorkflowTemplate", "$.spec"),
    _argo("CronWorkflow", "$.spec.workflowSpec"),
    _tekton("Task", "$.spec"),
    _tekton("ClusterTask", "$.spec"),
    _tekton("TaskRun", "$.spec.taskSpec"),
    _tekton("Pipeline", "$.spec.tasks[*].taskSpec", "$.spec.finally[*].taskSpec"),
    _tekton(
        "PipelineRun",
        "$.spec.pipelineSpec.tasks[*].taskSpec",
        "$.spec.pipelineSpec.finally[*].taskSpec",
    ),
    _eck(
        "elasticsearch",
        "Elasticsearch",
        frozenset({"elasticsearch"}),
        "$.spec.nodeSets[*].podTemplate",
    ),
    _eck("kibana", "Kibana", frozenset({"kibana"}), "$.spec.podTemplate"),
    _eck("apm", "ApmServer", frozenset({"apm-server"}), "$.spec.podTemplate"),
    _eck(
        "enterprisesearch",
        "EnterpriseSearch",
        frozenset({"enterprise-search"}),
        "$.spec.podTemplate",
    ),
    _eck("logstash", "Logstash", frozenset({"logstash"}), "$.spec.podTemplate"),
    _eck("maps", "ElasticMapsServer", frozenset({"maps"}), "$.spec.podTemplate"),
    _eck(
        "agent",
        "Agent",
        frozenset({"agent"}),
        "$.spec.deployment.podTemplate",
        "$.spec.daemonSet.podTemplate",
        "$.spec.statefulSet.podTemplate",
    ),
    _eck(
        "beat",
        "Beat",
        # The main container is named after spec.type; these are the Beats ECK knows.
        frozenset(
            {"filebeat", "metricbeat", "heartbeat", "auditbeat", "packetbeat", "journalbeat"}
        ),
        "$.spec.deployment.podTemplate",
        "$.spec.daemonSet.podTemplate",
    ),
    WorkloadKind(
        "serving.kserve.io",
        "InferenceService",
        "$.spec.predictor",
        also=(
            "$.spec.transformer",
            "$.spec.explainer",
            "$.spec.predictor.workerSpec",
        ),
        pod_spec=True,
        containers=_KSERVE_LISTS,
        unjudged=_CUSTOM_SCHEMA,
    ),
    _prometheus(
        "Prometheus", "prometheus", "config-reloader", "thanos-sidecar", "init-config-reloader"
    ),
    _prometheus("PrometheusAgent", "prometheus", "config-reloader", "init-config-reloader"),
    _prometheus("Alertmanager", "alertmanager", "config-reloader", "init-config-reloader"),
    _prometheus("ThanosRuler", "thanos-ruler", "config-reloader"),
    _spark("SparkApplication", "$.spec"),
    _spark("ScheduledSparkApplication", "$.spec.template"),
    _flink("FlinkDeployment", "$.spec"),
    _flink("FlinkBlueGreenDeployment", "$.spec.template.spec"),
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
    *CUSTOM_RESOURCE_KINDS,
)


_SIMPLE_PATH = re.compile(r"^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[\*\])*$")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[\*\]")


@cache
def _simple_steps(path: str) -> tuple[str | None, ...] | None:
    """``$.spec.templates[*]`` as keys (``None`` for ``[*]``), without a JSONPath engine."""
    if not _SIMPLE_PATH.match(path):
        return None
    return tuple(m.group(1) for m in _STEP.finditer(path))


def resolve_template_pointers(data: Any, path: str) -> list[Pointer]:
    """Every pointer the JSONPath ``path`` selects in ``data`` (simple paths are fast)."""
    steps = _simple_steps(path)
    if steps is None:
        from sidecar_lint.jsonpath import find_pointers  # lazy: most runs never need it

        return find_pointers(data, path)
    found: list[tuple[Pointer, Any]] = [((), data)]
    for key in steps:
        following: list[tuple[Pointer, Any]] = []
        for pointer, node in found:
            if key is None:
                if isinstance(node, list):
                    following.extend(((*pointer, i), item) for i, item in enumerate(node))
            elif isinstance(node, dict) and key in node:
                following.append(((*pointer, key), node[key]))
        found = following
    return [pointer for pointer, _ in found]


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
    cluster: ClusterContext | None = None,
) -> Iterator[Workload]:
    """Every pod template in ``document`` as a :class:`Workload` with roles assigned.

    A custom resource's template that holds no container (an Argo ``steps``
    template, a Tekton task referenced by name) is no pod of its own and is skipped.
    """
    classify = classify_containers if classifier is None else classifier
    data = document.data
    ref = document.ref
    entry = find_kind(ref.api_version, ref.kind, kinds)
    if entry is None or not isinstance(data, dict):
        return
    for path in entry.templates:
        kind = replace(entry, completes=False) if path in entry.long_running else entry
        for template_pointer in resolve_template_pointers(data, path):
            template = get_at(data, template_pointer)
            if not isinstance(template, dict):
                continue
            spec = template if entry.pod_spec else template.get("spec")
            if not isinstance(spec, dict):
                continue
            metadata = template.get("metadata")
            bare = Workload(
                document=document,
                kind=kind,
                template_pointer=template_pointer,
                spec_pointer=template_pointer if entry.pod_spec else (*template_pointer, "spec"),
                spec=spec,
                metadata=metadata if isinstance(metadata, dict) else {},
                cluster=cluster if cluster is not None else ClusterContext(),
            )
            workload = replace(bare, containers=tuple(classify(bare)))
            if entry.containers and not workload.containers:
                continue
            if not entry.injects_sidecars:  # a SidecarSet's own template is no pod
                workload = replace(
                    workload, injections=predict(workload), sidecarsets=match_sidecarsets(workload)
                )
            yield workload


def source_of(workload: Workload, container: ContainerView) -> ContainerList | None:
    """The list of its kind a container was found in (None for a plain PodSpec's lists)."""
    if not workload.kind.containers:
        return None
    relative = container.pointer[len(workload.spec_pointer) :]
    for source in workload.kind.containers:
        keys = tuple(source.path.split("."))
        if source.single and relative == keys:
            return source
        if not source.single and relative[:-1] == keys:
            return source
    return None


def stopped_by_controller(workload: Workload, container: ContainerView) -> bool:
    """Whether the resource's controller stops this sidecar once the main work is done."""
    source = source_of(workload, container)
    return source is not None and source.stopped


def is_patch(workload: Workload, container: ContainerView) -> bool:
    """Whether an entry patches an operator-generated container by name (so it is partial)."""
    kind = workload.kind
    return bool(container.name) and container.name in (kind.main_names | kind.patched_names)
