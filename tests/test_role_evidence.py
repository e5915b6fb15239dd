"""Role evidence and its weights, on the shapes of real public manifests.

Catalogue image > explicit annotation or configuration > a command that ships,
proxies, watches or syncs > a name; an endless loop counts only beside an
evident app; a name alone never gives a file-exchange category.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from sidecar_lint.document import SourceFile
from sidecar_lint.loading import load_source
from sidecar_lint.model import Role, Weight, Workload
from sidecar_lint.roles import SidecarPatterns, classify_containers, sidecar_evidence
from sidecar_lint.workload import iter_workloads

M, S, N, U = Role.MAIN, Role.SIDECAR, Role.NATIVE_SIDECAR, Role.UNKNOWN


def load(text: str) -> list[Workload]:
    doc = load_source(SourceFile("w.yaml", textwrap.dedent(text))).documents[0]
    return list(iter_workloads(doc))


def roles(text: str) -> dict[str, tuple[Role, str | None]]:
    (w,) = load(text)
    return {c.name: (c.role, c.sidecar_kind) for c in w.containers}


#: The Kubernetes docs' streaming-sidecar counter: the app loops forever writing two logs,
#: two busybox containers stream them with tail -F.
COUNTER = """\
apiVersion: v1
kind: Pod
metadata:
  name: counter
spec:
  containers:
  - name: count
    image: busybox:1.28
    args:
    - /bin/sh
    - -c
    - >
      i=0; while true; do
        echo "$i: $(date)" >> /var/log/1.log;
        echo "$(date) INFO $i" >> /var/log/2.log;
        i=$((i+1));
        sleep 1;
      done
    volumeMounts:
    - {name: varlog, mountPath: /var/log}
  - name: count-log-1
    image: busybox:1.28
    args: [/bin/sh, -c, 'tail -n+1 -F /var/log/1.log']
    volumeMounts:
    - {name: varlog, mountPath: /var/log}
  - name: count-log-2
    image: busybox:1.28
    args: [/bin/sh, -c, 'tail -n+1 -F /var/log/2.log']
    volumeMounts:
    - {name: varlog, mountPath: /var/log}
  volumes:
  - name: varlog
    emptyDir: {}
"""


def test_the_looping_counter_app_stays_main_beside_its_log_streamers() -> None:
    assert roles(COUNTER) == {
        "count": (M, None),
        "count-log-1": (S, "log-shipper"),
        "count-log-2": (S, "log-shipper"),
    }
    (w,) = load(COUNTER)
    count = w.containers[0]
    assert count.evidence[0].source == "elimination"
    assert [(e.source, e.weight) for e in count.evidence[1:]] == [("loop", Weight.NAME)]


def test_a_sleeping_native_sidecar_named_log_shipper_gets_no_file_exchange_category() -> None:
    """The docs' resources example: the name says log shipper, the command only sleeps."""
    found = roles(
        """\
        apiVersion: v1
        kind: Pod
        metadata:
          name: resources-example
        spec:
          initContainers:
          - name: setup
            image: registry.k8s.io/busybox:1.27.2
            command: ["sh", "-c", "echo setting up"]
          - name: log-shipper
            image: registry.k8s.io/busybox:1.27.2
            restartPolicy: Always
            command: ["sh", "-c", "while true; do sleep 3600; done"]
          containers:
          - name: app
            image: nginx:1.29
        """
    )
    assert found == {"setup": (Role.INIT, None), "log-shipper": (N, None), "app": (M, None)}


def test_a_catalogued_name_alone_gives_no_file_exchange_category() -> None:
    found = roles(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop}
        spec:
          template:
            metadata: {labels: {app: shop}}
            spec:
              containers:
              - {name: shop, image: registry.example.com/shop:2.0.0}
              - name: fluent-bit
                image: busybox:1.36
                command: [sleep, infinity]
        """
    )
    assert found == {"shop": (M, None), "fluent-bit": (S, None)}


def test_an_image_named_for_the_job_is_image_evidence() -> None:
    found = roles(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          initContainers:
            - {name: shipper, image: localhost:5000/log-shipper, restartPolicy: Always}
          containers:
            - {name: web, image: registry.example.com/web:3.1.0}
        """
    )
    assert found == {"shipper": (N, "log-shipper"), "web": (M, None)}


