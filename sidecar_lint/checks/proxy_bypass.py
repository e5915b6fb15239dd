"""SL303: a Service that sends traffic straight to the app, past the proxy sidecar in front of it.

A reverse proxy beside the application (oauth2-proxy, kube-rbac-proxy, Envoy,
nginx, or any sidecar whose upstream is ``localhost:<app port>``) adds TLS,
authentication or rate limits only to the traffic that reaches it. A Service
of the same run that selects the pods and targets only main-container ports
(by number or by port name) routes every client around it, while no Service
targets the proxy at all: the app is exposed unprotected and the proxy idles.

Judged only when the run holds such a Service (see the cluster context: the
Services of every input, in the workload's namespace, whose selector matches
the pod template's labels). When the proxy's upstream is known, only a
Service that reaches that upstream port bypasses it (a webhook port beside a
metrics proxy does not). Mesh proxies (Istio, Linkerd, Consul, Kuma, Dapr,
App Mesh) intercept traffic themselves and are never judged, and so is a proxy
that declares only admin, metrics or health ports (or Envoy's 150xx mesh ports,
as a mesh-style Envoy does): nothing shows it receives the app's traffic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.cluster import ServiceFacts, ServicePort
from sidecar_lint.known_sidecars import FRONT_PROXIES, INTERCEPTING_PROXIES, is_reverse_proxy_image
from sidecar_lint.model import ContainerView, Violation, Workload

#: Ports a proxy serves itself, never the app's traffic: admin, metrics and health endpoints,
#: and the 150xx range mesh-style Envoy sidecars keep to themselves.
_OWN_PORT_NAMES = re.compile(r"admin|metric|stat|prom|health|debug|pprof|probe", re.IGNORECASE)
_OWN_PORT_NUMBERS = frozenset({9901, *range(15000, 15100)})

_LOOPBACK_PORT = re.compile(r"(?:\blocalhost|\b127\.0\.0\.1|\[::1\]):(\d{1,5})\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Port:
    """A declared container port."""

    container: ContainerView
    number: int
    name: str | None

    def label(self) -> str:
        return f"{self.number} ('{self.name}')" if self.name else str(self.number)


@check("service_bypasses_proxy_sidecar", needs_services=True)
def service_bypasses_proxy_sidecar(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag each front proxy that no Service reaches while a Service reaches the app behind it."""
    mains = workload.mains
    if not mains:
        return
    services = _selecting(workload)
    if not services:
        return
    ports = [p for c in workload.containers for p in _declared(c)]
    for proxy in workload.sidecars:
        upstream = _upstream_ports(proxy)
        if not _in_front(proxy, upstream):
            continue
        own = [p for p in ports if p.container is proxy and _serves_clients(p)]
        if not own:
            continue
        targeted = [
            (service, entry, hit)
            for service in services
            for entry in service.ports
            if (hit := _target(entry, ports, mains, upstream)) is not None
        ]
        if any(hit.container is proxy for _, _, hit in targeted):  # any of its ports
            continue
        bypass = _bypassing(services, targeted, mains, upstream)
        if bypass is None:
            continue
        service, entry, hit = bypass
        yield Violation(
            _message(workload, proxy, own, service, entry, hit),
            pointer=proxy.at("ports"),
            target="key",
            container=proxy,
        )


def _selecting(workload: Workload) -> list[ServiceFacts]:
    """The run's Services in the workload's namespace whose selector matches its pods."""
    labels = workload.metadata.get("labels")
    labels = labels if isinstance(labels, Mapping) else {}
    return [
        s
        for s in workload.cluster.services_in(workload.namespace)
        if s.selector
        and s.type != "ExternalName"
        and all(labels.get(k) == v for k, v in s.selector.items())
    ]


def _declared(container: ContainerView) -> list[_Port]:
    items = container.spec.get("ports")
    if not isinstance(items, list):
        return []
    out = []
    for p in items:
        if not isinstance(p, dict):
            continue
        number = p.get("containerPort")
        tcp = p.get("protocol", "TCP") in ("TCP", None)
        if isinstance(number, int) and not isinstance(number, bool) and tcp:
            name = p.get("name")
            out.append(_Port(container, number, name if isinstance(name, str) else None))
    return out


