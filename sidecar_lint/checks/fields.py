"""SL101: keys the Kubernetes API does not know, anywhere in a pod template.

The field tables come from the official OpenAPI schemas of every supported
minor, so a field is judged against the target version: ``restartPolicy`` on
a container is fine for 1.28+ and unknown before, and the message says so.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Pointer
from sidecar_lint.fix_intents import FixIntent, MoveItems, RenameKey
from sidecar_lint.k8s_fields import FieldTables
from sidecar_lint.model import ContainerView, Violation, Workload
from sidecar_lint.pointers import get_at

#: Keys people write for sidecars that Kubernetes has never had.
SIDECAR_INVENTIONS = frozenset({"sidecarContainers", "sidecars", "sidecar", "sidecarContainer"})

_NATIVE_SIDECAR_HINT = (
    "Kubernetes has no '{key}' field. A native sidecar is an entry in initContainers with "
    "restartPolicy: Always (Kubernetes 1.29+, GA in 1.33); move these containers there"
)


@check("unknown_field")
def unknown_field(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Walk the pod template along the API types and flag every key they lack."""
    tables = FieldTables.load()
    version = tables.nearest_version(str(ctx.options.kubernetes_version))
    types = tables.by_type(version)  # per type: a frozenset of valid names, built once
    data = workload.document.data
    template = get_at(data, workload.template_pointer)
    template = template if isinstance(template, dict) else {}
    roots: list[tuple[Any, str, Pointer]]
    if workload.template_pointer:
        roots = [(template, "PodTemplateSpec", workload.template_pointer)]
    else:  # a bare Pod: its metadata and spec, not apiVersion/kind/status
        roots = [
            (template.get("metadata"), "ObjectMeta", ("metadata",)),
            (template.get("spec"), "PodSpec", ("spec",)),
        ]
    containers = {c.pointer: c for c in workload.containers}
    extra = workload.kind.extra_spec_fields
    extra_container = workload.kind.extra_container_fields
    # Each entry carries the container its pointer lies in (the nearest container
    # pointer among its prefixes), handed down from parent to child.
    stack: list[tuple[Any, str, Pointer, ContainerView | None]] = [
        (node, type_name, pointer, _owner(containers, pointer, True))
        for node, type_name, pointer in reversed(roots)
    ]
    while stack:
        node, type_name, pointer, owner = stack.pop()
        if not isinstance(node, dict):
            continue
        fields = types.get(type_name)
        if fields is None:
            continue  # a free-form type (any key goes) or one the tables do not know
        valid, known = fields
        in_container = owner is not None and pointer == owner.pointer
        for key, value in node.items():
            if not isinstance(key, str):
                continue
            if type_name == "PodSpec" and key in extra:
                continue
            if in_container and key in extra_container:
                continue
            child = (*pointer, key)
            if key not in valid:
                text, guess = _message(tables, type_name, key, version, owner, workload)
                yield Violation(
                    text,
                    pointer=child,
                    target="key",
                    container=owner,
                    intent=_intent(workload, ctx, type_name, child, value, guess),
                )
                continue
            info = known[key]
            if info.type_name is None:
                continue
            below = containers.get(child) or owner
            if info.shape == "object":
                stack.append((value, info.type_name, child, below))
            elif info.shape == "list" and isinstance(value, list):
                stack.extend(
                    (item, info.type_name, (*child, i), containers.get((*child, i)) or below)
                    for i, item in reversed(list(enumerate(value)))
                )
            elif info.shape == "map" and isinstance(value, dict):
                stack.extend(
                    (v, info.type_name, (*child, k), containers.get((*child, k)) or below)
                    for k, v in value.items()
                )
    yield from _duplicates(workload)


