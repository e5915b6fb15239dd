"""SL111: an injector key that does nothing where it is written.

Admission webhooks read only the pod, and each reads its keys from one kind
of metadata with a fixed set of values, so a key written elsewhere is
silently ignored and the pod runs without (or with) a sidecar its author did
not expect. One finding per key, at the key, with the exact fix:

* on the workload's own ``metadata`` (a Deployment's, a Job's, a CronJob's)
  instead of its pod template's: the webhook never sees it;
* a label where the injector reads annotations, or the reverse (Istio's
  opt-in annotation cannot open its webhook in a namespace that is not
  labelled for injection; Kuma reads only the label; Linkerd, Vault, Dapr,
  Consul and the OpenTelemetry Operator read only annotations);
* a value the injector does not accept (Istio only ``"true"``/``"false"``,
  Linkerd only ``enabled``/``disabled``/``ingress``, Kuma's refusal fails
  the pod's creation);
* a second mesh on one pod that the first refuses (Linkerd refuses a pod
  Istio injects);
* injection switched on for a ``hostNetwork: true`` pod, which Istio and
  Linkerd skip.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.fix_intents import FixIntent, MoveEntry
from sidecar_lint.injectors import (
    catalogue,
    decide,
    mentions_injector,
    metadata_strings,
    pod_keys,
    pod_namespace,
)
from sidecar_lint.model import Violation, Workload
from sidecar_lint.pointers import format_pointer

_OTHER = {"labels": "annotations", "annotations": "labels"}


@check("ineffective_injector_key")
def ineffective_injector_key(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Every injector key of this pod (and of its workload's metadata) that has no effect."""
    if workload.kind.injects_sidecars:
        return
    data = workload.document.data
    own_raw = data.get("metadata") if workload.template_pointer and isinstance(data, dict) else None
    if not mentions_injector(workload.metadata) and not (
        isinstance(own_raw, dict) and mentions_injector(own_raw)
    ):
        return
    pod = {s: metadata_strings(workload.metadata, s) for s in ("labels", "annotations")}
    own = _own_metadata(workload)
    namespace = pod_namespace(workload)
    template_meta = (*workload.template_pointer, "metadata")
    reported: set[tuple[str, str]] = set()
    for injector in catalogue():
        for section in ("labels", "annotations"):
            read = pod_keys(injector.id, section)
            for key in sorted(own[section].keys() & read - pod[section].keys()):
                reported.add((section, key))
                yield Violation(
                    f"{workload.ref.display()}: {section[:-1]} {key} is on the "
                    f"{workload.ref.kind}'s own metadata, which {injector.title}'s webhook never "
                    f"sees (it reads only the pod); move it to "
                    f"{format_pointer(template_meta)}.{section}",
                    pointer=("metadata", section, key),
                    target="key",
                    intent=_move(("metadata", section, key), (*template_meta, section)),
                )
        for switch in injector.switches:
            if switch.scope != "pod":
                continue
            value = pod[switch.metadata].get(switch.key)
            other = _OTHER[switch.metadata]
            read_there = any(
                s.key == switch.key and s.metadata == other and s.scope == "pod"
                for s in injector.switches
            )
            if switch.key in pod[other] and not read_there and (other, switch.key) not in reported:
                reported.add((other, switch.key))
                yield Violation(
                    f"{workload.ref.display()}: {injector.title} reads {switch.key} only as a pod "
                    f"{switch.metadata[:-1]}, so this {other[:-1]} does nothing; move it to the "
                    f"pod template's {switch.metadata}",
                    pointer=(*template_meta, other, switch.key),
                    target="key",
                    intent=None
                    if switch.key in pod[switch.metadata]
                    else _move(
                        (*template_meta, other, switch.key), (*template_meta, switch.metadata)
                    ),
                )
            if value is None:
                continue
            verdict = switch.decide(value)
            if verdict == "invalid":
                accepted = ", ".join(f'"{v}"' for v in switch.accepted())
                effect = {
                    "ignored": "ignores it",
                    "off": "does not inject the pod",
                    "rejected": "refuses to create the pod",
                }[switch.invalid]
                yield Violation(
                    f'{workload.ref.display()}: {switch.key}: "{value}" is not a value '
                    f"{injector.title} accepts ({accepted}); it {effect}",
                    pointer=(*template_meta, switch.metadata, switch.key),
                )
            elif (
                verdict == "neutral"
                and namespace is not None  # an unknown namespace may well enable it
                and not _namespace_enables(injector, workload, namespace)
            ):
                label = f'{switch.key}: "{value}"'
                yield Violation(
                    f"{workload.ref.display()}: the {switch.metadata[:-1]} {label} cannot turn "
                    f"{injector.title} injection on: its webhook is called only for pods whose "
                    f"namespace enables injection or that carry the label; make it a label of "
                    f"the pod template (sidecar.istio.io/inject is documented as a label)",
                    pointer=(*template_meta, switch.metadata, switch.key),
                    target="key",
                    intent=None
                    if switch.key in pod[other]
                    else _move(
                        (*template_meta, switch.metadata, switch.key), (*template_meta, other)
                    ),
                )
    yield from _pod_conflicts(workload, pod, namespace)


def _move(pointer: tuple[Any, ...], target: tuple[Any, ...]) -> FixIntent:
    """Move the key at ``pointer`` into the metadata mapping at ``target``, where it is read."""
    return FixIntent(
        "move-injector-key",
        f"move {pointer[-1]} to {format_pointer(target)}",
        MoveEntry(pointer, target),
    )


def _own_metadata(workload: Workload) -> dict[str, dict[str, str]]:
    """The labels and annotations of the object itself, when it is not the pod."""
    if not workload.template_pointer:
        return {"labels": {}, "annotations": {}}
    meta = (
        workload.document.data.get("metadata") if isinstance(workload.document.data, dict) else None
    )
    meta = meta if isinstance(meta, dict) else {}
    return {s: metadata_strings(meta, s) for s in ("labels", "annotations")}


def _namespace_enables(injector: Any, workload: Workload, namespace: Any) -> bool:
    """Whether the namespace alone turns ``injector`` on for this pod."""
    if namespace is None:
        return False
    on, cause = decide(injector, workload, {}, {}, namespace)
    return on and cause is not None


def _pod_conflicts(
    workload: Workload, pod: Mapping[str, Mapping[str, str]], namespace: Any
) -> Iterator[Violation]:
    """Two meshes on one pod, and injection on a hostNetwork pod, each at its switch."""
    host_network = workload.spec.get("hostNetwork") is True
    on: dict[str, Any] = {}
    for injector in catalogue():
        enabled, cause = decide(injector, workload, pod["labels"], pod["annotations"], namespace)
        if not enabled or cause is None:
            continue
        on[injector.id] = (injector, cause)
        if cause.pointer is None:
            continue
        if host_network and injector.host_network_skipped:
            yield Violation(
                f"{workload.ref.display()}: {injector.title} skips pods with hostNetwork: true, "
                f"so {cause.key} does nothing here; remove it, or drop hostNetwork if the pod "
                "needs the mesh",
                pointer=cause.pointer,
                target="key",
            )
    for injector, cause in on.values():
        for other in injector.conflicts_with:
            if other in on and cause.pointer is not None:
                first = on[other][0].title
                yield Violation(
                    f"{workload.ref.display()}: {first} also injects this pod, and "
                    f"{injector.title} refuses a pod that already has another mesh's sidecar; "
                    f"switch one of them off for this pod",
                    pointer=cause.pointer,
                    target="key",
                )
