"""SL108: the ``kubectl.kubernetes.io/default-container`` annotation must name a container.

kubectl (exec, logs, attach, cp) reads the annotation from the *pod* and looks
the name up in ``containers``, then ``initContainers``, then
``ephemeralContainers`` — so naming a native sidecar is fine. Three mistakes
are reported:

* a name the pod does not have (with a did-you-mean);
* the annotation on a workload's own metadata instead of its pod template,
  where kubectl never sees it;
* only the deprecated ``kubectl.kubernetes.io/default-logs-container``, which
  kubectl has ignored since 1.25. It is reported only when
  ``default-container`` is absent: injectors such as Istio set both, and then
  the old one is harmless.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeGuard

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Pointer
from sidecar_lint.fix_intents import FixIntent, MoveEntry, RenameKey, SetEntry
from sidecar_lint.model import DEFAULT_CONTAINER_ANNOTATION, ContainerView, Violation, Workload
from sidecar_lint.pointers import format_pointer
from sidecar_lint.workload import resolve_template_pointers

DEFAULT_LOGS_ANNOTATION = "kubectl.kubernetes.io/default-logs-container"

_LIST_MARK = {"initContainers": " (init)", "ephemeralContainers": " (ephem)"}
_SEARCH_ORDER = {"containers": 0, "initContainers": 1, "ephemeralContainers": 2}


@check("default_container_not_found")
def default_container_not_found(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Check the default-container annotations of one pod template."""
    annotations = workload.annotations
    pod_annotations = (*workload.template_pointer, "metadata", "annotations")
    value = annotations.get(DEFAULT_CONTAINER_ANNOTATION)
    if _checkable(value):
        missing = _not_found(workload, value)
        if missing:
            yield Violation(
                f"{workload.ref.display()}: the {DEFAULT_CONTAINER_ANNOTATION} annotation "
                f"names '{value}', but the pod has no such container{_end(missing)} Until it "
                f"names one, kubectl exec, logs, attach and cp without -c ignore it and use "
                f"{_first(workload)} (newer kubectl versions fail instead: "
                f'"container {value} is not valid for pod")',
                pointer=(*pod_annotations, DEFAULT_CONTAINER_ANNOTATION),
                intent=_point_at_main(workload, pod_annotations),
            )
    yield from _misplaced(workload, DEFAULT_CONTAINER_ANNOTATION in annotations)
    logs = annotations.get(DEFAULT_LOGS_ANNOTATION)
    if DEFAULT_CONTAINER_ANNOTATION not in annotations and _checkable(logs):
        missing = _not_found(workload, logs)
        also = f" — and note the pod has no container '{logs}'{missing}" if missing else ""
        yield Violation(
            f"{workload.ref.display()}: the {DEFAULT_LOGS_ANNOTATION} annotation is deprecated "
            f"and ignored by kubectl 1.25 and newer, so kubectl logs without -c uses "
            f"{_first(workload)}; rename it to {DEFAULT_CONTAINER_ANNOTATION} (which also sets "
            f"the default for exec, attach and cp){also}",
            pointer=(*pod_annotations, DEFAULT_LOGS_ANNOTATION),
            target="key",
            intent=FixIntent(
                "rename-deprecated-annotation",
                f"rename {DEFAULT_LOGS_ANNOTATION} to {DEFAULT_CONTAINER_ANNOTATION}",
                RenameKey(
                    (*pod_annotations, DEFAULT_LOGS_ANNOTATION), DEFAULT_CONTAINER_ANNOTATION
                ),
            ),
        )


def _point_at_main(workload: Workload, annotations: Pointer) -> FixIntent | None:
    """Name the pod's one main container, when it has exactly one (with a name)."""
    mains = workload.mains
    if len(mains) != 1 or not mains[0].name:
        return None
    name = mains[0].name
    return FixIntent(
        "name-main-container",
        f"set {DEFAULT_CONTAINER_ANNOTATION} to the main container '{name}'",
        SetEntry(annotations, DEFAULT_CONTAINER_ANNOTATION, name),
    )


def _end(text: str) -> str:
    """Close a sentence that may already end in a question."""
    return text if text.endswith("?") else text + "."


def _checkable(value: Any) -> TypeGuard[str]:
    """A real name: not empty (kubectl ignores that) and not an unrendered template."""
    return isinstance(value, str) and bool(value.strip()) and "{{" not in value


def _in_search_order(workload: Workload) -> list[ContainerView]:
    """Named containers in kubectl's search order: containers, init, ephemeral."""
    named = [c for c in workload.containers if c.name]
    return sorted(named, key=lambda c: (_SEARCH_ORDER.get(c.list_key, 3), c.index))


def _first(workload: Workload) -> str:
    first = next((c for c in workload.containers if c.list_key == "containers"), None)
    return f"the first entry of containers[] ({first.label()})" if first else "no container"


def _not_found(workload: Workload, name: str) -> str:
    """Empty when ``name`` is a container; else what the pod has, with a did-you-mean."""
    named = _in_search_order(workload)
    if any(c.name == name for c in named):
        return ""
    if not named:
        return " (it has no named containers)"
    listing = ", ".join(_listed(c) for c in named)
    guess = _guess(name, [c.name for c in named])
    hint = f"; did you mean '{guess}'?" if guess else ""
    return f" (it has: {listing}){hint}"


def _listed(c: ContainerView) -> str:
    """``app``, ``istio-proxy (init)``, ``debug (ephem)`` — as kubectl lists them."""
    return c.name + _LIST_MARK.get(c.list_key, "")


def _guess(name: str, names: Sequence[str]) -> str | None:
    lowered = {n.lower(): n for n in names}
    exact = lowered.get(name.strip().lower())
    if exact:
        return exact
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return close[0]
    prefixed = [n for n in names if n.startswith(name) or name.startswith(n)]
    return prefixed[0] if len(prefixed) == 1 else None


def _misplaced(workload: Workload, template_has_it: bool) -> Iterator[Violation]:
    """The annotation on the owning object's metadata, where kubectl never looks."""
    if not workload.template_pointer or template_has_it:
        return
    data = workload.document.data
    if not isinstance(data, dict):
        return
    pointers = resolve_template_pointers(data, workload.kind.template)
    if pointers and pointers[0] != workload.template_pointer:
        return  # one report per object, even for kinds with several pod templates
    meta = data.get("metadata")
    annotations: Mapping[str, Any] = {}
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        annotations = meta["annotations"]
    if DEFAULT_CONTAINER_ANNOTATION not in annotations:
        return
    value = annotations[DEFAULT_CONTAINER_ANNOTATION]
    target: Pointer = (*workload.template_pointer, "metadata", "annotations")
    extra = ""
    if _checkable(value):
        missing = _not_found(workload, value)
        if missing:
            extra = f". Also, the pod has no container '{value}'{missing}"
    kind = workload.ref.kind
    yield Violation(
        f"{workload.ref.display()}: the {DEFAULT_CONTAINER_ANNOTATION} annotation is on the "
        f"{kind}'s own metadata, which kubectl never reads — it looks at the pod's annotations; "
        f"move it to {format_pointer(target)} so the pods carry it{extra}",
        pointer=("metadata", "annotations", DEFAULT_CONTAINER_ANNOTATION),
        target="key",
        intent=FixIntent(
            "move-to-pod-template",
            f"move the annotation to {format_pointer(target)}",
            MoveEntry(("metadata", "annotations", DEFAULT_CONTAINER_ANNOTATION), target),
        )
        if isinstance(value, str)
        else None,
    )
