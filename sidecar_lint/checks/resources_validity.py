"""SL109: resource quantities the API rejects, and requests above their limits.

Every value of a resource list is checked with Kubernetes' own quantity
grammar (:mod:`sidecar_lint.quantity`): container ``resources.requests`` and
``resources.limits`` in every container list, the pod-level
``spec.resources``, ``spec.overhead``, ``emptyDir.sizeLimit`` and the storage
requests of generic ephemeral volumes and StatefulSet claim templates.

What is reported, each at the value it concerns:

* text the grammar rejects (``1GB``, ``100mi``, ``0.5 Gi``), values that are no
  quantity at all (``cpu: [1]``, ``true``, a mapping) — the API cannot decode
  them — and empty values (``memory:`` with nothing after it, which the API
  silently reads as 0, the usual trace of a template that rendered nothing);
* negative quantities (``must be greater than or equal to 0``);
* extended resources (``nvidia.com/gpu``) that are not whole numbers
  (``must be an integer``);
* fractional bytes for memory, ephemeral-storage, storage and hugepages
  (``memory: 100m`` is a tenth of a byte — the API only warns, the container
  gets a limit it cannot live with);
* a request above its limit for the same resource, compared exactly (``1Gi``
  == ``1024Mi`` == ``1073741824``, ``0.5`` == ``500m``), and, for resources that
  cannot be overcommitted (extended resources, hugepages), a request that is
  not equal to its limit.

A request without a limit, or a limit without a request, is fine: the API
copies the limit into a missing request.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sidecar_lint.bounded import bounded_text
from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Pointer
from sidecar_lint.model import ContainerView, Violation, Workload
from sidecar_lint.pointers import get_at
from sidecar_lint.quantity import QuantityError, quantity_from_manifest

_BYTE_RESOURCES = frozenset({"memory", "ephemeral-storage", "storage"})
_GENERIC_HINT = 'write a number with an optional suffix, such as "500m", "2", "256Mi" or "1Gi"'


@dataclass(frozen=True)
class _Requirements:
    """One place that holds quantities: a requests/limits pair or a single list."""

    label: str  # how the message names the place, e.g. "container 'app'"
    pointer: Pointer  # where ``path`` starts
    path: str  # written path of the mapping that holds ``requests``/``limits``
    container: ContainerView | None
    requests: Any
    limits: Any = None
    compare: bool = True  # request <= limit applies (not to claims and single lists)
    request_key: str = "requests"
    limit_key: str = "limits"


@check("invalid_resource_quantity")
def invalid_resource_quantity(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Check every resource list of the pod template, then compare requests with limits."""
    subject = workload.ref.display()
    for req in _requirements(workload):
        parsed: dict[str, dict[str, decimal.Decimal]] = {}
        for key, values in ((req.request_key, req.requests), (req.limit_key, req.limits)):
            if not isinstance(values, dict):
                continue  # absent or mistyped: the field rules report a wrong type
            parsed[key] = {}
            for name, value in values.items():
                if not isinstance(name, str):
                    continue
                pointer = (*req.pointer, key, name) if key else (*req.pointer, name)
                where = f"{req.path}.{key}.{name}" if key else f"{req.path}.{name}"
                problem, amount = _check_value(name, value)
                if problem is not None:
                    yield Violation(
                        f"{subject}: {req.label}: {where} {problem}",
                        pointer=pointer,
                        container=req.container,
                    )
                elif amount is not None:
                    parsed[key][name] = amount
        if req.compare:
            yield from _compare(subject, req, parsed)
    yield from _annotated_quantities(workload)


