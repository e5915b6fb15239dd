"""SL201: a helper that runs forever in ``containers[]`` of a pod that should complete.

A Job's pod succeeds only when every regular container has exited. A log
shipper, proxy or agent listed there keeps the pod running after the real
work is done, so the Job never completes; with ``restartPolicy: Never`` a
crashed or OOM-killed helper is not even restarted. A native sidecar (an
init container with ``restartPolicy: Always``) is stopped by the kubelet once
the regular containers are done.

The rule stays silent when the manifest already shows a way for the helper to
stop: a helper whose shell script exits, breaks out of its loop or kills
something, a ``tail --pid``, or a main container that asks a proxy to quit
(``/quitquitquit``, Linkerd's ``/shutdown``, ``linkerd-await --shutdown``) or
kills the helper in a shared process namespace.

Sidecars that a custom resource declares as such and whose controller stops
them once the main work is done (Argo Workflows' and Tekton's ``sidecars``)
never hold the pod open and are not judged; the Spark operator's are, as it
never stops them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.fix_intents import FixIntent, MoveItems
from sidecar_lint.known_sidecars import runs_forever
from sidecar_lint.model import ContainerView, Role, Violation, Workload
from sidecar_lint.roles import command_line
from sidecar_lint.versions import KubeVersion
from sidecar_lint.workload import source_of, stopped_by_controller

#: Native sidecars are on by default from this version (beta; GA in 1.33).
NATIVE_SIDECARS_DEFAULT = "1.29"

#: Sidecar categories that offer an endpoint the main container can call to stop them.
_STOPPABLE_KINDS = frozenset({"network-proxy", "database-proxy"})

#: A main container asking a proxy to exit (Envoy/Istio/Cloud SQL proxy, Linkerd).
_QUIT_CALL = re.compile(
    r"quitquitquit|:4191/shutdown\b|\blinkerd-await\b[^;&|]*--shutdown", re.IGNORECASE
)
#: A main container killing another process (meaningful only with a shared PID namespace).
_KILL_CALL = re.compile(r"\b(?:kill|pkill|killall)\b")
#: A shell script that stops on its own: leaves its loop, exits or kills itself.
_SELF_STOP = re.compile(r"\b(?:exit|break|kill|pkill|killall)\b")
#: A shell running a script (``sh -c``, ``/bin/bash -c``): only there do those words mean that.
_SHELL = re.compile(r"(?:^|[\s/])(?:ba|da|a|z)?sh\s+(?:-\w*\s+)*-\w*c\b")
#: ``tail --pid=N -f`` stops when process N (the main container's, in a shared namespace) ends.
_FOLLOWS_PID = re.compile(r"\btail\b[^|;&]*--pid[= ]")
#: ``trap '…exit…' TERM`` only reacts to termination, which a Job pod never gets.
_TRAP = re.compile(r"""\btrap\s+(?:'[^']*'|"[^"]*"|\S+)""")