def test_a_shipping_command_gives_the_category_without_a_catalogued_image() -> None:
    found = roles(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: adapter-pattern-example}
        spec:
          initContainers:
          - name: adapter
            image: registry.k8s.io/busybox:1.27.2
            restartPolicy: Always
            command: ["sh", "-c", 'tail -F /var/log/app/raw.log | while read l; do echo "$l"; done']
          - name: ambassador
            image: docker.io/alpine/socat:1.8.0.3
            restartPolicy: Always
            args: ["tcp-listen:5432,fork", "tcp-connect:external-db.example.com:5432"]
          containers:
          - name: main-app
            image: registry.k8s.io/busybox:1.27.2
            command: ["sh", "-c", 'while true; do echo "event" >> /var/log/app/raw.log; done']
        """
    )
    assert found == {
        "adapter": (N, "log-shipper"),
        "ambassador": (N, "network-proxy"),
        "main-app": (M, None),
    }


REDIS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
  labels: {app: redis}
spec:
  serviceName: redis
  selector:
    matchLabels: {app: redis}
  template:
    metadata:
      labels: {app: redis}
    spec:
      containers:
        - name: sentinel
          image: redis:7.2.5
          command: [redis-sentinel, /etc/redis/sentinel.conf]
          ports: [{name: sentinel, containerPort: 26379}]
        - name: redis
          image: redis:7.2.5
          command: [redis-server, /etc/redis/redis.conf]
          ports: [{name: redis, containerPort: 6379}]
"""


def test_redis_and_its_sentinel_share_an_image_and_are_told_apart_by_name() -> None:
    assert roles(REDIS) == {"sentinel": (S, None), "redis": (M, None)}
    (w,) = load(REDIS)
    assert w.containers[1].evidence[0].source == "identity"
    assert w.containers[0].evidence[0].source == "shared-image"


def test_a_shared_image_told_apart_by_a_port_name() -> None:
    found = roles(
        """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: cache-node
        spec:
          serviceName: cache
          template:
            metadata:
              labels: {app.kubernetes.io/name: cache}
            spec:
              containers:
                - name: server
                  image: bitnami/redis:7.2.5
                  ports: [{name: cache, containerPort: 6379}]
                - name: monitor
                  image: bitnami/redis:7.2.5
                  command: [redis-sentinel, /opt/bitnami/redis-sentinel/etc/sentinel.conf]
                  ports: [{name: sentinel, containerPort: 26379}]
        """
    )
    assert found == {"server": (M, None), "monitor": (S, None)}


def test_two_containers_of_one_image_with_no_identity_stay_unknown() -> None:
    found = roles(
        """\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: etl}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - {name: extract, image: registry.example.com/etl:1.0.0, args: [extract]}
                - {name: load, image: registry.example.com/etl:1.0.0, args: [load]}
        """
    )
    assert found == {"extract": (U, None), "load": (U, None)}


def test_several_main_containers_beside_a_decisive_sidecar() -> None:
    found = roles(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop}
        spec:
          template:
            spec:
              containers:
                - {name: frontend, image: registry.example.com/shop/frontend:3.0.0}
                - {name: backend, image: registry.example.com/shop/backend:3.0.0}
                - {name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0}
        """
    )
    assert found == {
        "frontend": (M, None),
        "backend": (M, None),
        "istio-proxy": (S, "network-proxy"),
    }


def test_two_looping_workers_are_not_evidently_the_app() -> None:
    found = roles(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: workers}
        spec:
          containers:
            - name: worker-a
              image: registry.example.com/worker:1.0.0
              command: ["sh", "-c", "while true; do ./work; sleep 5; done"]
            - name: worker-b
              image: registry.example.com/worker:1.0.0
              command: ["sh", "-c", "while true; do ./work; sleep 5; done"]
            - {name: fluent-bit, image: fluent/fluent-bit:3.1.9}
        """
    )
    assert found == {
        "worker-a": (U, None),
        "worker-b": (U, None),
        "fluent-bit": (S, "log-shipper"),
    }


