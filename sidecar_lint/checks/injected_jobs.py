"""SL203: an admission webhook will give a run-to-completion pod a sidecar that never exits.

The manifest shows no sidecar, yet the pod that runs has one: Istio,
Linkerd, Vault, Dapr, Consul or the OpenTelemetry Operator add their proxy or
agent as a regular container when the pod is admitted, and a Job's pod
completes only when every regular container has exited. Which injectors act
on the pod, and whether their sidecar is native, is decided once for the
workload view (:mod:`sidecar_lint.injectors`); this check judges it.

The finding sits on the label or annotation that turns injection on (an
error: the pod asks for it), or on the pod template's ``metadata`` when the
namespace or the configuration does (a warning, naming where). It stays
silent for a native sidecar the cluster supports, for an injector that stops
its sidecar itself (Kuma's control plane does), when the main container
already calls the sidecar's shutdown endpoint, and on a manifest that was
already injected (SL201 judges the containers written there).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.findings import Severity
from sidecar_lint.fix_intents import FixIntent, SetEntry
from sidecar_lint.model import Injection, Role, Violation, Workload
from sidecar_lint.pointers import get_at
from sidecar_lint.roles import command_line


@check("job_injected_sidecar")
def job_injected_sidecar(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """One finding per injector whose regular-container sidecar would hold the pod open."""
    if not (workload.injections or workload.sidecarsets) or not workload.runs_to_completion:
        return
    yield from _sidecarset_sidecars(workload)
    native_cluster = ctx.options.gate_enabled("SidecarContainers")
    commands = [command_line(c.spec) for c in workload.containers if c.role is not Role.INIT]
    for injection in workload.injections:
        job = injection.injector.job
        if injection.already or job.stops_itself:
            continue
        sidecar = next((c for c in injection.containers if c.role is Role.SIDECAR), None)
        native = next((c for c in injection.containers if c.role is Role.NATIVE_SIDECAR), None)
        if native is not None and native_cluster:
            continue
        if sidecar is None and native is None:
            continue  # nothing runs beside the app (Vault's pre-populate-only)
        if job.quit_call and any(re.search(job.quit_call, line) for line in commands):
            continue
        name = (sidecar or native).name  # type: ignore[union-attr]
        yield _violation(workload, injection, name, native is not None, native_cluster)


def _violation(
    workload: Workload, injection: Injection, name: str, native: bool, native_cluster: bool
) -> Violation:
    cause = injection.cause
    title = injection.injector.title
    kind = workload.ref.kind or "pod"
    subject = "the Job" if kind in ("Job", "CronJob") else f"the {kind}"
    if native:
        what = (
            f"{title} will inject '{name}' as a native sidecar ({injection.native_why}), but the "
            "target cluster has no native sidecars (the SidecarContainers feature gate is off), "
            "so it runs as a regular container"
        )
    else:
        what = (
            f"{title} will inject its sidecar '{name}' as a regular container "
            f"({injection.native_why})"
        )
    text = (
        f"{workload.ref.display()}: {what} because of {cause.describe()}; the pod never "
        f"completes: the sidecar keeps running after the work is done and {subject} stays "
        f"active; {_remedies(injection, native_cluster)}"
    )
    intent = _fix(workload, injection, native, native_cluster)
    if cause.pointer is not None:
        return Violation(text, pointer=cause.pointer, target="key", intent=intent)
    metadata = (*workload.template_pointer, "metadata")
    written = isinstance(get_at(workload.document.data, metadata), dict)
    pointer = metadata if written else workload.template_pointer
    return Violation(text, pointer=pointer, target="key", severity=Severity.WARNING, intent=intent)


def _fix(
    workload: Workload, injection: Injection, native: bool, native_cluster: bool
) -> FixIntent | None:
    """The pod annotation that ends the problem: Vault's pre-populate-only, or native mode."""
    injector = injection.injector
    kinds = [r.kind for r in injector.job.remedies]
    annotations = (*workload.template_pointer, "metadata", "annotations")
    key, value = None, None
    if "pre-populate" in kinds:
        key = next(
            (u.key for c in injector.containers for u in c.unless if "true" in u.values), None
        )
        value = "true"
    elif "native" in kinds and native_cluster and not native and injector.native is not None:
        first = next(iter(injector.native.annotations), None)
        if first is not None and first.on:
            key, value = first.key, first.on[0]
    if key is None or value is None:
        return None
    return FixIntent(
        "injector-annotation",
        f'annotate the pod template with {key}: "{value}"',
        SetEntry(annotations, key, value),
    )


def _remedies(injection: Injection, native_cluster: bool) -> str:
    """The injector's remedies, in order of preference, that the target cluster can use."""
    usable = [
        r.text for r in injection.injector.job.remedies if r.kind != "native" or native_cluster
    ]
    if not usable:
        return "make the sidecar stop when the work is done"
    first, *rest = usable
    return first + "".join(f"; else {r}" for r in rest)


#: Kruise's SidecarTerminator stops a sidecar that carries this env set to "true".
_TERMINATOR_ENV = "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT"


def _sidecarset_sidecars(workload: Workload) -> Iterator[Violation]:
    """A SidecarSet's regular containers in a pod that should complete (a warning)."""
    metadata = (*workload.template_pointer, "metadata")
    written = isinstance(get_at(workload.document.data, metadata), dict)
    for injection in workload.sidecarsets:
        facts = injection.sidecarset
        for sidecar in injection.containers:
            if sidecar.role is not Role.SIDECAR or _terminated(sidecar.spec):
                continue
            yield Violation(
                f"{workload.ref.display()}: SidecarSet {facts.name} ({facts.origin}) selects "
                f"this pod and injects '{sidecar.name}' as a regular container "
                f"({facts.where('containers', sidecar.index)}), so the pod never completes; "
                "move it to the SidecarSet's initContainers with restartPolicy: Always (a native "
                "sidecar; the SidecarSet then needs updateStrategy.type: NotUpdate), or narrow "
                "its selector so it does not select this pod",
                pointer=metadata if written else workload.template_pointer,
                target="key",
                severity=Severity.WARNING,
            )


def _terminated(spec: object) -> bool:
    env = spec.get("env") if isinstance(spec, dict) else None
    return any(
        isinstance(e, dict) and e.get("name") == _TERMINATOR_ENV and e.get("value") == "true"
        for e in (env if isinstance(env, list) else [])
    )
