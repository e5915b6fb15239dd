"""SL102 and SL106: container-level ``restartPolicy`` and ``restartPolicyRules``.

What the API server accepts depends on the target version and on three
feature gates (see :mod:`sidecar_lint.feature_gates`); a gate is on when the
run's ``--feature-gates`` / ``featureGates`` says so, else by the version's
default:

* ``SidecarContainers`` — ``restartPolicy: Always`` on an init container
  (a native sidecar): alpha 1.28 (off), beta 1.29 (on), GA 1.33.
* ``ContainerRestartRules`` — ``restartPolicy`` on regular containers,
  ``Never``/``OnFailure`` on init containers, and ``restartPolicyRules``:
  alpha 1.34 (off), beta 1.35 (on).
* ``RestartAllContainersOnContainerExits`` — the ``RestartAllContainers``
  action, and restart rules on native sidecars: alpha 1.35 (off), beta 1.36 (on).

A key the target version does not know at all is SL101's to report; these
checks only judge keys that exist in the target version's API tables, so the
two rules never report the same key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sidecar_lint.bounded import bounded_text
from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.feature_gates import (
    CONTAINER_RESTART_RULES,
    FEATURE_GATES,
    RESTART_ALL_CONTAINERS,
    SIDECAR_CONTAINERS,
    FeatureGate,
)
from sidecar_lint.findings import Severity
from sidecar_lint.fix_intents import FixIntent, SetEntry
from sidecar_lint.k8s_fields import FieldTables
from sidecar_lint.model import ContainerView, Role, Violation, Workload
from sidecar_lint.pointers import format_pointer
from sidecar_lint.versions import KubeVersion

RESTART_POLICIES = ("Always", "Never", "OnFailure")
RULE_OPERATORS = ("In", "NotIn")
MAX_RULES = 20
MAX_EXIT_CODES = 255


class FeatureGateParams(BaseModel):
    """Deprecated rule parameter: feature gates for this rule only.

    Gates are a property of the cluster, so they are set once per run
    (``--feature-gates`` / ``featureGates:``); a rule's own ``featureGates``
    still works and is merged over the run-wide settings for that rule.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    feature_gates: dict[str, bool] = Field(default_factory=dict, alias="featureGates")

    @field_validator("feature_gates")
    @classmethod
    def _known_gates(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(FEATURE_GATES))
        if unknown:
            known = ", ".join(sorted(FEATURE_GATES))
            raise ValueError(f"unknown feature gate(s) {', '.join(unknown)}; known: {known}")
        return value


def _gates(ctx: CheckContext) -> Mapping[str, bool]:
    """The run's gate settings, with the rule's deprecated ``featureGates`` on top."""
    params = ctx.params
    own = params.feature_gates if isinstance(params, FeatureGateParams) else {}
    return {**ctx.options.feature_gates, **own} if own else ctx.options.feature_gates