def test_a_catalogued_image_outweighs_the_default_container_annotation() -> None:
    found = roles(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            metadata:
              annotations: {kubectl.kubernetes.io/default-container: istio-proxy}
            spec:
              containers:
                - {name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0}
                - {name: server, image: registry.example.com/server:1.0.0}
        """
    )
    assert found == {"istio-proxy": (S, "network-proxy"), "server": (M, None)}
    (w,) = load(
        """\
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          annotations: {kubectl.kubernetes.io/default-container: istio-proxy}
        spec:
          containers:
            - {name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0}
            - {name: server, image: registry.example.com/server:1.0.0}
        """
    )
    proxy = w.containers[0]
    assert [(e.source, e.suggests) for e in proxy.evidence] == [
        ("image", S),
        ("known-name", S),
        ("name", S),
        ("annotation", M),  # weighed, set aside: listed after the evidence that decided
    ]
    assert not any("annotation" in r for r in proxy.reasons)


def test_the_annotation_decides_between_catalogued_images() -> None:
    """A Fluent Bit aggregator with its config reloader: both images are catalogued."""
    text = """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: log-aggregator}
        spec:
          template:
            metadata:
              annotations: {kubectl.kubernetes.io/default-container: fluent-bit}
            spec:
              containers:
                - {name: fluent-bit, image: fluent/fluent-bit:3.1.9}
                - {name: reloader, image: jimmidyson/configmap-reload:v0.14.0}
        """
    assert roles(text) == {"fluent-bit": (M, None), "reloader": (S, "config-reloader")}
    (w,) = load(text)
    decided = w.containers[0].evidence[0]
    assert (decided.weight, decided.source, decided.suggests) == (
        Weight.ANNOTATION,
        "annotation",
        Role.MAIN,
    )


def test_weights_order_image_configuration_command_name() -> None:
    spec = {
        "name": "log-shipper",
        "image": "fluent/fluent-bit:3.1.9",
        "command": ["/fluent-bit/bin/fluent-bit", "-c", "/fluent-bit/etc/fluent-bit.conf"],
    }
    found = sidecar_evidence(spec, SidecarPatterns(names=("log-*",)))
    assert [(e.weight, e.source) for e in found] == [
        (Weight.IMAGE, "image"),
        (Weight.ANNOTATION, "configured"),
        (Weight.COMMAND, "command"),
        (Weight.NAME, "name"),
    ]
    assert Weight.IMAGE > Weight.ANNOTATION > Weight.COMMAND > Weight.NAME


def test_the_category_follows_the_heaviest_evidence() -> None:
    """A container named like a proxy whose command tails a log is a log shipper."""
    (w,) = load(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: api}
        spec:
          containers:
            - {name: api, image: registry.example.com/api:1.0.0}
            - name: edge-proxy
              image: busybox:1.36
              args: [sh, -c, "tail -F /logs/api.log"]
        """
    )
    shipper = w.containers[1]
    assert (shipper.role, shipper.sidecar_kind) == (S, "log-shipper")
    assert [e.source for e in shipper.evidence] == ["command", "name"]


def test_a_loop_marks_a_sidecar_only_beside_an_evident_app() -> None:
    spec = {"name": "debug-shell", "image": "busybox:1.36", "command": ["sleep", "infinity"]}
    (loop,) = sidecar_evidence(spec)
    assert (loop.weight, loop.source) == (Weight.NAME, "loop")
    beside_app = roles(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: tools}
        spec:
          containers:
            - {name: app, image: registry.example.com/app:1.0.0}
            - {name: debug-shell, image: busybox:1.36, command: [sleep, infinity]}
        """
    )
    assert beside_app == {"app": (M, None), "debug-shell": (S, None)}


def test_every_view_carries_the_evidence_its_reasons_come_from() -> None:
    (w,) = load(REDIS)
    for c in w.containers:
        assert c.reasons == tuple(e.reason for e in c.evidence[: len(c.reasons)])
    again = list(classify_containers(w))
    assert [c.evidence for c in again] == [c.evidence for c in w.containers]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_show_roles_prints_each_piece_of_evidence_with_its_weight(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "counter.yaml").write_text(COUNTER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--show-roles", "--format", fmt, "counter.yaml"]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        (entry,) = json.loads(out)
        count, log1, _ = entry["containers"]
        assert [(e["source"], e["weight"], e["decides"]) for e in count["evidence"]] == [
            ("elimination", 0, True),
            ("loop", 1, False),
        ]
        assert log1["evidence"] == [
            {
                "reason": "command tails a file forever ('tail -f')",
                "source": "command",
                "weight": 2,
                "weightName": "command",
                "suggests": "sidecar",
                "decides": True,
            }
        ]
        return
    lines = out.splitlines()
    assert "- command tails a file forever ('tail -f')  (weight 2, command)" in lines[5]
    assert lines[3].endswith(
        "- weighed, not deciding: command loops forever ('while true')  (weight 1, loop)"
    )