def _annotated_quantities(workload: Workload) -> Iterator[Violation]:
    """Quantities in an injector's resource annotations, checked at the annotation's value.

    The webhook copies them into the sidecar it adds: Istio verbatim (the pod is then
    rejected), Linkerd and Dapr drop them, Consul refuses the pod.
    """
    annotations = workload.annotations
    for injection in workload.injections:
        spec = injection.injector.resources
        for entry in spec.annotations if spec else []:
            if entry.key not in annotations:
                continue
            problem, _ = _check_value(entry.resource, annotations[entry.key])
            if problem is None:
                continue
            yield Violation(
                f"{workload.ref.display()}: annotation {entry.key} (the {injection.injector.title} "
                f"sidecar's {entry.section}.{entry.resource}) {problem}",
                pointer=(*workload.template_pointer, "metadata", "annotations", entry.key),
            )


def _requirements(workload: Workload) -> Iterator[_Requirements]:
    """Every resource list of the template, each with its place and label."""
    spec = workload.spec
    for c in workload.containers:
        resources = c.spec.get("resources")
        if isinstance(resources, dict):
            yield _Requirements(
                f"container {c.label()}",
                c.at("resources"),
                "resources",
                c,
                resources.get("requests"),
                resources.get("limits"),
            )
    resources = spec.get("resources")
    if isinstance(resources, dict):
        yield _Requirements(
            "pod-level resources",
            workload.spec_at("resources"),
            "spec.resources",
            None,
            resources.get("requests"),
            resources.get("limits"),
        )
    if "overhead" in spec:
        yield _Requirements(
            "pod overhead",
            workload.spec_at(),
            "spec",
            None,
            spec.get("overhead"),
            compare=False,
            request_key="overhead",
        )
    yield from _volume_requirements(workload)


def _volume_requirements(workload: Workload) -> Iterator[_Requirements]:
    volumes = workload.spec.get("volumes")
    for i, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(volume, dict):
            continue
        name = volume.get("name")
        label = f"volume '{name}'" if isinstance(name, str) and name else f"volumes[{i}]"
        empty_dir = volume.get("emptyDir")
        if isinstance(empty_dir, dict) and "sizeLimit" in empty_dir:
            yield _Requirements(
                label,
                workload.spec_at("volumes", i, "emptyDir"),
                "emptyDir",
                None,
                {"sizeLimit": empty_dir.get("sizeLimit")},
                compare=False,
                request_key="",
            )
        claim_spec = get_at(volume, ("ephemeral", "volumeClaimTemplate", "spec", "resources"))
        if isinstance(claim_spec, dict):
            yield _claim(
                label,
                (*workload.spec_at("volumes", i), "ephemeral", "volumeClaimTemplate"),
                "ephemeral.volumeClaimTemplate",
                claim_spec,
            )
    yield from _claim_templates(workload)


def _claim_templates(workload: Workload) -> Iterator[_Requirements]:
    """``spec.volumeClaimTemplates`` of a StatefulSet (or a kind that copies them)."""
    if workload.template_pointer != ("spec", "template"):
        return
    templates = get_at(workload.document.data, ("spec", "volumeClaimTemplates"))
    for i, template in enumerate(templates if isinstance(templates, list) else []):
        resources = get_at(template, ("spec", "resources"))
        if not isinstance(resources, dict):
            continue
        name = get_at(template, ("metadata", "name"))
        label = f"claim template '{name}'" if isinstance(name, str) else f"claim template {i}"
        yield _claim(label, ("spec", "volumeClaimTemplates", i), "", resources)


def _claim(label: str, base: Pointer, path: str, resources: Mapping[str, Any]) -> _Requirements:
    return _Requirements(
        label,
        (*base, "spec", "resources"),
        f"{path}.spec.resources" if path else "spec.resources",
        None,
        resources.get("requests"),
        resources.get("limits"),
        compare=False,
    )


