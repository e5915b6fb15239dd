"""SL202: a native sidecar the app needs at start, with nothing that waits for it to be ready.

The kubelet starts the next init container, and finally the regular
containers, as soon as a native sidecar is *started*: its process is running
and, if it has them, its ``startupProbe`` has succeeded and its ``postStart``
hook has returned. Without either, a mesh proxy, database proxy or secrets
agent may not be listening yet when the application makes its first
connection or reads its first secret. A readiness probe does not delay
anything here.

Judged are the catalogued sidecars the application depends on, and any
native sidecar the application evidently reaches over the loopback interface
— an ambassador: a main container (or a later init container) names
``localhost:<port>`` (or ``127.0.0.1``, ``[::1]``) in its env, command or
args, or sets one env variable to ``localhost`` and another to the port, for
a port the sidecar declares or listens on. Proxies that sit *in front* of
the application (oauth2-proxy, kube-rbac-proxy, a Cloudflare tunnel, an
nginx reverse proxy) and proxies recognised only by a ``*-proxy`` name are
left alone unless the app reaches them that way. A secrets agent whose image also runs as a
plain init container (Vault's ``vault-agent-init``) has rendered the secrets
before the app starts, so it is left alone too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.known_sidecars import STARTUP_DEPENDENCY_KINDS, image_repository
from sidecar_lint.model import ContainerView, Role, Violation, Workload
from sidecar_lint.roles import command_line

#: Catalogued proxies that receive traffic for the application rather than carry its own.
INBOUND_PROXIES = frozenset({"oauth2-proxy", "kube-rbac-proxy", "Cloudflare tunnel"})

#: A startupProbe that fits each well-known sidecar, as its project documents or injects it.
_PROBE_HINTS: Mapping[str, str] = {
    "Istio proxy": "add startupProbe: {httpGet: {path: /healthz/ready, port: 15021}}, as Istio's "
    "injector adds with global.proxy.startupProbe.enabled (holdApplicationUntilProxyStarts "
    "has no effect on a native sidecar)",
    "Linkerd proxy": "add startupProbe: {httpGet: {path: /ready, port: 4191}}, as Linkerd's "
    "injector adds in native-sidecar mode",
    "Cloud SQL Auth Proxy": "run it with --health-check --http-address=0.0.0.0 and add "
    "startupProbe: {httpGet: {path: /startup, port: 9090}}",
    "Envoy proxy": "add a startupProbe with httpGet on /ready of Envoy's admin port",
    "AWS App Mesh Envoy": "add a startupProbe with httpGet on /ready of Envoy's admin port (9901)",
    "Vault agent": "add a startupProbe with an exec command that checks the rendered secret "
    "file exists (e.g. test -f /vault/secrets/<file>)",
}


@check("native_sidecar_without_startup_probe")
def native_sidecar_without_startup_probe(
    workload: Workload, ctx: CheckContext
) -> Iterator[Violation]:
    """Flag native sidecars in STARTUP_DEPENDENCY_KINDS with no startupProbe and no postStart."""
    plain_init_images = {image_repository(c.image) for c in workload.by_role(Role.INIT) if c.image}
    for sidecar in workload.by_role(Role.NATIVE_SIDECAR):
        reached = _reached_by(workload, sidecar)
        if reached is None and not _needed_at_start(sidecar):
            continue
        if _has_gate(sidecar.spec):
            continue
        if (
            sidecar.sidecar_kind == "secrets-agent"
            and sidecar.image
            and image_repository(sidecar.image) in plain_init_images
        ):
            continue
        yield Violation(
            _message(workload, sidecar, reached),
            pointer=sidecar.at("name") if sidecar.name else sidecar.pointer,
            container=sidecar,
        )


def _needed_at_start(sidecar: ContainerView) -> bool:
    return (
        sidecar.sidecar_kind in STARTUP_DEPENDENCY_KINDS
        and sidecar.sidecar_title is not None
        and sidecar.sidecar_title not in INBOUND_PROXIES
    )


def _has_gate(spec: Mapping[str, Any]) -> bool:
    """A startupProbe, or a postStart hook (the container counts as started only after it)."""
    if isinstance(spec.get("startupProbe"), dict) and spec["startupProbe"]:
        return True
    lifecycle = spec.get("lifecycle")
    if isinstance(lifecycle, dict):
        post_start = lifecycle.get("postStart")
        return isinstance(post_start, dict) and bool(post_start)
    return False


#: ``localhost:5432``, ``127.0.0.1:8200``, ``[::1]:9000`` inside any string.
_LOOPBACK_PORT = re.compile(r"(?:\blocalhost|\b127\.0\.0\.1|\[::1\]):(\d{1,5})\b", re.IGNORECASE)
_LOOPBACK_HOST = re.compile(r"^(?:localhost|127\.0\.0\.1|::1|\[::1\])$", re.IGNORECASE)
#: Ports a command listens on: socat's ``TCP-LISTEN:5432``, ``--port=5432``,
#: ``--listen-address=0.0.0.0:8080``.
_LISTENS = re.compile(
    r"(?:-listen:|(?:^|\s)--?(?:port|listen-port|listen)[=\s]+|"
    r"(?:^|\s)--?(?:listen|http|https|grpc)-?addr(?:ess)?[=\s]+\S*:)(\d{1,5})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reach:
    """How the app reaches a native sidecar: who, on which port, through which text."""

    container: ContainerView
    port: int
    where: str  # e.g. "env DATABASE_URL 'localhost:5432'"


def _reached_by(workload: Workload, sidecar: ContainerView) -> Reach | None:
    """The first container after ``sidecar`` that connects to one of its ports on loopback."""
    ports = _served_ports(sidecar)
    if not ports:
        return None
    later_inits = [c for c in workload.by_role(Role.INIT) if c.index > sidecar.index]
    for client in [*later_inits, *(workload.mains or workload.in_list("containers"))]:
        for where, text in _strings(client):
            for match in _LOOPBACK_PORT.finditer(text):
                if int(match.group(1)) in ports:
                    return Reach(client, int(match.group(1)), f"{where} '{text}'")
        env = dict(_env(client))
        if any(_LOOPBACK_HOST.match(v) for v in env.values()):
            for name, value in env.items():
                if value.isdigit() and int(value) in ports:
                    return Reach(client, int(value), f"env {name} '{value}' on localhost")
    return None


def _served_ports(sidecar: ContainerView) -> set[int]:
    """The ports a sidecar declares or its command listens on."""
    found = set()
    ports = sidecar.spec.get("ports")
    if isinstance(ports, list):
        found |= {
            p["containerPort"]
            for p in ports
            if isinstance(p, dict) and isinstance(p.get("containerPort"), int)
        }
    found |= {int(m.group(1)) for m in _LISTENS.finditer(command_line(sidecar.spec))}
    return found


def _env(container: ContainerView) -> Iterator[tuple[str, str]]:
    env = container.spec.get("env")
    if isinstance(env, list):
        for e in env:
            if isinstance(e, dict) and isinstance(e.get("name"), str):
                value = e.get("value")
                if isinstance(value, (str, int)) and not isinstance(value, bool):
                    yield e["name"], str(value)


def _strings(container: ContainerView) -> Iterator[tuple[str, str]]:
    """Every string a container is started with, and where it sits."""
    for name, value in _env(container):
        yield f"env {name}", value
    for key in ("command", "args"):
        items = container.spec.get(key)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, str):
                    yield key, item


def _message(workload: Workload, sidecar: ContainerView, reached: Reach | None) -> str:
    title = sidecar.sidecar_title or ""
    purpose = {
        "network-proxy": "carry the pod's traffic",
        "database-proxy": "accept database connections",
        "secrets-agent": "provide the secrets",
    }.get(sidecar.sidecar_kind or "", "serve")
    ambassador = reached is not None and not _needed_at_start(sidecar)
    if ambassador:
        purpose = "accept their connections"
    what = f" ({title})" if title else ""
    text = (
        f"{workload.ref.display()}: native sidecar {sidecar.label()}{what} has no "
        f"startupProbe, so the kubelet starts {_followers(workload, sidecar)} as soon as its "
        f"process is running, possibly before it is ready to {purpose}"
    )
    if ambassador and reached is not None:
        text += (
            f" ({reached.container.label()} connects to it at localhost:{reached.port}: "
            f"{reached.where})"
        )
    if isinstance(sidecar.spec.get("readinessProbe"), dict):
        text += " (its readinessProbe does not delay them)"
    default = (
        f"add a startupProbe that succeeds once it serves (tcpSocket: {{port: {reached.port}}}, "
        "or httpGet on its health endpoint)"
        if reached is not None
        else "add a startupProbe that succeeds once it serves (httpGet on its health endpoint or "
        "tcpSocket on its port)"
    )
    hint = _PROBE_HINTS.get(title, default)
    return f"{text}; {hint}, or give it a postStart hook that blocks until it is ready"


def _followers(workload: Workload, sidecar: ContainerView) -> str:
    """Who waits for this sidecar: the app containers, and the init containers listed after it."""
    app = workload.mains or workload.in_list("containers")
    names = [c.label() for c in app]
    text = (
        (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])
        if names
        else "the app"
    )
    later = [c for c in workload.in_list("initContainers") if c.index > sidecar.index]
    if later:
        text += f" (and the {len(later)} init container{'s' if len(later) > 1 else ''} after it)"
    return text
