"""SL501: a sidecar listed first in ``containers[]``, ahead of the main container.

Without ``-c``, ``kubectl exec``, ``logs``, ``attach`` and ``cp`` pick the
container named by the pod's ``kubectl.kubernetes.io/default-container``
annotation, and otherwise the first entry of ``containers[]`` (never an init
container). A sidecar listed first therefore catches every quick
``kubectl logs`` and ``kubectl exec`` meant for the application.

The annotation is read where pods get it: the pod template's metadata. When
it names any container of the pod the author has chosen, and the rule stays
silent; when it names no container, or sits on the owning object's metadata
instead of the template's, the message says so. Silent when the main
container is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.fix_intents import FixIntent, SetEntry
from sidecar_lint.model import DEFAULT_CONTAINER_ANNOTATION, Role, Violation, Workload
from sidecar_lint.pointers import format_pointer


@check("main_container_not_first")
def main_container_not_first(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag ``containers[0]`` being a sidecar while the main container comes later."""
    regular = workload.in_list("containers")
    if len(regular) < 2 or regular[0].index != 0 or regular[0].role is not Role.SIDECAR:
        return
    main = next((c for c in regular if c.role is Role.MAIN), None)
    if main is None:
        return
    annotated = workload.annotations.get(DEFAULT_CONTAINER_ANNOTATION)
    names = {c.name for c in workload.containers if c.name}
    if isinstance(annotated, str) and annotated in names:
        return
    first = regular[0]
    ref = workload.ref
    where = format_pointer((*workload.template_pointer, "metadata", "annotations"))
    target = f"the pod template's metadata ({where})" if workload.template_pointer else where
    text = (
        f"{ref.display()}: containers[0] is the sidecar {first.label()}, so `kubectl "
        f"exec`, `kubectl logs` and `kubectl cp` without -c land in it instead of the main "
        f"container {main.label()}"
    )
    if isinstance(annotated, str):
        text += (
            f" (the {DEFAULT_CONTAINER_ANNOTATION} annotation names '{annotated}', which is "
            "not a container of this pod)"
        )
    elif workload.template_pointer and _object_annotation(workload) is not None:
        text += (
            f" (the {DEFAULT_CONTAINER_ANNOTATION} annotation is on the {ref.kind}'s own "
            "metadata, which pods never see)"
        )
    name = main.name or "<main container>"
    text += f"; add the annotation {DEFAULT_CONTAINER_ANNOTATION}: {name} to {target}"
    held = proxy_started_first(workload.annotations, first.spec)
    if held is None:
        text += f" (or move {main.label()} to the top of containers[])"
    else:  # reordering would start the app before its proxy
        text += f"; keep {first.label()} first: {held}"
    intent = None
    if main.name:
        intent = FixIntent(
            "default-container-annotation",
            f"add {DEFAULT_CONTAINER_ANNOTATION}: {main.name} to {where}",
            SetEntry(
                (*workload.template_pointer, "metadata", "annotations"),
                DEFAULT_CONTAINER_ANNOTATION,
                main.name,
            ),
        )
    yield Violation(text, pointer=first.pointer, container=first, intent=intent)


#: ``holdApplicationUntilProxyStarts: true`` in Istio's per-pod proxy configuration.
_ISTIO_HOLD = re.compile(r"""holdApplicationUntilProxyStarts["']?\s*:\s*["']?true\b""", re.I)
ISTIO_PROXY_CONFIG = "proxy.istio.io/config"
LINKERD_PROXY_AWAIT = "config.linkerd.io/proxy-await"
#: Commands a proxy's postStart hook runs to hold the next containers until it is ready.
_WAIT_HOOKS = (("pilot-agent", "wait"), ("linkerd-await",))


def proxy_started_first(annotations: Mapping[str, Any], first: Mapping[str, Any]) -> str | None:
    """Why containers[0] must stay first, when the pod relies on it starting before the app.

    The kubelet starts regular containers in order and waits for each postStart
    hook, so a proxy listed first with a hook that waits for it to be ready
    holds the application back until it can serve (Istio's
    ``holdApplicationUntilProxyStarts``, Linkerd's ``proxy-await``).
    """
    config = annotations.get(ISTIO_PROXY_CONFIG)
    if isinstance(config, str) and _ISTIO_HOLD.search(config):
        return f"{ISTIO_PROXY_CONFIG} sets holdApplicationUntilProxyStarts"
    if str(annotations.get(LINKERD_PROXY_AWAIT, "")).lower() == "enabled":
        return f"{LINKERD_PROXY_AWAIT} is enabled"
    lifecycle = first.get("lifecycle")
    hook = lifecycle.get("postStart") if isinstance(lifecycle, Mapping) else None
    action = hook.get("exec") if isinstance(hook, Mapping) else None
    command = action.get("command") if isinstance(action, Mapping) else None
    if isinstance(command, list):
        words = " ".join(str(part) for part in command)
        for needed in _WAIT_HOOKS:
            if all(word in words for word in needed):
                return "its postStart hook holds the other containers until the proxy is ready"
    return None


def _object_annotation(workload: Workload) -> Any:
    data = workload.document.data
    meta = data.get("metadata") if isinstance(data, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if isinstance(annotations, Mapping):
        return annotations.get(DEFAULT_CONTAINER_ANNOTATION)
    return None
