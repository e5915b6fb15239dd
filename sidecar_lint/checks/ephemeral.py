"""SL110: ``ephemeralContainers`` in a manifest, which the API never accepts there.

Ephemeral containers are added to a running pod through its
``ephemeralcontainers`` subresource (``kubectl debug``). The API rejects them
in every pod template and when a Pod is created, so a manifest that lists
them cannot be applied — typically a pasted ``kubectl get pod -o yaml`` of a
debugged pod, or an attempt to park a sidecar there.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.fix_intents import FixIntent, RemoveEntry
from sidecar_lint.model import Violation, Workload
from sidecar_lint.pointers import format_pointer


@check("ephemeral_containers_in_manifest")
def ephemeral_containers_in_manifest(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag a non-empty ``ephemeralContainers`` list once, at its key."""
    listed = workload.spec.get("ephemeralContainers")
    if not isinstance(listed, list) or not listed:
        return  # empty or null is accepted; a wrong type is a schema problem
    pointer = workload.spec_at("ephemeralContainers")
    if workload.template_pointer:
        reason = "Forbidden: ephemeral containers not allowed in pod template"
    else:
        data = workload.document.data
        if isinstance(data, dict) and data.get("status") is not None:
            return  # a Pod read back from a cluster, not one anybody creates
        reason = "Forbidden: cannot be set on create"
    count = f"{len(listed)} ephemeral container{'s' if len(listed) != 1 else ''}"
    yield Violation(
        f"{workload.ref.display()}: lists {count}, which the API server rejects "
        f"({format_pointer(pointer)}: {reason}); ephemeral containers are added to a running pod "
        "with `kubectl debug` — delete the list, or move a container that should run with "
        "every pod to containers (a helper beside the app: initContainers with "
        "restartPolicy: Always)",
        pointer=pointer,
        target="key",
        intent=FixIntent(
            "remove-ephemeral-containers",
            "remove the ephemeralContainers list",
            RemoveEntry(pointer),
        ),
    )