def _serves_clients(port: _Port) -> bool:
    """A port for the traffic the proxy fronts (not its admin, metrics or mesh ports)."""
    if port.number in _OWN_PORT_NUMBERS:
        return False
    return port.name is None or _OWN_PORT_NAMES.search(port.name) is None


def _upstream_ports(proxy: ContainerView) -> set[int]:
    """Loopback ports a proxy's env, command or args name, other than its own."""
    own = {p.number for p in _declared(proxy)}
    found: set[int] = set()
    for text in _strings(proxy.spec):
        found |= {int(m.group(1)) for m in _LOOPBACK_PORT.finditer(text)}
    return found - own


def _strings(spec: Mapping[str, Any]) -> Iterator[str]:
    for key in ("command", "args"):
        items = spec.get(key)
        if isinstance(items, list):
            yield from (i for i in items if isinstance(i, str))
    env = spec.get("env")
    if isinstance(env, list):
        yield from (
            e["value"] for e in env if isinstance(e, dict) and isinstance(e.get("value"), str)
        )


def _in_front(proxy: ContainerView, upstream: set[int]) -> bool:
    """A reverse proxy for the app: catalogued, a reverse-proxy image, or with a local upstream."""
    if proxy.sidecar_title in INTERCEPTING_PROXIES:
        return False
    if proxy.sidecar_title in FRONT_PROXIES or bool(upstream):
        return True
    return proxy.image is not None and is_reverse_proxy_image(proxy.image)


def _target(
    entry: ServicePort, ports: Sequence[_Port], mains: Sequence[ContainerView], upstream: set[int]
) -> _Port | None:
    """The container port a Service port sends its traffic to, if the pod shows which."""
    target = entry.target_port if entry.target_port is not None else entry.port
    if isinstance(target, str):
        return next((p for p in ports if p.name == target), None)
    if target is None:
        return None
    declared = next((p for p in ports if p.number == target), None)
    if declared is None and target in upstream and len(mains) == 1:
        return _Port(mains[0], target, None)  # the app listens on the proxy's upstream port
    return declared


def _bypassing(
    services: Sequence[ServiceFacts],
    targeted: Sequence[tuple[ServiceFacts, ServicePort, _Port]],
    mains: Sequence[ContainerView],
    upstream: set[int],
) -> tuple[ServiceFacts, ServicePort, _Port] | None:
    """The first Service port of a Service that targets only main containers, and reaches the
    proxy's upstream when that is known."""
    for service in services:
        mine = [(s, e, hit) for s, e, hit in targeted if s is service]
        if not mine or len(mine) < len(service.ports):
            continue  # a port the pod does not show, or none: not clearly the app's alone
        if not all(any(hit.container is m for m in mains) for _, _, hit in mine):
            continue
        through = [t for t in mine if not upstream or t[2].number in upstream]
        if through:
            return through[0]
    return None


def _message(
    workload: Workload,
    proxy: ContainerView,
    own: Sequence[_Port],
    service: ServiceFacts,
    entry: ServicePort,
    hit: _Port,
) -> str:
    title = f" ({proxy.sidecar_title})" if proxy.sidecar_title else ""
    front = own[0]
    dialled = f"port {entry.port}" if entry.port is not None else "its port"
    via = f" (targetPort '{entry.target_port}')" if isinstance(entry.target_port, str) else ""
    proxy_ports = ", ".join(p.label() for p in own)
    plural = "s" if len(own) > 1 else ""
    return (
        f"{workload.ref.display()}: Service '{service.name}' ({service.origin}) selects these "
        f"pods and sends {dialled} straight to {hit.container.label()} port {hit.number}{via}, "
        f"past the reverse proxy {proxy.label()}{title} in front of it, whose port{plural} "
        f"{proxy_ports} no Service targets, so clients skip the proxy's TLS, authentication "
        f"or limits; set targetPort to {repr(front.name) if front.name else front.number} in that "
        "Service (or drop "
        "the proxy if the app is meant to be reached directly)"
    )
