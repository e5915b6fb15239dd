"""OpenKruise SidecarSets as injectors: which of the run's SidecarSets select a pod.

Kruise's pod webhook injects a SidecarSet into every new pod whose labels
its ``selector`` matches, in its ``namespace`` (v1alpha1) and in namespaces
its ``namespaceSelector`` matches, unless ``injectionStrategy.paused``
(``pkg/control/sidecarcontrol/util.go`` ``PodMatchedSidecarSet``;
``pkg/webhook/pod/mutating/sidecarset.go``). A ``namespaceSelector`` is
judged only when the namespace's labels are known (a Namespace object of the
run, or the configuration); otherwise the SidecarSet is not predicted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sidecar_lint.cluster import SidecarSetFacts, selector_matches
from sidecar_lint.model import ContainerView, Role, SidecarSetInjection, Workload, raw_containers


def match_sidecarsets(workload: Workload) -> tuple[SidecarSetInjection, ...]:
    """The run's SidecarSets that select ``workload``'s pods, in input order."""
    sidecarsets = workload.cluster.objects.sidecarsets
    if not sidecarsets:
        return ()
    labels = workload.metadata.get("labels")
    labels = labels if isinstance(labels, dict) else {}
    found = []
    for facts in sidecarsets:
        if _selects(facts, workload, labels):
            found.append(_injection(facts, workload))
    return tuple(found)


def _selects(facts: SidecarSetFacts, workload: Workload, labels: Mapping[str, Any]) -> bool:
    spec = facts.spec
    strategy = spec.get("injectionStrategy")
    if isinstance(strategy, dict) and strategy.get("paused") is True:
        return False
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not selector:
        return False  # the webhook refuses a SidecarSet without one (SL601)
    if selector_matches(selector, labels) is not True:
        return False
    namespace = spec.get("namespace")
    if isinstance(namespace, str) and namespace and namespace != workload.namespace:
        return False
    namespace_selector = spec.get("namespaceSelector")
    if namespace_selector is not None:
        known = workload.cluster.namespace(workload.namespace)
        if known is None:
            return False
        return selector_matches(namespace_selector, known.labels) is True
    return True


def _injection(facts: SidecarSetFacts, workload: Workload) -> SidecarSetInjection:
    why = f"injected by SidecarSet {facts.name} at {facts.origin}"
    views: list[ContainerView] = []
    for list_key in ("initContainers", "containers"):
        for index, container in raw_containers(facts.spec, list_key):
            native = list_key == "initContainers" and container.get("restartPolicy") == "Always"
            if list_key == "containers":
                role = Role.SIDECAR
            elif native:
                role = Role.NATIVE_SIDECAR
            else:
                role = Role.INIT
            name = container.get("name")
            views.append(
                ContainerView(
                    name=name if isinstance(name, str) else "",
                    list_key=list_key,
                    index=index,
                    pointer=workload.template_pointer,
                    spec=container,
                    role=role,
                    reasons=(f"{why} ({facts.where(list_key, index)})",),
                    sidecar_kind="injected",
                    sidecar_title=f"SidecarSet {facts.name}" if role is not Role.INIT else None,
                )
            )
    mounted = {
        m.get("name")
        for view in views
        for m in (view.spec.get("volumeMounts") or [])
        if isinstance(m, dict)
    }
    volumes = facts.spec.get("volumes")
    used = tuple(
        v
        for v in (volumes if isinstance(volumes, list) else [])
        if isinstance(v, dict) and v.get("name") in mounted
    )
    return SidecarSetInjection(facts, tuple(views), used)
