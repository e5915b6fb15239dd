"""SL104: one container name used twice in a pod.

Names are unique across ``containers``, ``initContainers`` (native sidecars
included) and ``ephemeralContainers``. The API checks them in that order —
regular containers first, then init containers against regular and init
names, then ephemeral containers against all — and reports the later entry
(``spec.initContainers[0].name: Duplicate value: "app"``). This check
follows the same order, so the finding sits on the field the API error names
even when the init container comes first in the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint import known_sidecars
from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.model import ContainerView, Violation, Workload

#: The order in which the API registers names; a later list repeats an earlier one.
_API_ORDER = {"containers": 0, "initContainers": 1, "ephemeralContainers": 2}


@check("duplicate_container_name")
def duplicate_container_name(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag every container whose name an earlier container (in API order) already uses."""
    ordered = sorted(workload.containers, key=lambda c: (_API_ORDER.get(c.list_key, 3), c.index))
    first: dict[str, ContainerView] = {}
    for container in ordered:
        name = container.spec.get("name")
        if not isinstance(name, str) or not name:
            continue  # a missing or mistyped name is a different problem
        seen = first.get(name)
        if seen is None:
            first[name] = container
            continue
        yield Violation(
            _message(workload, container, seen, name),
            pointer=container.at("name"),
            container=container,
        )


def _message(workload: Workload, dup: ContainerView, first: ContainerView, name: str) -> str:
    span, _ = workload.document.locate(first.at("name"))
    where_first = f"{first.list_key}[{first.index}] (line {span.start_line})"
    text = (
        f"{workload.ref.display()}: container name '{name}' in {dup.list_key}[{dup.index}] is "
        f"already used by {where_first}; names must be unique across containers, "
        f'initContainers and ephemeralContainers (API: Duplicate value: "{name}")'
    )
    known = known_sidecars.known_by_name(name)
    if known is not None and known.injected:
        return (
            f"{text}. {known.title} is added by an admission webhook: keep one copy (a native "
            f"sidecar goes in initContainers with restartPolicy: Always) and delete the other"
        )
    if first.list_key != dup.list_key:
        return f"{text}. Rename one of them, or delete the copy if it is the same container twice"
    return f"{text}. Rename one of them"
