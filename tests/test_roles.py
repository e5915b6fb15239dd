"""Container roles on real-world pairings, including the ones that must stay ``unknown``."""

from __future__ import annotations

from typing import Any

import pytest

from sidecar_lint.document import SourceFile
from sidecar_lint.loading import load_source
from sidecar_lint.model import Role, Workload
from sidecar_lint.workload import iter_workloads

M, S, N, INIT, E, U = (
    Role.MAIN,
    Role.SIDECAR,
    Role.NATIVE_SIDECAR,
    Role.INIT,
    Role.EPHEMERAL,
    Role.UNKNOWN,
)


def c(name: str, image: str, *command: str, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "image": image, **extra}
    if command:
        spec["command"] = list(command)
    return spec


def workload(
    containers: list[dict[str, Any]],
    name: str = "web",
    kind: str = "Deployment",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    init: list[dict[str, Any]] | None = None,
    ephemeral: list[dict[str, Any]] | None = None,
) -> Workload:
    import json

    spec: dict[str, Any] = {"containers": containers}
    if init:
        spec["initContainers"] = init
    if ephemeral:
        spec["ephemeralContainers"] = ephemeral
    template = {
        "metadata": {"labels": labels or {}, "annotations": annotations or {}},
        "spec": spec,
    }
    api = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Job": "batch/v1"}[kind]
    obj = {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"template": template},
    }
    loaded = load_source(SourceFile("w.json", json.dumps(obj)))
    (w,) = iter_workloads(loaded.documents[0])
    return w


def roles(w: Workload) -> dict[str, Role]:
    return {c.name: c.role for c in w.containers}