def container_kind(container: ContainerView) -> str:
    """``container``, ``init container``, ``native sidecar`` or ``ephemeral container``."""
    if container.role is Role.NATIVE_SIDECAR:
        return "native sidecar"
    return {
        "initContainers": "init container",
        "ephemeralContainers": "ephemeral container",
    }.get(container.list_key, "container")


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def _shown(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else bounded_text(value, python=True)


def _plain(value: Any) -> str:
    """A value as written (an aliased list or mapping is cut short, never expanded)."""
    return value if isinstance(value, str) else bounded_text(value, python=True)


def _use(value: Any, choices: Sequence[str]) -> str:
    """``use Always`` / ``use one of In, NotIn; did you mean 'In'?``."""
    if len(choices) == 1:
        return f"use {choices[0]}"
    return "use one of " + ", ".join(choices) + _did_you_mean(value, choices)


def _did_you_mean(value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str):
        return ""
    lowered = {c.lower(): c for c in choices}
    guess = lowered.get(value.strip().lower()) or next(
        iter(difflib.get_close_matches(value, choices, n=1, cutoff=0.6)), None
    )
    return f"; did you mean '{guess}'?" if guess else ""


def _respell(c: ContainerView, value: Any, choices: Sequence[str]) -> FixIntent | None:
    """``always`` → ``Always``: only a value that is one choice in another case or spacing."""
    if not isinstance(value, str):
        return None
    same = [choice for choice in choices if choice.lower() == value.strip().lower()]
    if len(same) != 1:
        return None
    return FixIntent(
        "respell-restart-policy",
        f"write restartPolicy: {same[0]}",
        SetEntry(c.pointer, "restartPolicy", same[0]),
    )


def _present(spec: Mapping[str, Any], key: str) -> bool:
    """Set to something the API would keep (``null`` and ``[]`` count as unset)."""
    value = spec.get(key)
    return value is not None and value != []


# --------------------------------------------------------------------------- SL102


@check("container_restart_policy", params=FeatureGateParams)
def container_restart_policy(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Judge each container's restartPolicy and restartPolicyRules by the target version."""
    version = ctx.options.kubernetes_version
    tables = FieldTables.load()
    table_version = tables.nearest_version(str(version))
    gates = _gates(ctx)
    for c in workload.containers:
        type_name = "EphemeralContainer" if c.list_key == "ephemeralContainers" else "Container"
        policy_known = tables.exists_in(type_name, "restartPolicy", table_version)
        rules_known = tables.exists_in(type_name, "restartPolicyRules", table_version)
        has_policy = policy_known and _present(c.spec, "restartPolicy")
        has_rules = rules_known and _present(c.spec, "restartPolicyRules")
        if c.list_key == "ephemeralContainers":
            yield from _ephemeral(workload, c, has_policy, has_rules)
            continue
        if has_policy:
            yield from _policy(workload, c, version, gates)
        if has_rules:
            yield from _rules(workload, c, version, gates)


def _ephemeral(
    workload: Workload, c: ContainerView, has_policy: bool, has_rules: bool
) -> Iterator[Violation]:
    for key, present in (("restartPolicy", has_policy), ("restartPolicyRules", has_rules)):
        if present:
            yield Violation(
                f"{workload.ref.display()}: ephemeral container {c.label()} sets {key}, which "
                f"ephemeral containers never accept ({format_pointer(c.at(key))}: Forbidden: "
                f"cannot be set for an Ephemeral Container); remove {key} — debug containers are "
                "never restarted",
                pointer=c.at(key),
                target="key",
                container=c,
            )


def _policy(
    workload: Workload, c: ContainerView, version: KubeVersion, gates: Mapping[str, bool]
) -> Iterator[Violation]:
    value = c.spec["restartPolicy"]
    subject = f"{workload.ref.display()}: {container_kind(c)} {c.label()}"
    rules_on = CONTAINER_RESTART_RULES.enabled(version, gates)
    where = format_pointer(c.at("restartPolicy"))
    if c.list_key == "initContainers":
        supported = RESTART_POLICIES if rules_on else ("Always",)
        if value in supported:
            return
        if value in RESTART_POLICIES:  # Never/OnFailure before ContainerRestartRules
            advice = (
                f"remove it (the init container then follows the pod's restartPolicy), or use "
                f"Always to make {c.label()} a native sidecar; Never and OnFailure are accepted "
                f"on init containers from Kubernetes 1.35 ({_gate_story(CONTAINER_RESTART_RULES)})"
                + _gate_note(CONTAINER_RESTART_RULES, version, gates)
            )
        else:
            advice = _use(value, supported)
        yield Violation(
            f"{subject} sets restartPolicy: {_plain(value)}, which Kubernetes {version} does not "
            f"accept ({where}: Unsupported value: {_shown(value)}: supported values: "
            f"{_quoted(supported)}); {advice}",
            pointer=c.at("restartPolicy"),
            container=c,
            intent=_respell(c, value, supported),
        )
        return
    if not rules_on:
        hint = ""
        if value == "Always" and c.role in (Role.SIDECAR, Role.UNKNOWN):
            hint = (
                f" To make {c.label()} a native sidecar, move it to initContainers with "
                "restartPolicy: Always (Kubernetes 1.29+)."
            )
        yield Violation(
            f"{subject} sets restartPolicy, which Kubernetes {version} does not allow outside "
            f"initContainers ({where}: Forbidden: may not be set for non-init containers); "
            "remove it — the pod-level spec.restartPolicy applies — or target Kubernetes 1.35+, "
            f"where per-container restart policies are allowed "
            f"({_gate_story(CONTAINER_RESTART_RULES)})"
            f"{_gate_note(CONTAINER_RESTART_RULES, version, gates)}.{hint}",
            pointer=c.at("restartPolicy"),
            target="key",
            container=c,
        )
        return
    if value not in RESTART_POLICIES:
        yield Violation(
            f"{subject} sets restartPolicy: {_plain(value)} ({where}: Unsupported value: "
            f"{_shown(value)}: supported values: {_quoted(RESTART_POLICIES)}); "
            + _use(value, RESTART_POLICIES),
            pointer=c.at("restartPolicy"),
            container=c,
            intent=_respell(c, value, RESTART_POLICIES),
        )


def _gate_story(gate: FeatureGate) -> str:
    """``ContainerRestartRules: alpha in 1.34, on by default from 1.35``."""
    story = f"{gate.name}: alpha in {gate.alpha}, off by default"
    if gate.beta:
        story += f"; beta and on by default from {gate.beta}"
    return story


def _gate_note(gate: FeatureGate, version: KubeVersion, gates: Mapping[str, bool]) -> str:
    """Why an existing gate is off: its default (and how to say otherwise), or the settings."""
    if not gate.exists_in(version):
        return ""
    if gate.default(version):
        return (
            f"; {gate.name} is on by default in {version}, but this run's feature gates turn it off"
        )
    return f"; if your cluster enables {gate.name}, {gate.hint()}"


def _rules(
    workload: Workload, c: ContainerView, version: KubeVersion, gates: Mapping[str, bool]
) -> Iterator[Violation]:
    subject = f"{workload.ref.display()}: {container_kind(c)} {c.label()}"
    key_ptr = c.at("restartPolicyRules")
    where = format_pointer(key_ptr)
    if not CONTAINER_RESTART_RULES.enabled(version, gates):
        if CONTAINER_RESTART_RULES.default(version):
            state = "this run's feature gates turn it off"
            advice = "remove them, or drop ContainerRestartRules=false if the cluster has it on"
        else:
            state = (
                f"it is off by default in Kubernetes {version} "
                f"({_gate_story(CONTAINER_RESTART_RULES)})"
            )
            advice = (
                "remove them, or target 1.35+; if the gate is on for the API server and every "
                f"kubelet, {CONTAINER_RESTART_RULES.hint()}"
            )
        yield Violation(
            f"{subject} sets restartPolicyRules, which need the ContainerRestartRules feature "
            f"gate: {state}, so the rules do not take effect; {advice}",
            pointer=key_ptr,
            target="key",
            container=c,
        )
        return
    policy = c.spec.get("restartPolicy")
    all_on = RESTART_ALL_CONTAINERS.enabled(version, gates)
    if c.role is Role.NATIVE_SIDECAR and not all_on:
        yield Violation(
            f"{subject} sets restartPolicyRules, which Kubernetes {version} does not allow on a "
            f"native sidecar ({where}: Forbidden: restartPolicyRules are not allowed for init "
            "containers with restart policy Always); remove them — a sidecar is restarted "
            "whenever it exits anyway. Rules on sidecars (for the RestartAllContainers action) "
            f"are accepted from Kubernetes 1.36 ({_gate_story(RESTART_ALL_CONTAINERS)})"
            + _gate_note(RESTART_ALL_CONTAINERS, version, gates),
            pointer=key_ptr,
            target="key",
            container=c,
        )
        return
    if policy is None:
        yield Violation(
            f"{subject} sets restartPolicyRules without a container restartPolicy "
            f"({format_pointer(c.at('restartPolicy'))}: Required value: must specify restartPolicy "
            f"when restart rules are used); add restartPolicy: {_implied_policy(workload, c)} "
            "to the container — it must be explicit even when it matches the pod's",
            pointer=key_ptr,
            target="key",
            container=c,
        )
    rules = c.spec.get("restartPolicyRules")
    if not isinstance(rules, list):
        return
    if len(rules) > MAX_RULES:
        yield Violation(
            f"{subject} has {len(rules)} restartPolicyRules ({where}: Too many: {len(rules)}: "
            f"must have at most {MAX_RULES} items); merge rules — one rule can list up to "
            f"{MAX_EXIT_CODES} exit codes",
            pointer=key_ptr,
            target="key",
            container=c,
        )
    actions = ("Restart", "RestartAllContainers") if all_on else ("Restart",)
    for i, rule in enumerate(rules):
        if isinstance(rule, dict):
            yield from _rule(workload, c, subject, i, rule, actions, version, gates)


def _implied_policy(workload: Workload, c: ContainerView) -> str:
    """The policy a container effectively has today, which is what to write down."""
    pod = workload.spec.get("restartPolicy")
    pod = pod if pod in RESTART_POLICIES else "Always"
    if c.list_key == "initContainers":
        return "Never" if pod == "Never" else "OnFailure"
    return str(pod)


def _rule(
    workload: Workload,
    c: ContainerView,
    subject: str,
    i: int,
    rule: Mapping[str, Any],
    actions: Sequence[str],
    version: KubeVersion,
    gates: Mapping[str, bool],
) -> Iterator[Violation]:
    at = c.at("restartPolicyRules", i)
    action = rule.get("action")
    if action is None:
        yield Violation(
            f"{subject}: restart rule {i} has no action ({format_pointer((*at, 'action'))}: "
            "Required value); add action: Restart",
            pointer=at,
            container=c,
        )
    elif action not in actions:
        if action == "RestartAllContainers":
            advice = (
                f"Kubernetes {version} does not have it yet: it is accepted from 1.36 "
                f"({_gate_story(RESTART_ALL_CONTAINERS)}); use Restart, or target 1.36+"
                + _gate_note(RESTART_ALL_CONTAINERS, version, gates)
            )
        else:
            advice = _use(action, actions)
        yield Violation(
            f"{subject}: restart rule {i} has action {_plain(action)} "
            f"({format_pointer((*at, 'action'))}: Unsupported value: {_shown(action)}: supported "
            f"values: {_quoted(actions)}); {advice}",
            pointer=(*at, "action"),
            container=c,
        )
    codes = rule.get("exitCodes")
    if codes is None:
        yield Violation(
            f"{subject}: restart rule {i} has no exitCodes ({format_pointer((*at, 'exitCodes'))}: "
            "Required value: must be specified); exit codes are the only condition a rule can "
            "have, e.g. exitCodes: {operator: In, values: [42]}",
            pointer=at,
            container=c,
        )
        return
    if not isinstance(codes, dict):
        return
    operator = codes.get("operator")
    op_at = (*at, "exitCodes", "operator")
    if operator is None:
        yield Violation(
            f"{subject}: restart rule {i} has exitCodes without an operator "
            f"({format_pointer(op_at)}: Required value); add operator: In (restart on these codes) "
            "or NotIn (restart on any other code)",
            pointer=(*at, "exitCodes"),
            target="key",
            container=c,
        )
    elif operator not in RULE_OPERATORS:
        yield Violation(
            f"{subject}: restart rule {i} has exitCodes.operator {_plain(operator)} "
            f"({format_pointer(op_at)}: Unsupported value: {_shown(operator)}: supported values: "
            f"{_quoted(RULE_OPERATORS)}); {_use(operator, RULE_OPERATORS)}",
            pointer=op_at,
            container=c,
        )
    values = codes.get("values")
    if isinstance(values, list) and len(values) > MAX_EXIT_CODES:
        values_at = (*at, "exitCodes", "values")
        yield Violation(
            f"{subject}: restart rule {i} lists {len(values)} exit codes "
            f"({format_pointer(values_at)}: Too many: {len(values)}: must have at most "
            f"{MAX_EXIT_CODES} items); use NotIn with the few codes that must not restart, or "
            "split the rule",
            pointer=values_at,
            target="key",
            container=c,
        )


# --------------------------------------------------------------------------- SL106


@check("native_sidecar_unsupported", params=FeatureGateParams)
def native_sidecar_unsupported(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Native sidecars on versions (or clusters) that do not run them."""
    version = ctx.options.kubernetes_version
    if SIDECAR_CONTAINERS.enabled(version, _gates(ctx)):
        return
    for c in workload.by_role(Role.NATIVE_SIDECAR):
        if not SIDECAR_CONTAINERS.exists_in(version):
            yield _no_native_sidecars(workload, c, version)
        elif SIDECAR_CONTAINERS.default(version):
            yield _sidecar_gate_turned_off(workload, c, version)
        else:
            yield _alpha_native_sidecar(workload, c, version)


def _fallback(c: ContainerView) -> str:
    return (
        f"{c.label()} then runs as a plain init container — if it never exits, the pod never starts"
    )


def _no_native_sidecars(workload: Workload, c: ContainerView, version: KubeVersion) -> Violation:
    # SL101 reports the restartPolicy key itself as unknown; this finding is about the
    # container, so it points at the whole entry.
    job_note = (
        " (in containers[] it must exit by itself when the main container is done, or the "
        "pod never completes)"
        if workload.runs_to_completion
        else ""
    )
    return Violation(
        f"{workload.ref.display()}: init container {c.label()} is written as a native sidecar "
        f"(restartPolicy: Always), but Kubernetes {version} has no native sidecars (alpha in "
        "1.28, on by default from 1.29, GA in 1.33): the API server rejects restartPolicy under "
        f"strict validation or drops it, and {_fallback(c)}. If the cluster runs 1.29 or newer, "
        f"pass that version with --kubernetes-version; otherwise move {c.label()} to "
        f"containers[] until the cluster is upgraded{job_note}",
        pointer=c.pointer,
        container=c,
    )


def _sidecar_gate_turned_off(
    workload: Workload, c: ContainerView, version: KubeVersion
) -> Violation:
    return Violation(
        f"{workload.ref.display()}: init container {c.label()} is a native sidecar, but this "
        f"run's feature gates turn SidecarContainers off (it is on by default in Kubernetes "
        f"{version}): on such a cluster restartPolicy is dropped and {_fallback(c)}; if the "
        "cluster has the gate on, drop SidecarContainers=false from --feature-gates / "
        "featureGates",
        pointer=c.at("restartPolicy"),
        container=c,
    )


def _alpha_native_sidecar(workload: Workload, c: ContainerView, version: KubeVersion) -> Violation:
    return Violation(
        f"{workload.ref.display()}: init container {c.label()} is a native sidecar, which "
        f"Kubernetes {version} only has as an alpha feature (SidecarContainers feature gate, off "
        "by default): unless the gate is on for the API server and every kubelet, restartPolicy "
        f"is dropped and {_fallback(c)}; even with the gate on, 1.28 stops sidecars like regular "
        "containers on pod termination (no ordered shutdown). Native sidecars are on by default "
        "from 1.29: if the cluster runs 1.29 or newer, pass that version with "
        "--kubernetes-version. (A warning, not an error.) If your 1.28 cluster enables the "
        f"gate, {SIDECAR_CONTAINERS.hint()}",
        pointer=c.at("restartPolicy"),
        container=c,
        severity=Severity.WARNING,
    )
