"""SL601: OpenKruise SidecarSets that the Kruise admission webhook would reject.

The webhook's checks are mirrored here so the mistake shows up in review, not
as a failed ``kubectl apply``. Container-level core validation (unknown
fields, duplicate names, probes on plain init containers, quantities,
undeclared mounts) is left to the generic rules, which see a SidecarSet as a
workload whose containers are all sidecars.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sidecar_lint.bounded import bounded_text
from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Pointer
from sidecar_lint.model import ContainerView, Role, Violation, Workload

_NAME = re.compile(r"^[a-zA-Z0-9-]+$")
_INJECT_POLICIES = ("BeforeAppContainer", "AfterAppContainer")
_SHARE_POLICIES = ("enabled", "disabled")
_UPDATE_TYPES = ("NotUpdate", "RollingUpdate")
_REVISION_POLICIES = ("Always", "Partial")
_PATCH_POLICIES = ("Retain", "Overwrite", "MergePatchJson")
_FIELD_REF = re.compile(r"^metadata\.(?:name|labels\[.+\]|annotations\[.+\])$")
_INT_OR_PERCENT = re.compile(r"^(?:0|[1-9][0-9]*)%?$")


@check("invalid_sidecarset")
def invalid_sidecarset(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Everything the SidecarSet webhook checks without a cluster."""
    if workload.kind.kind != "SidecarSet" or workload.kind.group != "apps.kruise.io":
        return
    label = workload.ref.display()
    yield from _name(workload, label)
    spec = workload.spec
    yield from _selectors(spec, label)
    if not workload.in_list("containers") and not workload.in_list("initContainers"):
        yield Violation(
            f"{label}: no initContainer or container defined for SidecarSet; add the sidecar "
            "to spec.containers or spec.initContainers",
            pointer=("spec",),
            target="key",
        )
    strategy = spec.get("updateStrategy")
    strategy = strategy if isinstance(strategy, dict) else {}
    yield from _update_strategy(strategy, label)
    for container in workload.containers:
        yield from _container(container, strategy, label)
    yield from _injection_strategy(spec.get("injectionStrategy"), label)
    yield from _patch_metadata(spec.get("patchPodMetadata"), label)


def _name(workload: Workload, label: str) -> Iterator[Violation]:
    name = workload.ref.name
    if name is None:
        return
    if not _NAME.match(name) or len(name) > 63:
        yield Violation(
            f"{label}: sidecarset name must consist of alphanumeric characters or '-' and be "
            "at most 63 characters; rename it (dots and underscores are rejected)",
            pointer=("metadata", "name"),
        )


def _selectors(spec: Mapping[str, Any], label: str) -> Iterator[Violation]:
    selector = spec.get("selector")
    if selector is None:
        yield Violation(
            f"{label}: no selector defined for SidecarSet; add spec.selector.matchLabels for "
            "the pods that should get these sidecars",
            pointer=("spec",),
            target="key",
        )
    elif _empty_selector(selector):
        yield Violation(
            f"{label}: empty selector is not valid for sidecarset (it would inject into every "
            "pod); give spec.selector matchLabels or matchExpressions",
            pointer=("spec", "selector"),
            target="key",
        )
    namespace_selector = spec.get("namespaceSelector")
    if namespace_selector is not None and _empty_selector(namespace_selector):
        yield Violation(
            f"{label}: empty namespaceSelector is not valid; remove it or give it matchLabels",
            pointer=("spec", "namespaceSelector"),
            target="key",
        )


def _empty_selector(selector: Any) -> bool:
    if not isinstance(selector, dict):
        return True
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _update_strategy(strategy: Mapping[str, Any], label: str) -> Iterator[Violation]:
    at: Pointer = ("spec", "updateStrategy")
    kind = strategy.get("type", "RollingUpdate")
    if kind not in _UPDATE_TYPES:
        yield Violation(
            f"{label}: unsupported updateStrategy.type {_brief(kind)}; use NotUpdate or "
            "RollingUpdate",
            pointer=(*at, "type"),
        )
    if "selector" in strategy and _empty_selector(strategy["selector"]):
        yield Violation(
            f"{label}: empty updateStrategy.selector is not valid; remove it or give it "
            "matchLabels",
            pointer=(*at, "selector"),
            target="key",
        )
    if kind == "RollingUpdate" and "partition" in strategy and "selector" in strategy:
        yield Violation(
            f"{label}: Partition and Selector cannot be used together in updateStrategy; keep one",
            pointer=(*at, "partition"),
            target="key",
        )
    for key in ("partition", "maxUnavailable"):
        value = strategy.get(key)
        if value is None:
            continue
        if (
            not isinstance(value, int | str)
            or isinstance(value, bool)
            or not _INT_OR_PERCENT.match(str(value))
        ):
            yield Violation(
                f"{label}: updateStrategy.{key} must be a non-negative integer or a "
                f"percentage such as '10%', not {_brief(value)}",
                pointer=(*at, key),
            )