PAIRINGS = [
    (
        "istio proxy next to an app matching its label",
        workload(
            [
                c("reviews", "docker.io/istio/examples-bookinfo-reviews-v1:1.20"),
                c("istio-proxy", "docker.io/istio/proxyv2:1.22.0"),
            ],
            name="reviews-v1",
            labels={"app": "reviews"},
        ),
        {"reviews": M, "istio-proxy": S},
    ),
    (
        "istio proxy, app with no matching name",
        workload(
            [
                c("server", "registry.example.com/server:1.0"),
                c("istio-proxy", "gcr.io/istio-release/proxyv2:1.21.2"),
            ],
            name="web",
        ),
        {"server": M, "istio-proxy": S},
    ),
    (
        "linkerd proxy injected first",
        workload(
            [
                c("linkerd-proxy", "cr.l5d.io/linkerd/proxy:edge-24.1.1"),
                c("api", "registry.example.com/api:3.1"),
            ],
            name="orders",
        ),
        {"linkerd-proxy": S, "api": M},
    ),
    (
        "envoy front proxy",
        workload(
            [
                c("frontend", "registry.example.com/frontend:2.0"),
                c("envoy", "envoyproxy/envoy:v1.31.0"),
            ],
            name="frontend",
        ),
        {"frontend": M, "envoy": S},
    ),
    (
        "legacy Cloud SQL proxy",
        workload(
            [
                c("bookshelf", "gcr.io/my-project/bookshelf:1"),
                c("cloudsql-proxy", "gcr.io/cloudsql-docker/gce-proxy:1.33.2"),
            ],
            name="bookshelf",
        ),
        {"bookshelf": M, "cloudsql-proxy": S},
    ),
    (
        "vault agent injector: init plus sidecar",
        workload(
            [
                c("orders", "registry.example.com/orders:5"),
                c("vault-agent", "hashicorp/vault:1.17.2"),
            ],
            name="orders",
            init=[c("vault-agent-init", "hashicorp/vault:1.17.2")],
        ),
        {"vault-agent-init": INIT, "orders": M, "vault-agent": S},
    ),
    (
        "grafana with two k8s-sidecar containers first",
        workload(
            [
                c("grafana-sc-dashboard", "quay.io/kiwigrid/k8s-sidecar:1.27.4"),
                c("grafana-sc-datasources", "quay.io/kiwigrid/k8s-sidecar:1.27.4"),
                c("grafana", "docker.io/grafana/grafana:11.2.0"),
            ],
            name="release-grafana",
            labels={"app.kubernetes.io/name": "grafana"},
        ),
        {"grafana-sc-dashboard": S, "grafana-sc-datasources": S, "grafana": M},
    ),
    (
        "prometheus with its config reloader",
        workload(
            [
                c("prometheus", "quay.io/prometheus/prometheus:v2.53.0"),
                c(
                    "config-reloader",
                    "quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0",
                ),
            ],
            name="prometheus-k8s",
            kind="StatefulSet",
        ),
        {"prometheus": M, "config-reloader": S},
    ),
    (
        "alertmanager with configmap-reload",
        workload(
            [
                c("alertmanager", "quay.io/prometheus/alertmanager:v0.27.0"),
                c("configmap-reload", "jimmidyson/configmap-reload:v0.5.0"),
            ],
            name="alertmanager",
        ),
        {"alertmanager": M, "configmap-reload": S},
    ),
    (
        "nginx with a fluent-bit log shipper",
        workload(
            [c("nginx", "nginx:1.27"), c("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.1")],
            name="web",
        ),
        {"nginx": M, "fluent-bit": S},
    ),
    (
        "alertmanager behind an nginx reverse proxy",
        workload(
            [
                c("alertmanager", "quay.io/prometheus/alertmanager:v0.27.0"),
                c("nginx", "nginx:1.27-alpine"),
            ],
            name="alertmanager",
            kind="StatefulSet",
        ),
        {"alertmanager": M, "nginx": S},
    ),
    (
        "nginx and php-fpm: the evidence does not decide",
        workload([c("nginx", "nginx:1.27"), c("php-fpm", "php:8.3-fpm")], name="blog"),
        {"nginx": U, "php-fpm": U},
    ),
    (
        "two batch containers in a Job are not sidecars",
        workload(
            [
                c("extract", "registry.example.com/etl:1", "python", "extract.py"),
                c("transform", "registry.example.com/etl:1", "python", "transform.py"),
            ],
            name="etl",
            kind="Job",
        ),
        {"extract": U, "transform": U},
    ),
    (
        "the Kubernetes docs' legacy logshipper Job",
        workload(
            [
                c("myjob", "alpine:latest", "sh", "-c", "echo 'logging' > /opt/logs.txt"),
                c("logshipper", "alpine:latest", "sh", "-c", "tail -F /opt/logs.txt"),
            ],
            name="myjob",
            kind="Job",
        ),
        {"myjob": M, "logshipper": S},
    ),
    (
        "oauth2-proxy in front of a dashboard",
        workload(
            [
                c("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0"),
                c("dashboard", "registry.example.com/dashboard:4"),
            ],
            name="dashboard",
        ),
        {"oauth2-proxy": S, "dashboard": M},
    ),
    (
        "kubebuilder manager with kube-rbac-proxy",
        workload(
            [
                c("kube-rbac-proxy", "gcr.io/kubebuilder/kube-rbac-proxy:v0.16.0"),
                c("manager", "controller:latest", "/manager"),
            ],
            name="controller-manager",
        ),
        {"kube-rbac-proxy": S, "manager": M},
    ),
    (
        "static site served by nginx, refreshed by git-sync",
        workload(
            [c("nginx", "nginx:1.27"), c("git-sync", "registry.k8s.io/git-sync/git-sync:v4.2.3")],
            name="docs",
        ),
        {"nginx": M, "git-sync": S},
    ),
    (
        "OpenTelemetry collector sidecar",
        workload(
            [
                c("checkout", "registry.example.com/checkout:7"),
                c("otc-container", "otel/opentelemetry-collector-contrib:0.104.0"),
            ],
            name="checkout",
        ),
        {"checkout": M, "otc-container": S},
    ),
    (
        "redis with its exporter",
        workload(
            [c("redis", "redis:7.2"), c("redis-exporter", "oliver006/redis_exporter:v1.62.0")],
            name="redis",
            kind="StatefulSet",
        ),
        {"redis": M, "redis-exporter": S},
    ),
    (
        "a single container is main",
        workload([c("vector", "timberio/vector:0.39.0-debian")], name="vector"),
        {"vector": M},
    ),
    (
        "an app named like a catalogued tool is still the app",
        workload(
            [
                c("vector", "timberio/vector:0.39.0-debian"),
                c("configmap-reload", "jimmidyson/configmap-reload:v0.5.0"),
            ],
            name="vector",
        ),
        {"vector": M, "configmap-reload": S},
    ),
    (
        "the annotation decides, even against the order",
        workload(
            [c("istio-proxy", "istio/proxyv2:1.22.0"), c("app", "registry.example.com/app:1")],
            annotations={"kubectl.kubernetes.io/default-container": "app"},
        ),
        {"istio-proxy": S, "app": M},
    ),
    (
        "two application containers with no evidence",
        workload(
            [
                c("frontend", "registry.example.com/frontend:1"),
                c("backend", "registry.example.com/backend:1"),
            ],
            name="shop",
        ),
        {"frontend": U, "backend": U},
    ),
    (
        "a helper that sleeps forever",
        workload(
            [
                c("app", "registry.example.com/app:1"),
                c("debug-shell", "busybox:1.36", "sleep", "infinity"),
            ],
            name="tools",
        ),
        {"app": M, "debug-shell": S},
    ),
    (
        "a name pattern alone does not make the neighbour main",
        workload(
            [c("api-gateway-proxy", "registry.example.com/gateway:2"), c("redis", "redis:7.2")],
            name="edge",
        ),
        {"api-gateway-proxy": U, "redis": U},
    ),
    (
        "the docs' count pod: an endless app loop next to a known log agent",
        workload(
            [
                c(
                    "count",
                    "busybox:1.28",
                    "/bin/sh",
                    "-c",
                    "i=0; while true; do echo $i; sleep 1; done",
                ),
                c("count-agent", "registry.k8s.io/fluentd-gcp:1.30"),
            ],
            name="counter",
        ),
        {"count": M, "count-agent": S},
    ),
    (
        "native istio: proxy as init with restartPolicy Always",
        workload(
            [c("app", "registry.example.com/app:1")],
            init=[
                c("istio-init", "istio/proxyv2:1.22.0"),
                c("istio-proxy", "istio/proxyv2:1.22.0", restartPolicy="Always"),
            ],
        ),
        {"istio-init": INIT, "istio-proxy": N, "app": M},
    ),
    (
        "ephemeral debug container",
        workload(
            [c("app", "registry.example.com/app:1")],
            ephemeral=[c("debugger", "busybox:1.36", targetContainerName="app")],
        ),
        {"app": M, "debugger": E},
    ),
]


