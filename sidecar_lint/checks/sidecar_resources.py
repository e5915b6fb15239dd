"""SL401 and SL402: how much a sidecar may take from the pod it serves.

SL401 compares each CPU and memory request and limit a sidecar writes with
the main container's (the largest one when there are several) times
``maxRatio``, and with fixed caps (``maxCpu``, ``maxMemory``). A request the
main container leaves out defaults to its limit, as the API server does; a
main container that sets neither leaves only the caps. Quantities are
compared exactly (``1Gi`` is ``1024Mi``); values that do not parse are
another rule's business and are skipped.

SL402 asks every sidecar for a memory limit and for CPU and memory requests
(a request may come from the limit it defaults to). With pod-level
resources (``spec.resources``, on by default from Kubernetes 1.34) the pod's
own values count for every container.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Pointer, Target
from sidecar_lint.model import ContainerView, Injection, Violation, Workload
from sidecar_lint.quantity import QuantityError, format_quantity, quantity_from_manifest
from sidecar_lint.workload import is_patch

RESOURCES = ("cpu", "memory")
SECTIONS = ("requests", "limits")

#: Pod-level ``spec.resources`` is on by default (beta) from this version.
POD_LEVEL_RESOURCES_DEFAULT = "1.34"


def _as_configured(value: str | float) -> Any:
    """A default as a user writes it in the configuration; ``validate_default`` parses it."""
    return value


class SidecarResourceParams(BaseModel):
    """Parameters of SL401: names, types and defaults (its rule file documents them).

    Defaults are written as a user would write them in the configuration
    (``"1Gi"``), so the docs show them that way, and validated like user input.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, validate_default=True
    )

    max_cpu: Decimal | None = Field(default=_as_configured("1"), alias="maxCpu")
    max_memory: Decimal | None = Field(default=_as_configured("1Gi"), alias="maxMemory")
    max_ratio: Decimal | None = Field(default=_as_configured(1.0), alias="maxRatio")

    @field_validator("max_cpu", "max_memory", mode="before")
    @classmethod
    def _quantity(cls, value: Any) -> Decimal | None:
        if value is None:
            return None
        parsed = quantity_from_manifest(value)  # QuantityError is a ValueError
        if parsed <= 0:
            raise ValueError("a cap must be a positive quantity, or null for no cap")
        return parsed

    @field_validator("max_ratio", mode="before")
    @classmethod
    def _ratio(cls, value: Any) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{_RATIO} must be a positive number, or null to skip the comparison")
        try:
            ratio = Decimal(str(value).strip())
        except ArithmeticError as err:
            raise ValueError(f"{_RATIO} must be a number, not {value!r}") from err
        if not ratio.is_finite() or ratio <= 0:
            raise ValueError(f"{_RATIO} must be a positive number")
        return ratio

    def cap(self, resource: str) -> Decimal | None:
        return self.max_cpu if resource == "cpu" else self.max_memory


def _alias(field: str) -> str:
    """The name a parameter has in rule files, configuration and messages."""
    return SidecarResourceParams.model_fields[field].alias or field


_RATIO = _alias("max_ratio")
#: The cap parameter of each resource, by its configuration name.
_CAP_PARAM = {"cpu": _alias("max_cpu"), "memory": _alias("max_memory")}


@dataclass(frozen=True)
class _Amount:
    """A quantity as written in the manifest, and its exact value."""

    text: str
    value: Decimal
    section: str  # where it was written: requests or limits


def _read(container: ContainerView, section: str, resource: str) -> _Amount | None:
    """The value written at resources.<section>.<resource>, if present and valid."""
    resources = container.spec.get("resources")
    table = resources.get(section) if isinstance(resources, dict) else None
    if not isinstance(table, dict) or resource not in table:
        return None
    raw = table[resource]
    try:
        value = quantity_from_manifest(raw)
    except QuantityError:
        return None
    text = raw.strip() if isinstance(raw, str) else str(raw)
    return _Amount(text, value, section)