def _intent(
    workload: Workload,
    ctx: CheckContext,
    type_name: str,
    pointer: Pointer,
    value: Any,
    guess: str | None,
) -> FixIntent | None:
    """Rename a misspelled key; move invented sidecar lists into initContainers."""
    key = pointer[-1]
    if guess is not None:
        return FixIntent("rename-key", f"rename '{key}' to '{guess}'", RenameKey(pointer, guess))
    if (
        key in SIDECAR_INVENTIONS
        and type_name == "PodSpec"
        and pointer[:-1] == workload.spec_pointer
        and isinstance(value, list)
        and value
        and all(isinstance(item, dict) and "restartPolicy" not in item for item in value)
        and ctx.options.gate_enabled("SidecarContainers")
    ):
        return FixIntent(
            "native-sidecars",
            f"move the entries of '{key}' to initContainers with restartPolicy: Always",
            MoveItems(
                tuple((*pointer, i) for i in range(len(value))),
                (*pointer[:-1], "initContainers"),
                (("restartPolicy", "Always"),),
            ),
        )
    return None


def _message(
    tables: FieldTables,
    type_name: str,
    key: str,
    version: str,
    owner: ContainerView | None,
    workload: Workload,
) -> tuple[str, str | None]:
    """The finding's message, and the key it suggests instead (a did-you-mean), if one."""
    where = f"container {owner.label()}" if owner else type_name
    subject = f"{workload.ref.display()}: unknown field '{key}' in {where}"
    if key in SIDECAR_INVENTIONS and type_name == "PodSpec":
        return f"{workload.ref.display()}: " + _NATIVE_SIDECAR_HINT.format(key=key), None
    if type_name == "ContainerRestartRule" and key in ("when", "onExit"):
        return (
            f"{subject}: restart rules have no '{key}' wrapper (an early design sketch); put "
            "'exitCodes' directly under the rule: {action: Restart, exitCodes: {operator: In, "
            "values: [42]}}"
        ), None
    info = tables.field(type_name, key)
    if info is not None:
        container_type = type_name in ("Container", "EphemeralContainer")
        if container_type and key == "restartPolicy" and _newer(info.since, version):
            return (
                f"{subject}: container-level restartPolicy exists only from Kubernetes "
                f"{info.since} on (target is {version}); see SL106 for what a native "
                "sidecar becomes on this version, or raise --kubernetes-version"
            ), None
        if _newer(info.since, version):
            return (
                f"{subject}: '{key}' exists only from Kubernetes {info.since} on "
                f"(target is {version}); raise --kubernetes-version or remove it"
            ), None
        if info.until is not None:
            return (
                f"{subject}: '{key}' was removed after Kubernetes {info.until} "
                f"(target is {version})"
            ), None
    valid = sorted(tables.fields(type_name, version))
    lowered = {f.lower(): f for f in valid}
    guess = lowered.get(key.lower()) or next(
        iter(difflib.get_close_matches(key, valid, n=1, cutoff=0.7)), None
    )
    if guess:
        return f"{subject}; did you mean '{guess}'?", guess
    return (
        f"{subject}; the API server rejects it under strict validation and drops it otherwise",
        None,
    )


def _newer(since: str, version: str) -> bool:
    a, b = (tuple(int(p) for p in v.split(".")) for v in (since, version))
    return a > b


def _owner(
    containers: dict[Pointer, ContainerView], pointer: Pointer, itself: bool = False
) -> ContainerView | None:
    """The container ``pointer`` lies in: the nearest container among its prefixes.

    ``itself`` counts ``pointer`` itself as one of them.
    """
    for i in range(len(pointer) - (0 if itself else 1), 0, -1):
        found = containers.get(pointer[:i])
        if found is not None:
            return found
    return None


def _duplicates(workload: Workload) -> Iterator[Violation]:
    doc = workload.document
    prefix = workload.template_pointer
    containers = {c.pointer: c for c in workload.containers}
    for dup in doc.duplicate_keys:
        if dup.mapping[: len(prefix)] != prefix:
            continue
        owner = containers.get(dup.mapping) or _owner(containers, dup.mapping)
        line = dup.first[0] + 1
        yield Violation(
            f"{workload.ref.display()}: duplicate key '{dup.key}' (first set on line {line}); "
            "YAML keeps only the last value and the API server rejects duplicate fields",
            span=doc.source.to_span(dup.second),
            container=owner,
            pointer=(*dup.mapping, dup.key),
        )
