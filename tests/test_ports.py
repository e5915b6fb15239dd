"""SL105 decisions, one per test: what runs together and how host addresses overlap."""

from __future__ import annotations

import pytest

from tests.conftest import lint


def _pod(init: str = "", containers: str = "", host_network: bool = False) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  hostNetwork: {str(host_network).lower()}
  initContainers: [{init}]
  containers: [{containers}]
"""


def _codes(text: str) -> list[tuple[int, str]]:
    return [(f.span.start_line, f.container or "") for f in lint(text, select=["SL105"])]


@pytest.mark.parametrize(
    ("a", "b", "clash"),
    [
        ("{containerPort: 80}", "{containerPort: 80, protocol: TCP}", True),
        ("{containerPort: 80, protocol: ''}", "{containerPort: 80}", True),
        ("{containerPort: 80, protocol: UDP}", "{containerPort: 80}", False),
        ("{containerPort: 80, protocol: SCTP}", "{containerPort: 80, protocol: UDP}", False),
        ("{containerPort: 1, hostPort: 80}", "{containerPort: 2, hostPort: 80}", True),
        (
            "{containerPort: 1, hostPort: 80, hostIP: ''}",
            "{containerPort: 2, hostPort: 80, hostIP: 0.0.0.0}",
            True,
        ),
        (
            "{containerPort: 1, hostPort: 80, hostIP: 10.0.0.1}",
            "{containerPort: 2, hostPort: 80}",
            True,
        ),
        (
            "{containerPort: 1, hostPort: 80, hostIP: 10.0.0.1}",
            "{containerPort: 2, hostPort: 80, hostIP: 10.0.0.1}",
            True,
        ),
        (
            "{containerPort: 1, hostPort: 80, hostIP: 10.0.0.1}",
            "{containerPort: 2, hostPort: 80, hostIP: 10.0.0.2}",
            False,
        ),
        (
            "{containerPort: 1, hostPort: 80, protocol: UDP}",
            "{containerPort: 2, hostPort: 80}",
            False,
        ),
        ("{containerPort: 1, hostPort: 0}", "{containerPort: 2, hostPort: 0}", False),
    ],
)
def test_two_regular_containers(a: str, b: str, clash: bool) -> None:
    text = _pod(containers=f"{{name: a, ports: [{a}]}}, {{name: b, ports: [{b}]}}")
    assert bool(_codes(text)) is clash


def test_native_sidecar_counts_plain_init_does_not() -> None:
    port = "ports: [{containerPort: 8080}]"
    native = _pod(
        init=f"{{name: s, restartPolicy: Always, {port}}}", containers=f"{{name: a, {port}}}"
    )
    plain = _pod(init=f"{{name: i, {port}}}", containers=f"{{name: a, {port}}}")
    assert _codes(native) == [(8, "a")]
    assert _codes(plain) == []


def test_two_native_sidecars_clash_with_each_other() -> None:
    port = "ports: [{containerPort: 15000}]"
    text = _pod(
        init=f"{{name: s1, restartPolicy: Always, {port}}}, {{name: s2, restartPolicy: Always, {port}}}"
    )
    assert _codes(text) == [(7, "s2")]


def test_host_network_defaults_host_port_within_one_container() -> None:
    text = _pod(
        containers="{name: a, ports: [{name: http, containerPort: 80}, {name: web, containerPort: 80}]}",
        host_network=True,
    )
    found = lint(text, select=["SL105"])
    assert len(found) == 1
    assert "hostPort is containerPort" in found[0].message


def test_same_container_port_twice_without_host_network_is_silent() -> None:
    text = _pod(containers="{name: a, ports: [{containerPort: 80}, {containerPort: 80}]}")
    assert _codes(text) == []