def _check_value(name: str, value: object) -> tuple[str | None, decimal.Decimal | None]:
    """What is wrong with one quantity (or None), and its exact value when it has one."""
    if value is None:
        return (
            "is empty; the API reads an empty quantity as 0, which is never what a template "
            "meant — set a quantity or remove the key",
            None,
        )
    try:
        amount = quantity_from_manifest(value)
    except QuantityError as err:
        shown = _shown(value)
        return f"{shown} is not a valid quantity ({err.reason}); {err.hint or _GENERIC_HINT}", None
    if amount < 0:
        return (
            f"is {_shown(value)}, a negative quantity; the API rejects it (must be greater than or "
            f"equal to 0) — use a positive amount or remove the key",
            None,
        )
    if _is_extended(name) and amount != amount.to_integral_value():
        return (
            f"is {_shown(value)}; an extended resource is counted in whole units, and the API "
            f"rejects fractions (must be an integer) — use {_whole(amount)} or another whole "
            "number",
            None,
        )
    if _is_bytes(name) and amount != amount.to_integral_value():
        return f"is {_shown(value)}, which is a fraction of a byte; {_byte_hint(value)}", None
    return None, amount


def _compare(
    subject: str, req: _Requirements, parsed: dict[str, dict[str, decimal.Decimal]]
) -> Iterator[Violation]:
    requests = parsed.get(req.request_key, {})
    limits = parsed.get(req.limit_key, {})
    assert isinstance(req.requests, dict) or not requests
    for name, request in requests.items():
        limit = limits.get(name)
        if limit is None:
            continue
        overcommitted = not _overcommit_allowed(name) and request != limit
        if not overcommitted and request <= limit:
            continue  # the common case: nothing to say, so nothing to format
        shown_request = _shown(req.requests[name])
        assert isinstance(req.limits, dict)
        shown_limit = _shown(req.limits[name])
        where = f"{req.path}.{req.request_key}.{name}"
        if overcommitted:
            kind = "hugepages" if name.startswith("hugepages-") else "an extended resource"
            message = (
                f"{subject}: {req.label}: {where} is {shown_request} but the limit is "
                f"{shown_limit}; {name} is {kind} and cannot be overcommitted, so the API "
                f"requires the request to equal the limit (must be equal to {name} limit) — "
                f"set both to the same amount"
            )
        elif request > limit:
            message = (
                f"{subject}: {req.label}: {where} is {shown_request}, above its limit "
                f"{shown_limit}; the API rejects a request above its limit (must be less than "
                f"or equal to {name} limit) — lower the request to at most {shown_limit} or "
                f"raise the limit"
            )
        else:
            continue
        yield Violation(
            message,
            pointer=(*req.pointer, req.request_key, name),
            container=req.container,
        )


def _shown(value: object) -> str:
    """A value the way the manifest wrote it, quoted when it is text (JSON style otherwise)."""
    if isinstance(value, float):
        return repr(value)
    return bounded_text(value)


def _is_bytes(name: str) -> bool:
    return name in _BYTE_RESOURCES or name.startswith("hugepages-")


def _is_native(name: str) -> bool:
    """Kubernetes' own resources: no domain, or a ``kubernetes.io/`` one."""
    return "/" not in name or "kubernetes.io/" in name


def _is_extended(name: str) -> bool:
    """``vendor.example/device`` resources, counted in whole units."""
    return not _is_native(name) and not name.startswith("requests.")


def _overcommit_allowed(name: str) -> bool:
    return _is_native(name) and not name.startswith("hugepages-")


def _whole(amount: decimal.Decimal) -> str:
    return str(max(int(amount.to_integral_value(rounding=decimal.ROUND_CEILING)), 1))


def _byte_hint(value: object) -> str:
    """Fix advice for fractional bytes; ``100m`` almost always meant ``100Mi``."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("m") and text[:-1].replace(".", "", 1).isdigit():
            number = text[:-1]
            return (
                f"the suffix 'm' means milli (1/1000), not mega — write "
                f'"{number}Mi" (mebibytes) or "{number}M" (megabytes)'
            )
    return (
        "the API warns that fractional byte values are invalid; use a whole number of "
        'bytes or a suffix such as "512Mi" or "1Gi"'
    )