def _effective(container: ContainerView, section: str, resource: str) -> _Amount | None:
    """What the API server will use: a missing request defaults to the limit."""
    amount = _read(container, section, resource)
    if amount is None and section == "requests":
        amount = _read(container, "limits", resource)
    return amount


@check("sidecar_resources_exceed_main", params=SidecarResourceParams)
def sidecar_resources_exceed_main(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag sidecar requests/limits above the main container's times maxRatio, or above caps.

    Injected sidecars are judged too: a predicted one on the values its annotations set (at
    the annotation), an already-injected one unless the value is the injector's shipped
    default (the mesh operator's choice), with the annotation to change named.
    """
    params: SidecarResourceParams = ctx.params
    mains = workload.mains
    for sidecar in workload.sidecars:
        injection = _injected_by(workload, sidecar)
        for section in SECTIONS:
            for resource in RESOURCES:
                judged = _judge(sidecar, mains, params, section, resource)
                if judged is None:
                    continue
                mine, reasons, limit = judged
                if injection is not None and _shipped(injection, section, resource, mine):
                    continue
                yield Violation(
                    _exceed_message(workload, sidecar, section, resource, mine, reasons, limit)
                    + _annotation_hint(injection, section, resource),
                    pointer=sidecar.at("resources", section, resource),
                    container=sidecar,
                )
    for injection, sidecar in _predicted_sidecars(workload):
        for (section, resource), source in injection.resource_sources.items():
            if source is None:  # a configured default: the mesh operator's choice
                continue
            judged = _judge(sidecar, mains, params, section, resource)
            if judged is None:
                continue
            mine, reasons, limit = judged
            yield Violation(
                _exceed_message(workload, sidecar, section, resource, mine, reasons, limit)
                + f" (it is set by the annotation {source[-1]})",
                pointer=source,
            )


def _judge(
    sidecar: ContainerView,
    mains: Sequence[ContainerView],
    params: SidecarResourceParams,
    section: str,
    resource: str,
) -> tuple[_Amount, list[str], str] | None:
    """A sidecar value above the main container's or the cap: the value, why, the bound."""
    mine = _read(sidecar, section, resource)
    if mine is None:
        return None
    reasons = []
    largest = _largest(mains, section, resource)
    if largest is not None and params.max_ratio is not None:
        main, theirs = largest
        allowed = theirs.value * params.max_ratio
        if mine.value > allowed:
            reasons.append(_versus_main(main, theirs, section, params.max_ratio, mains))
    cap = params.cap(resource)
    if cap is not None and mine.value > cap:
        reasons.append(f"above the sidecar cap of {_show(cap, resource)} ({_param(resource)})")
    if not reasons:
        return None
    return mine, reasons, _limit_text(largest, params, resource)


def _exceed_message(
    workload: Workload,
    sidecar: ContainerView,
    section: str,
    resource: str,
    mine: _Amount,
    reasons: Sequence[str],
    limit: str,
) -> str:
    what = (
        f"requests {resource} {mine.text}"
        if section == "requests"
        else f"has a {resource} limit of {mine.text}"
    )
    return (
        f"{workload.ref.display()}: sidecar {sidecar.label()} {what}, "
        f"{' and '.join(reasons)}; lower its {section}.{resource} to {limit} or "
        f"less, or raise {_raise_hint(reasons, resource)} if it really needs that much"
    )


def _predicted_sidecars(workload: Workload) -> list[tuple[Injection, ContainerView]]:
    """The sidecars injectors will add to the pod, with their injection."""
    return [(i, c) for i in workload.injections for c in i.containers if c.is_sidecar]


def _injected_by(workload: Workload, container: ContainerView) -> Injection | None:
    """The injection that put ``container`` into this (already injected) manifest."""
    for injection in workload.injections:
        if injection.already and any(
            c.name == container.name for c in injection.injector.containers
        ):
            return injection
    return None


def _shipped(injection: Injection, section: str, resource: str, mine: _Amount) -> bool:
    """Whether a value is the injector's shipped default (equal as a quantity)."""
    spec = injection.injector.resources
    shipped: dict[str, Any] = {str(k): v for k, v in spec.shipped.items()} if spec else {}
    text = shipped.get(section, {}).get(resource)
    if text is None:
        return False
    try:
        return quantity_from_manifest(text) == mine.value
    except QuantityError:
        return False


def _annotation_hint(injection: Injection | None, section: str | None, resource: str | None) -> str:
    """For an injected container: the annotation to change (an edit here is overwritten).

    Without a section and resource, every resource annotation of the injector is named.
    """
    if injection is None:
        return ""
    spec = injection.injector.resources
    keys = [
        a.key
        for a in (spec.annotations if spec else [])
        if section is None or (a.section, a.resource) == (section, resource)
    ]
    key = ", ".join(keys) if keys else None
    title = injection.injector.title
    if key is None:
        return (
            f"; {title} injected this container and overwrites edits to it on the next "
            "injection: change the injector's settings instead"
        )
    return (
        f"; {title} injected this container and overwrites edits to it on the next "
        f"injection: set {key} on the pod template instead"
    )


def _largest(
    mains: Sequence[ContainerView], section: str, resource: str
) -> tuple[ContainerView, _Amount] | None:
    best: tuple[ContainerView, _Amount] | None = None
    for main in mains:
        amount = _effective(main, section, resource)
        if amount is None or amount.value <= 0:  # nothing to compare with
            continue
        if best is None or amount.value > best[1].value:
            best = (main, amount)
    return best


def _versus_main(
    main: ContainerView,
    theirs: _Amount,
    section: str,
    ratio: Decimal,
    mains: Sequence[ContainerView],
) -> str:
    who = "the largest main container" if len(mains) > 1 else "the main container"
    times = "" if ratio == 1 else f"{_number(ratio)} times "
    source = "" if theirs.section == section else ", its limit, which its request defaults to"
    return f"more than {times}{who} {main.label()} ({theirs.text}{source})"


def _limit_text(
    largest: tuple[ContainerView, _Amount] | None,
    params: SidecarResourceParams,
    resource: str,
) -> str:
    bounds = []
    if largest is not None and params.max_ratio is not None:
        bounds.append(largest[1].value * params.max_ratio)
    cap = params.cap(resource)
    if cap is not None:
        bounds.append(cap)
    return _show(min(bounds), resource)


def _raise_hint(reasons: Sequence[str], resource: str) -> str:
    cap = f"the rule's {_param(resource)}"
    if len(reasons) == 2:
        return f"the rule's {_RATIO} and {_param(resource)}"
    return cap if reasons[0].startswith("above") else f"the rule's {_RATIO}"


def _param(resource: str) -> str:
    return _CAP_PARAM[resource]


def _show(value: Decimal, resource: str) -> str:
    return format_quantity(value, binary=resource == "memory")


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


@check("sidecar_without_resources")
def sidecar_without_resources(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag sidecars without a memory limit or without CPU and memory requests."""
    pod: Any = None
    # An operator's own spec (Prometheus) is no PodSpec: its ``resources`` are its main container's.
    own_spec = workload.kind.pod_spec and bool(workload.kind.main_names)
    if ctx.options.kubernetes_version.at_least(POD_LEVEL_RESOURCES_DEFAULT) and not own_spec:
        pod = workload.spec.get("resources")
    for sidecar in workload.sidecars:
        if is_patch(workload, sidecar):  # the operator sets the generated container's resources
            continue
        own = sidecar.spec.get("resources")
        missing = []
        if not (_written(own, "limits", "memory") or _written(pod, "limits", "memory")):
            missing.append("memory limit")
        for resource, label in (("cpu", "CPU request"), ("memory", "memory request")):
            if not any(_written(r, s, resource) for r in (own, pod) for s in SECTIONS):
                missing.append(label)
        if not missing:
            continue
        pointer: Pointer
        target: Target
        if "resources" in sidecar.spec:
            pointer, target = sidecar.at("resources"), "key"
        else:
            pointer, target = (sidecar.at("name") if sidecar.name else sidecar.pointer), "value"
        injection = _injected_by(workload, sidecar)
        hint = _annotation_hint(injection, None, None) if injection else ""
        yield Violation(
            _missing_message(workload, sidecar, missing) + hint,
            pointer=pointer,
            target=target,
            container=sidecar,
        )
    yield from _predicted_without_resources(workload, pod)


def _predicted_without_resources(workload: Workload, pod: Any) -> Iterator[Violation]:
    """Injected sidecars whose annotations and configured defaults leave something unset.

    Only when every value is known: an injector's own defaults are never guessed.
    """
    for injection, sidecar in _predicted_sidecars(workload):
        if not injection.resources_known:
            continue
        own = sidecar.spec.get("resources")
        missing = []
        if not (_written(own, "limits", "memory") or _written(pod, "limits", "memory")):
            missing.append("memory limit")
        for resource, label in (("cpu", "CPU request"), ("memory", "memory request")):
            if not any(_written(r, s, resource) for r in (own, pod) for s in SECTIONS):
                missing.append(label)
        if not missing:
            continue
        yield _predicted_missing(workload, injection, sidecar, missing)


def _predicted_missing(
    workload: Workload, injection: Injection, sidecar: ContainerView, missing: Sequence[str]
) -> Violation:
    spec = injection.injector.resources
    title = injection.injector.title
    wanted = {
        "memory limit": ("limits", "memory"),
        "CPU request": ("requests", "cpu"),
        "memory request": ("requests", "memory"),
    }
    keys = [
        a.key
        for label in missing
        for a in (spec.annotations if spec else [])
        if (a.section, a.resource) == wanted[label]
    ]
    annotated = [p for p in injection.resource_sources.values() if p is not None]
    text = (
        f"{workload.ref.display()}: {title} will inject sidecar {sidecar.label()} with "
        f"{_no(missing)}"
    )
    if annotated and spec is not None and spec.replaces_defaults:
        text += (
            f": setting any of {title}'s resource annotations replaces its whole default "
            "block, so what the annotations leave out is not set at all"
        )
    elif not annotated:
        text += f" (cluster.injectors.{injection.injector.id}.resources in the configuration)"
    text += f"; annotate the pod template with {_and(keys)}" if keys else ""
    if annotated:
        return Violation(text, pointer=annotated[0])
    if injection.cause.pointer is not None:
        return Violation(text, pointer=injection.cause.pointer, target="key")
    return Violation(text, pointer=(*workload.template_pointer, "metadata"), target="key")


def _written(resources: Any, section: str, resource: str) -> bool:
    """Whether ``<section>.<resource>`` is set in a resources mapping.

    Malformed parts count as set: a value that does not parse, or a section that is not a
    mapping, is reported by the validity rules and is not called missing here.
    """
    if resources is None:
        return False
    if not isinstance(resources, dict):
        return True
    if section not in resources:
        return False
    table = resources[section]
    if not isinstance(table, dict):
        return table is not None
    return table.get(resource) is not None


def _missing_message(workload: Workload, sidecar: ContainerView, missing: Sequence[str]) -> str:
    effects = []
    if "memory limit" in missing:
        effects.append(
            "a leak in it can exhaust the node's memory and get the whole pod OOM-killed"
        )
    if any(m.endswith("request") for m in missing):
        effects.append(
            "the scheduler reserves nothing for it and the pod is evicted earlier under pressure"
        )
    fields = [
        f"resources.{section}.{resource}"
        for label, section, resource in (
            ("CPU request", "requests", "cpu"),
            ("memory request", "requests", "memory"),
            ("memory limit", "limits", "memory"),
        )
        if label in missing
    ]
    return (
        f"{workload.ref.display()}: sidecar {sidecar.label()} sets {_no(missing)}, so "
        f"{', and '.join(effects)}; set {_and(fields)}, sized from its observed usage"
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _no(missing: Sequence[str]) -> str:
    return _and([f"no {m}" for m in missing])