@pytest.mark.parametrize(("title", "w", "expected"), PAIRINGS, ids=[p[0] for p in PAIRINGS])
def test_pairing(title: str, w: Workload, expected: dict[str, Role]) -> None:
    assert roles(w) == expected, [(c.name, c.role, c.reasons) for c in w.containers]


def test_every_role_has_reasons() -> None:
    for _, w, _ in PAIRINGS:
        assert all(c.reasons for c in w.containers)


def test_sidecar_categories() -> None:
    w = PAIRINGS[0][1]
    proxy = next(c for c in w.containers if c.name == "istio-proxy")
    assert (proxy.sidecar_kind, proxy.sidecar_title) == ("network-proxy", "Istio proxy")
    logs = next(c for c in PAIRINGS[13][1].containers if c.name == "logshipper")
    assert logs.sidecar_kind == "log-shipper"


def test_wrong_types_never_crash() -> None:
    """Lists of the wrong type hold no containers; of a list's entries only mappings count."""
    import json

    for spec, expected in (
        ({"containers": "x"}, []),
        ({"containers": [7, None, {"name": 5}]}, [(("spec", "containers", 2), Role.MAIN)]),
        ({"initContainers": {}}, []),
    ):
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": None, "spec": spec}
        loaded = load_source(SourceFile("p.json", json.dumps(obj)))
        (workload,) = iter_workloads(loaded.documents[0])
        assert workload.kind.kind == "Pod"
        assert [(c.pointer, c.role) for c in workload.containers] == expected, spec


def test_cronjob_and_custom_kinds_are_found() -> None:
    text = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: backup, image: "x:1"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: r}
spec:
  template:
    spec:
      containers: [{name: r, image: "x:1"}]
---
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: cs}
spec:
  template:
    spec:
      containers: [{name: cs, image: "x:1"}]
"""
    loaded = load_source(SourceFile("k.yaml", text))
    found = [
        (w.ref.kind, w.template_pointer, w.runs_to_completion)
        for d in loaded.documents
        for w in iter_workloads(d)
    ]
    assert found == [
        ("CronJob", ("spec", "jobTemplate", "spec", "template"), True),
        ("Rollout", ("spec", "template"), False),
        ("CloneSet", ("spec", "template"), False),
    ]


def test_bare_pod_completion_follows_restart_policy() -> None:
    for policy, completes in (
        ("Never", True),
        ("OnFailure", True),
        ("Always", False),
        (None, False),
    ):
        spec = "restartPolicy: " + policy + "\n  " if policy else ""
        text = (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
            f"  {spec}containers: [{{name: a, image: 'x:1'}}]\n"
        )
        (w,) = iter_workloads(load_source(SourceFile("p.yaml", text)).documents[0])
        assert w.runs_to_completion is completes


def test_user_kinds_with_jsonpath() -> None:
    from sidecar_lint.model import WorkloadKind

    text = """\
apiVersion: example.com/v1
kind: Worker
metadata: {name: w}
spec:
  podTemplate:
    spec:
      containers: [{name: w, image: "x:1"}]
"""
    kind = WorkloadKind("example.com", "Worker", "$.spec.podTemplate")
    doc = load_source(SourceFile("w.yaml", text)).documents[0]
    (w,) = iter_workloads(doc, [kind])
    assert w.template_pointer == ("spec", "podTemplate")
    text2 = """\
apiVersion: example.com/v1
kind: Fleet
metadata: {name: f}
spec:
  roles:
    - {role: coordinator, template: {spec: {containers: [{name: c, image: "x:1"}]}}}
    - {role: worker, template: {spec: {containers: [{name: w, image: "x:1"}]}}}
"""
    fleet = WorkloadKind("example.com", "Fleet", "$.spec.roles[?(@.role=='worker')].template")
    doc2 = load_source(SourceFile("f.yaml", text2)).documents[0]
    (w2,) = iter_workloads(doc2, [fleet])
    assert w2.template_pointer == ("spec", "roles", 1, "template")
    assert [c.name for c in w2.containers] == ["w"]
    odd = WorkloadKind("example.com", "Worker", "$.spec[?(@.spec)]")
    (w3,) = iter_workloads(doc, [odd])
    assert w3.template_pointer == ("spec", "podTemplate")
    assert isinstance(doc.data["spec"], dict), "matching must never change the document"
