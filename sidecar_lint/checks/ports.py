"""SL105: two containers of one pod that cannot both listen on a port.

Every container of a pod shares one network namespace, so two processes that
run at the same time cannot bind the same port and protocol: the second gets
"address already in use" and crash-loops. The API does not catch this — a
repeated ``containerPort`` is only a warning ("duplicate port definition") —
and it checks ``hostPort`` collisions among regular containers only, each init
container (native sidecars included) on its own.

What runs at the same time: every entry of ``containers`` and every native
sidecar (an init container with ``restartPolicy: Always``). Plain init
containers run one by one before the app starts, so their ports never meet
the app's; ephemeral containers cannot declare ports at all.

Decisions, so the rule stays precise:

* ``containerPort`` clashes on (port, protocol); a missing protocol is TCP.
  The same number over TCP and UDP is fine. ``hostIP`` and ``hostPort`` play
  no part: inside the pod the port is taken either way.
* The same ``containerPort`` twice within one container is not reported: it is
  one process, the API only warns, and naming one port twice (``http`` and
  ``metrics``) is a common and harmless pattern.
* ``hostPort`` clashes on (hostPort, protocol, hostIP) the way the node sees
  it: an empty ``hostIP`` means every address (``0.0.0.0``), which overlaps
  every specific address; two different specific addresses do not clash.
  This one also applies within a single container (the API rejects that:
  ``Duplicate value: "TCP//8080"``), and to each plain init container on its
  own.
* ``hostNetwork: true`` puts the pod in the node's namespace; ``hostPort`` then
  defaults to and must equal ``containerPort``, so the same comparison covers
  it. Clashes with processes of the node itself or with other pods are out of
  reach of a manifest linter and not guessed at.
* Each port entry is reported at most once: a ``containerPort`` clash wins
  over a ``hostPort`` clash on the same entry. The finding is on the entry
  that starts later (native sidecars start before ``containers``).
* Values of the wrong type (``ports: 7``, ``containerPort: "8080"``) and
  out-of-range ports are left to the validity rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.model import ContainerView, Role, Violation, Workload

_WILDCARD = "0.0.0.0"


@dataclass(frozen=True)
class _Port:
    """One well-formed entry of a container's ``ports`` list."""

    container: ContainerView
    index: int
    container_port: int
    protocol: str
    host_port: int | None
    host_ip: str  # as written ("" when absent)
    host_port_defaulted: bool = False  # hostNetwork: true and no hostPort written

    @property
    def where(self) -> str:
        return f"{self.container.list_key}[{self.container.index}].ports[{self.index}]"

    def host_key(self) -> str:
        """How the API spells a host port in its Duplicate error: ``TCP//8080``."""
        return f"{self.protocol}/{self.host_ip}/{self.host_port}"