def _container(
    container: ContainerView, strategy: Mapping[str, Any], label: str
) -> Iterator[Violation]:
    spec = container.spec
    who = f"{label}: {container.list_key[:-1]} {container.label()}"
    policy = spec.get("podInjectPolicy")
    if container.list_key == "containers" and policy is not None and policy not in _INJECT_POLICIES:
        yield Violation(
            f"{who}: unsupported pod inject policy {_brief(policy)}; use BeforeAppContainer or "
            "AfterAppContainer",
            pointer=container.at("podInjectPolicy"),
            container=container,
        )
    share = spec.get("shareVolumePolicy")
    if isinstance(share, dict) and share.get("type") not in _SHARE_POLICIES:
        yield Violation(
            f"{who}: unsupported share volume policy {_brief(share.get('type'))}; use enabled or "
            "disabled",
            pointer=container.at("shareVolumePolicy", "type"),
            container=container,
        )
    yield from _transfer_env(container, who)
    yield from _resources_policy(container, who)
    strategy_type = strategy.get("type", "RollingUpdate")
    if container.role is Role.NATIVE_SIDECAR and strategy_type == "RollingUpdate":
        explicit = "type" in strategy
        yield Violation(
            f"{who} is a native sidecar (restartPolicy: Always) and the updateStrategy is "
            f"{'RollingUpdate' if explicit else 'RollingUpdate by default'}: the webhook "
            "rejects this (the initContainer in-place upgrade is not currently supported); "
            "set spec.updateStrategy.type: NotUpdate",
            pointer=container.at("restartPolicy"),
            target="key",
            container=container,
        )


def _transfer_env(container: ContainerView, who: str) -> Iterator[Violation]:
    entries = container.spec.get("transferEnv")
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        source = entry.get("sourceContainerNameFrom")
        ref = source.get("fieldRef") if isinstance(source, dict) else None
        path = ref.get("fieldPath") if isinstance(ref, dict) else None
        if path is not None and not (isinstance(path, str) and _FIELD_REF.match(path)):
            yield Violation(
                f"{who}: transferEnv[{i}] fieldRef {_brief(path)} is not supported; only "
                "metadata.name, metadata.labels['…'] and metadata.annotations['…'] are",
                pointer=container.at(
                    "transferEnv", i, "sourceContainerNameFrom", "fieldRef", "fieldPath"
                ),
                container=container,
            )


def _resources_policy(container: ContainerView, who: str) -> Iterator[Violation]:
    policy = container.spec.get("resourcesPolicy")
    if policy is None:
        return
    at = container.at("resourcesPolicy")
    if container.list_key == "initContainers" and container.role is not Role.NATIVE_SIDECAR:
        yield Violation(
            f"{who}: resourcesPolicy is only supported for containers with RestartPolicy "
            "Always; make it a native sidecar or set resources directly",
            pointer=at,
            target="key",
            container=container,
        )
    if container.spec.get("resources"):
        yield Violation(
            f"{who}: resourcesPolicy and resources cannot be configured together; remove one",
            pointer=at,
            target="key",
            container=container,
        )
    if not isinstance(policy, dict):
        return
    if "targetContainersNameRegex" in policy and not policy["targetContainersNameRegex"]:
        yield Violation(
            f"{who}: resourcesPolicy.targetContainersNameRegex is empty (invalid empty "
            "regex); remove it to match every container, or give a pattern",
            pointer=(*at, "targetContainersNameRegex"),
            container=container,
        )
    expr = policy.get("resourcesExpr")
    if not isinstance(expr, dict) or not (expr.get("limits") or expr.get("requests")):
        yield Violation(
            f"{who}: resourcesPolicy needs at least one of limits or requests under resourcesExpr",
            pointer=at,
            target="key",
            container=container,
        )


def _injection_strategy(strategy: Any, label: str) -> Iterator[Violation]:
    if not isinstance(strategy, dict):
        return
    revision = strategy.get("revision")
    if not isinstance(revision, dict):
        return
    at: Pointer = ("spec", "injectionStrategy", "revision")
    if not revision.get("revisionName") and not revision.get("customVersion"):
        yield Violation(
            f"{label}: revisionName and customVersion cannot be empty simultaneously in "
            "injectionStrategy.revision; set one of them",
            pointer=at,
            target="key",
        )
    policy = revision.get("policy")
    if policy is not None and policy not in _REVISION_POLICIES:
        yield Violation(
            f"{label}: invalid injectionStrategy.revision.policy {_brief(policy)}; supported: "
            "Always, Partial",
            pointer=(*at, "policy"),
        )


def _patch_metadata(patches: Any, label: str) -> Iterator[Violation]:
    if not isinstance(patches, list):
        return
    seen: set[str] = set()
    for i, patch in enumerate(patches):
        if not isinstance(patch, dict):
            continue
        at: Pointer = ("spec", "patchPodMetadata", i)
        annotations = patch.get("annotations")
        if not annotations:
            yield Violation(
                f"{label}: no annotations defined for patchPodMetadata[{i}]; add the "
                "annotations to patch or remove the entry",
                pointer=at,
            )
        policy = patch.get("patchPolicy")
        if not policy:
            yield Violation(
                f"{label}: no patchPolicy defined for patchPodMetadata[{i}]; set Retain, "
                "Overwrite or MergePatchJson",
                pointer=at,
            )
        elif policy not in _PATCH_POLICIES:
            yield Violation(
                f"{label}: unsupported patchPolicy {_brief(policy)} in patchPodMetadata[{i}]; use "
                "Retain, Overwrite or MergePatchJson",
                pointer=(*at, "patchPolicy"),
            )
        if isinstance(annotations, dict):
            for key in annotations:
                if key in seen:
                    yield Violation(
                        f"{label}: patch annotation[{key}] already exist in an earlier "
                        "patchPodMetadata entry; merge the two",
                        pointer=(*at, "annotations", key),
                        target="key",
                    )
                seen.add(str(key))


def _brief(value: Any) -> str:
    """``repr`` of a value, cut short: an aliased list or mapping is never expanded."""
    return bounded_text(value, limit=200, python=True)