@check("job_legacy_sidecar")
def job_legacy_sidecar(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag every long-running sidecar in ``containers[]`` of a run-to-completion pod."""
    if not workload.runs_to_completion:
        return
    regular = workload.in_list("containers")
    # Argo Workflows and Tekton stop their sidecars themselves once the main work is done.
    sidecars = [
        c for c in regular if c.role is Role.SIDECAR and not stopped_by_controller(workload, c)
    ]
    if not sidecars:
        return
    others = [c for c in regular if c.role is not Role.SIDECAR]
    mains = [c for c in regular if c.role is Role.MAIN]
    shared_pid = workload.spec.get("shareProcessNamespace") is True
    quit_call = any(_QUIT_CALL.search(command_line(c.spec)) for c in others)
    kill_call = shared_pid and any(_KILL_CALL.search(command_line(c.spec)) for c in others)
    version = ctx.options.kubernetes_version
    native = ctx.options.gate_enabled("SidecarContainers")
    for sidecar in sidecars:
        # Without a known main container the helper may itself be a step of the work: only
        # catalogued daemons and endless commands are sure to run forever.
        if not mains and not _surely_forever(sidecar):
            continue
        if _stops_itself(sidecar) or kill_call:
            continue
        if quit_call and sidecar.sidecar_kind in _STOPPABLE_KINDS:
            continue
        yield Violation(
            _message(workload, sidecar, mains, version, native),
            pointer=sidecar.pointer,
            container=sidecar,
            intent=_native_move(workload, sidecar) if native else None,
        )


def _native_move(workload: Workload, sidecar: ContainerView) -> FixIntent | None:
    """Make a pod spec's regular sidecar a native one: last of initContainers, restarting."""
    if sidecar.pointer != workload.spec_at("containers", sidecar.index):
        return None  # a custom resource's own container list
    if "restartPolicy" in sidecar.spec:
        return None
    return FixIntent(
        "native-sidecar",
        f"move {sidecar.label()} to initContainers with restartPolicy: Always",
        MoveItems(
            (sidecar.pointer,), workload.spec_at("initContainers"), (("restartPolicy", "Always"),)
        ),
    )


def _surely_forever(sidecar: ContainerView) -> bool:
    return sidecar.sidecar_title is not None or runs_forever(command_line(sidecar.spec)) is not None


def _stops_itself(sidecar: ContainerView) -> bool:
    line = command_line(sidecar.spec)
    if _FOLLOWS_PID.search(line):
        return True
    return bool(_SHELL.search(line)) and _SELF_STOP.search(_TRAP.sub(" ", line)) is not None


def _message(
    workload: Workload,
    sidecar: ContainerView,
    mains: Sequence[ContainerView],
    version: KubeVersion,
    native: bool,
) -> str:
    what = f"sidecar {sidecar.label()}"
    if sidecar.sidecar_title:
        what += f" ({sidecar.sidecar_title})"
    else:
        why = next((r for r in sidecar.reasons if r.startswith("command ")), None)
        if why is not None:
            what += f", which {why.removeprefix('command ')},"
    verb = "finishes" if len(mains) == 1 else "finish"
    after = f"after {_names(mains)} {verb}" if mains else "after the work is done"
    kind = workload.ref.kind or "pod"
    subject = "the Job" if kind in ("Job", "CronJob") else f"the {kind}"
    consequence = f"{subject} stays active"
    if source_of(workload, sidecar) is not None:
        # A custom resource's controller may judge success by its main container alone
        # (the Spark operator does); what surely lingers is the pod and what it holds.
        consequence = f"the pod holds its node's resources ({subject}'s controller never stops it)"
    text = (
        f"{workload.ref.display()}: {what} runs as a regular container, so the pod never "
        f"completes: it keeps running {after} and {consequence}"
    )
    if workload.spec.get("restartPolicy") == "Never":
        text += (
            " (and with restartPolicy: Never a crashed or OOM-killed sidecar is never restarted)"
        )
    return f"{text}; {_advice(sidecar, version, native)}"


def _names(containers: Sequence[ContainerView]) -> str:
    labels = [c.label() for c in containers]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _advice(sidecar: ContainerView, version: KubeVersion, native: bool) -> str:
    """Native sidecar when the target cluster has them (version and feature gate), else a stop."""
    move = (
        f"move {sidecar.label()} to initContainers and add restartPolicy: Always (a native "
        "sidecar, which the kubelet stops once the regular containers have finished)"
    )
    title = sidecar.sidecar_title or ""
    if native:
        return _native_advice(title, move)
    if version.at_least(NATIVE_SIDECARS_DEFAULT):
        before = (
            "the target cluster turns native sidecars off (--feature-gates "
            f"SidecarContainers=false); with the gate on, {move}; otherwise"
        )
    elif version.at_least("1.28"):
        before = (
            f"on Kubernetes {version} native sidecars need the SidecarContainers feature gate "
            f"(on by default from {NATIVE_SIDECARS_DEFAULT}; --feature-gates "
            f"SidecarContainers=true if your cluster sets it); with it enabled, {move}; otherwise"
        )
    else:
        before = (
            f"Kubernetes {version} has no native sidecars (alpha in 1.28, on by default from "
            f"{NATIVE_SIDECARS_DEFAULT}), so"
        )
    return f"{before} {_stop_advice(title)}"


def _native_advice(title: str, move: str) -> str:
    if title == "Istio proxy":
        return (
            "let Istio inject it as a native sidecar: annotate the pod template with "
            'sidecar.istio.io/nativeSidecar: "true" (or set ENABLE_NATIVE_SIDECARS on istiod) '
            f"and re-render, or {move}"
        )
    if title == "Linkerd proxy":
        return (
            "let Linkerd inject it as a native sidecar: annotate the pod template with "
            'config.linkerd.io/proxy-enable-native-sidecar: "true" (config.beta.… or '
            f"config.alpha.… on older Linkerd releases) and re-render, or {move}"
        )
    if title == "Vault agent":
        return (
            'annotate the pod template with vault.hashicorp.com/agent-pre-populate-only: "true" '
            "so the injector renders the secrets in an init container and adds no sidecar, "
            f"or {move}"
        )
    if title == "Cloud SQL Auth Proxy":
        return f"{move}; start it with --exit-zero-on-sigterm so its exit is not a failure"
    return move


def _stop_advice(title: str) -> str:
    """How the main container can stop a helper where native sidecars are not available."""
    if title == "Istio proxy":
        return (
            "end the main command with `curl -fsS -X POST http://localhost:15020/quitquitquit`, "
            'or disable injection for this pod with sidecar.istio.io/inject: "false"'
        )
    if title == "Linkerd proxy":
        return (
            "enable the proxy's shutdown endpoint (proxy.enableShutdownEndpoint) and wrap the "
            "main command in `linkerd-await --shutdown --` or end it with "
            "`curl -X POST http://localhost:4191/shutdown`"
        )
    if title == "Vault agent":
        return (
            'annotate the pod template with vault.hashicorp.com/agent-pre-populate-only: "true" '
            "so the injector renders the secrets in an init container and adds no sidecar"
        )
    if title == "Cloud SQL Auth Proxy":
        return (
            "start the proxy (v2) with --quitquitquit and end the main command with "
            "`curl -X POST http://localhost:9091/quitquitquit`"
        )
    return (
        "make the helper stop when the work is done: the main container writes a marker file "
        "to a shared volume that the helper watches before exiting, or calls a "
        "/quitquitquit-style shutdown endpoint"
    )