@check("container_port_conflict")
def container_port_conflict(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Compare the ports of everything that runs together, then each plain init container."""
    host_network = workload.spec.get("hostNetwork") is True
    together = [c for c in workload.containers if _runs_with_app(c)]
    yield from _clashes(workload, together, host_network, across=True)
    for container in workload.containers:
        if container.role is Role.INIT:
            yield from _clashes(workload, [container], host_network, across=False)
    yield from _injected_clashes(workload, together, host_network)


def _injected_clashes(
    workload: Workload, together: list[ContainerView], host_network: bool
) -> Iterator[Violation]:
    """An app port that a sidecar the injectors will add uses too (Istio's 15000s, …)."""
    taken: dict[int, tuple[str, str]] = {}
    for injection in workload.injections:
        for sidecar in injection.containers:
            if sidecar.is_sidecar:
                for entry in sidecar.spec.get("ports", []):
                    taken.setdefault(
                        entry["containerPort"], (injection.injector.title, sidecar.name)
                    )
    if not taken:
        return
    for container in together:
        for port in _ports(container, host_network):
            owner = taken.get(port.container_port)
            if owner is None or port.protocol != "TCP":
                continue
            title, name = owner
            yield Violation(
                f"{workload.ref.display()}: container {port.container.label()} declares "
                f"containerPort {port.container_port}, which {title} uses in the sidecar "
                f"'{name}' it injects into this pod; they share one network namespace, so one "
                f"of them cannot bind it. Move the app to another port",
                pointer=container.at("ports", port.index, "containerPort"),
                container=container,
            )


def _runs_with_app(container: ContainerView) -> bool:
    if container.list_key == "containers":
        return True
    return container.list_key == "initContainers" and container.role is Role.NATIVE_SIDECAR


def _clashes(
    workload: Workload, containers: list[ContainerView], host_network: bool, across: bool
) -> Iterator[Violation]:
    by_port: dict[tuple[int, str], _Port] = {}
    bound_host: list[_Port] = []
    for container in containers:
        for port in _ports(container, host_network):
            owner = by_port.get((port.container_port, port.protocol))
            if across and owner is not None and owner.container is not container:
                yield Violation(
                    _container_port_message(workload, port, owner, host_network),
                    pointer=container.at("ports", port.index, "containerPort"),
                    container=container,
                )
            elif port.host_port is not None:
                other = next((p for p in bound_host if _host_overlap(p, port)), None)
                if other is not None:
                    field = "containerPort" if port.host_port_defaulted else "hostPort"
                    yield Violation(
                        _host_port_message(workload, port, other),
                        pointer=container.at("ports", port.index, field),
                        container=container,
                    )
            by_port.setdefault((port.container_port, port.protocol), port)
            if port.host_port is not None:
                bound_host.append(port)


def _ports(container: ContainerView, host_network: bool) -> Iterator[_Port]:
    """The well-formed port entries of one container (anything else is skipped)."""
    ports = container.spec.get("ports")
    if not isinstance(ports, list):
        return
    for index, entry in enumerate(ports):
        if not isinstance(entry, dict):
            continue
        number = _port_number(entry.get("containerPort"))
        protocol = entry.get("protocol") or "TCP"  # the API defaults a missing or empty one
        host_ip = entry.get("hostIP", "")
        host_ip = "" if host_ip is None else host_ip
        if number is None or not isinstance(protocol, str) or not isinstance(host_ip, str):
            continue
        raw_host = entry.get("hostPort")
        host_port = _port_number(raw_host)
        if raw_host not in (None, 0) and host_port is None:
            continue  # a mistyped hostPort: leave the whole entry to the validity rules
        defaulted = host_port is None and host_network
        if defaulted:
            host_port = number  # defaulted by the API server in the node's namespace
        yield _Port(container, index, number, protocol, host_port, host_ip, defaulted)


def _port_number(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= 65535 else None


def _host_overlap(a: _Port, b: _Port) -> bool:
    """Same host port and protocol on addresses that overlap ("" and 0.0.0.0 mean all)."""
    if a.host_port != b.host_port or a.protocol != b.protocol:
        return False
    ip_a, ip_b = a.host_ip or _WILDCARD, b.host_ip or _WILDCARD
    return ip_a == ip_b or _WILDCARD in (ip_a, ip_b)


def _describe(container: ContainerView) -> str:
    kind = {
        Role.NATIVE_SIDECAR: "native sidecar",
        Role.SIDECAR: "sidecar",
        Role.MAIN: "main container",
        Role.INIT: "init container",
    }.get(container.role, "container")
    return f"{kind} {container.label()}"


def _container_port_message(
    workload: Workload, port: _Port, owner: _Port, host_network: bool
) -> str:
    number = f"{port.container_port}/{port.protocol}"
    namespace = (
        "the node's network namespace (hostNetwork: true)"
        if host_network
        else "one network namespace"
    )
    return (
        f"{workload.ref.display()}: container {port.container.label()} declares containerPort "
        f"{number}, which {_describe(owner.container)} already declares ({owner.where}); "
        f"containers that run at the same time share {namespace}, so whichever starts second "
        f"cannot bind {number} (address already in use). Move one of them to a free port, or "
        f"drop the entry from the container that does not listen on it"
    )


def _host_port_message(workload: Workload, port: _Port, other: _Port) -> str:
    subject = f"{workload.ref.display()}: container {port.container.label()}"
    number = f"hostPort {port.host_port}/{port.protocol}"
    if port.host_port_defaulted or other.host_port_defaulted:
        number += " (with hostNetwork: true, hostPort is containerPort)"
    if other.container is port.container:
        return (
            f"{subject} declares {number} twice ({other.where} and {port.where}); the API "
            f'rejects it (Duplicate value: "{port.host_key()}"). Remove one of the entries or '
            f"give it another hostPort"
        )
    here, there = _address(port.host_ip), _address(other.host_ip)
    addresses = f"on {here}" if here == there else f"on {here} and {there}"
    return (
        f"{subject} declares {number}, which {_describe(other.container)} already binds "
        f"({other.where}) {addresses}; both run at the same time, so the node cannot give "
        f"the port to both. Use a different hostPort, or drop hostPort where it is not needed"
    )


def _address(host_ip: str) -> str:
    return "all addresses" if host_ip in ("", _WILDCARD) else host_ip
