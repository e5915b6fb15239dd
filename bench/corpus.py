"""Write a deterministic corpus of realistic Kubernetes manifests for benchmarks.

``python -m bench.corpus --out /tmp/corpus --mb 50 --seed 1`` writes about
50 MB of YAML (and a little JSON) in a directory tree that looks like a
monorepo: Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Pods with
one to four containers, env lists, probes, annotations, native sidecars and
injected proxies; Services, ConfigMaps and Helm values files around them; a
share of manifests carrying each rule's mistake; a few broken files; the rule
catalogue's own bad and good examples; and one large ``kubectl get -A -o yaml``
style dump with thousands of objects. The same seed and size always give the
same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z0-9_/.-][A-Za-z0-9_./@:=+%-]*(?: [A-Za-z0-9_./@=+%-]+)*$")
_NUMBERISH = re.compile(r"^[-+.0-9][-+.0-9_:eE]*$|^0[xob]|^\.(?:inf|nan)$", re.IGNORECASE)
_RESERVED = frozenset(
    [
        "y",
        "Y",
        "n",
        "N",
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "null",
        "Null",
        "NULL",
    ]
)

#: Share of workloads given one rule's mistake on purpose (others still trip rules by chance).
MISTAKE_RATE = 0.1

TEAMS = ("payments", "search", "platform", "identity", "data", "growth", "ml", "edge", "ops")
APPS = (
    "api",
    "web",
    "worker",
    "gateway",
    "scheduler",
    "indexer",
    "billing",
    "auth",
    "cart",
    "catalog",
    "checkout",
    "ledger",
    "mailer",
    "notifier",
    "reports",
    "sync",
    "uploader",
)
ENVS = ("dev", "staging", "prod", "prod-eu", "prod-us")
REGISTRIES = (
    "registry.example.com",
    "ghcr.io/example",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
)
SIDECARS: tuple[tuple[str, str, str], ...] = (
    # name, image, kind of helper
    ("istio-proxy", "docker.io/istio/proxyv2:1.22.3", "proxy"),
    ("linkerd-proxy", "cr.l5d.io/linkerd/proxy:stable-2.14.10", "proxy"),
    ("envoy", "envoyproxy/envoy:v1.30.2", "proxy"),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0", "db"),
    ("fluent-bit", "fluent/fluent-bit:3.1.9", "logs"),
    ("vector", "timberio/vector:0.39.0-distroless-libc", "logs"),
    ("config-reloader", "ghcr.io/jimmidyson/configmap-reload:v0.13.1", "reload"),
    ("git-sync", "registry.k8s.io/git-sync/git-sync:v4.2.3", "files"),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0", "proxy"),
    ("statsd-exporter", "prom/statsd-exporter:v0.26.1", "metrics"),
    ("otel-agent", "otel/opentelemetry-collector-contrib:0.104.0", "metrics"),
    ("vault-agent", "hashicorp/vault:1.17.2", "secrets"),
)


# --------------------------------------------------------------------------- emitter


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if (
        _PLAIN.match(text)
        and text not in _RESERVED
        and not _NUMBERISH.match(text)
        and not text.endswith(":")
        and not text.startswith("- ")
        and text not in ("-", ".")
        and not re.match(r"^\d{4}-\d\d-\d\d", text)
    ):
        return text
    return json.dumps(text)


def emit(value: Any, indent: int = 0, list_indent: bool = True) -> Iterator[str]:
    """Block-style YAML lines for ``value`` (a mapping at the top)."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _entry(f"{pad}{_scalar(key)}:", item, indent, list_indent)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                lines = list(emit(item, indent + 2, list_indent))
                yield f"{pad}- {lines[0][indent + 2 :]}"
                yield from lines[1:]
            elif isinstance(item, list) and item:
                yield f"{pad}-"
                yield from emit(item, indent + 2, list_indent)
            else:
                yield f"{pad}- {_inline(item)}"


def _entry(head: str, item: Any, indent: int, list_indent: bool) -> Iterator[str]:
    if isinstance(item, dict) and item:
        if (
            len(item) <= 2
            and all(isinstance(v, (str, int)) for v in item.values())
            and len(str(item)) < 50
        ):
            yield f"{head} {_inline(item)}"
            return
        yield head
        yield from emit(item, indent + 2, list_indent)
    elif isinstance(item, list) and item:
        yield head
        yield from emit(item, indent + 2 if list_indent else indent, list_indent)
    elif isinstance(item, str) and "\n" in item:
        yield f"{head} |"
        for line in item.rstrip("\n").split("\n"):
            yield f"{' ' * (indent + 2)}{line}" if line else ""
    else:
        yield f"{head} {_inline(item)}"


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{_scalar(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def to_yaml(doc: Any, list_indent: bool = True) -> str:
    return "\n".join(emit(doc, 0, list_indent)) + "\n"


# --------------------------------------------------------------------------- objects


class Maker:
    """Builds manifests from one random stream (so a seed fixes everything)."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def pick(self, seq: Any) -> Any:
        return seq[self.r.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def quantity(self, kind: str) -> str:
        if kind == "cpu":
            return self.pick(("50m", "100m", "250m", "500m", "1", "2"))
        return self.pick(("64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"))

    def resources(self, scale: int = 1, helper: bool = False) -> dict[str, Any]:
        if helper:
            cpu = self.pick(("10m", "20m", "50m"))
            mem = self.pick(("32Mi", "64Mi"))
        else:
            cpu = self.pick(("100m", "250m", "500m"))
            mem = self.pick(("128Mi", "256Mi", "512Mi"))
        out: dict[str, Any] = {"requests": {"cpu": cpu, "memory": mem}}
        if scale > 1:
            out["requests"] = {"cpu": f"{scale}", "memory": f"{scale}Gi"}
        out["limits"] = {"memory": out["requests"]["memory"]}
        if self.chance(0.3):
            out["limits"]["cpu"] = out["requests"]["cpu"]
        return out

    def probe(self, port: int) -> dict[str, Any]:
        kind = self.r.randrange(3)
        if kind == 0:
            action: dict[str, Any] = {
                "httpGet": {"path": self.pick(("/healthz", "/ready", "/livez")), "port": port}
            }
        elif kind == 1:
            action = {"tcpSocket": {"port": port}}
        else:
            action = {"exec": {"command": ["sh", "-c", "test -f /tmp/healthy"]}}
        action.update(
            {
                "initialDelaySeconds": self.pick((0, 5, 10, 30)),
                "periodSeconds": self.pick((5, 10, 15)),
                "failureThreshold": self.pick((3, 5, 30)),
            }
        )
        return action

    def env(self, app: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(self.r.randrange(2, 14)):
            word = self.pick(("HOST", "PORT", "MODE", "LEVEL", "URL", "TIMEOUT", "FLAG"))
            name = f"{app.upper().replace('-', '_')}_{word}_{i}"
            choice = self.r.randrange(5)
            if choice == 0:
                out.append(
                    {
                        "name": name,
                        "valueFrom": {
                            "secretKeyRef": {"name": f"{app}-secrets", "key": name.lower()}
                        },
                    }
                )
            elif choice == 1:
                out.append(
                    {"name": name, "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}
                )
            elif choice == 2:
                out.append({"name": name, "value": str(self.r.randrange(1, 65535))})
            elif choice == 3:
                out.append({"name": name, "value": self.pick(("true", "false", "debug", "info"))})
            else:
                out.append(
                    {
                        "name": name,
                        "value": f"http://{app}.{self.pick(TEAMS)}.svc.cluster.local:"
                        f"{self.r.randrange(1000, 9999)}/v1",
                    }
                )
        return out

    def image(self, app: str, team: str) -> str:
        registry = self.pick(REGISTRIES)
        major, minor, patch = self.r.randrange(1, 9), self.r.randrange(0, 40), self.r.randrange(20)
        return f"{registry}/{team}/{app}:{major}.{minor}.{patch}"

    def main_container(self, app: str, team: str, port: int, volumes: list[str]) -> dict[str, Any]:
        c: dict[str, Any] = {
            "name": app,
            "image": self.image(app, team),
            "imagePullPolicy": self.pick(("IfNotPresent", "Always")),
        }
        if self.chance(0.4):
            c["args"] = [
                f"--port={port}",
                f"--log-level={self.pick(('info', 'debug'))}",
                "--metrics",
            ]
        c["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        if self.chance(0.3):
            c["ports"].append({"name": "metrics", "containerPort": 9090, "protocol": "TCP"})
        c["env"] = self.env(app)
        if self.chance(0.5):
            c["envFrom"] = [{"configMapRef": {"name": f"{app}-config"}}]
        c["resources"] = self.resources()
        if self.chance(0.8):
            c["livenessProbe"] = self.probe(port)
            c["readinessProbe"] = self.probe(port)
        c["securityContext"] = {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        if volumes:
            c["volumeMounts"] = [{"name": v, "mountPath": f"/var/{v}"} for v in volumes]
        return c

    def sidecar(self, team: str, volumes: list[str], native: bool) -> dict[str, Any]:
        name, image, kind = self.pick(SIDECARS)
        c: dict[str, Any] = {"name": name, "image": image}
        if native:
            c["restartPolicy"] = "Always"
        if kind == "proxy":
            c["args"] = ["proxy", "sidecar", "--log-level=warning"]
            c["ports"] = [{"name": "proxy", "containerPort": 15090 + self.r.randrange(5)}]
        elif kind == "logs":
            c["args"] = ["--config=/etc/shipper/config.yaml"]
        elif kind == "db":
            c["args"] = ["--port=5432", f"{team}-project:europe-west1:{team}-db"]
        c["resources"] = self.resources(helper=True)
        if native and kind in ("proxy", "db", "secrets") and self.chance(0.9):
            c["startupProbe"] = {
                "tcpSocket": {"port": 15021},
                "periodSeconds": 1,
                "failureThreshold": 30,
            }
        if kind in ("logs", "reload", "files", "secrets"):
            if not volumes:
                volumes.append("shared")
            c["volumeMounts"] = [
                {"name": volumes[0], "mountPath": f"/var/{volumes[0]}", "readOnly": True}
            ]
        return c

    def pod_spec(self, app: str, team: str, completes: bool) -> dict[str, Any]:
        port = self.pick((8080, 8000, 3000, 5000, 9000))
        volumes = [v for v in ("logs", "cache", "config", "data") if self.chance(0.35)]
        spec: dict[str, Any] = {}
        if self.chance(0.6):
            spec["serviceAccountName"] = app
        containers = [self.main_container(app, team, port, volumes)]
        init: list[dict[str, Any]] = []
        n_helpers = self.pick((0, 0, 1, 1, 1, 2, 3))
        shared = not volumes
        for _ in range(n_helpers):
            native = self.chance(0.95 if completes else 0.4)
            helper = self.sidecar(team, volumes, native)
            if any(h["name"] == helper["name"] for h in containers + init):
                helper["name"] += f"-{len(containers) + len(init)}"
            (init if native else containers).append(helper)
        if shared and volumes:
            containers[0]["volumeMounts"] = [{"name": v, "mountPath": f"/var/{v}"} for v in volumes]
        if self.chance(0.3):
            init.insert(
                0,
                {
                    "name": "migrate",
                    "image": self.image(app, team),
                    "command": ["/app/migrate", "--up"],
                    "resources": self.resources(),
                },
            )
        if completes:
            spec["restartPolicy"] = self.pick(("Never", "OnFailure"))
        if init:
            spec["initContainers"] = init
        spec["containers"] = containers
        if volumes:
            spec["volumes"] = [
                {"name": v, "emptyDir": {}}
                if v != "config"
                else {"name": v, "configMap": {"name": f"{app}-config"}}
                for v in volumes
            ]
        if self.chance(0.3):
            spec["nodeSelector"] = {
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/pool": self.pick(("general", "compute")),
            }
        if self.chance(0.2):
            spec["tolerations"] = [
                {"key": "dedicated", "operator": "Equal", "value": team, "effect": "NoSchedule"}
            ]
        spec["terminationGracePeriodSeconds"] = self.pick((30, 60, 120))
        return spec

    def metadata(self, name: str, team: str, env: str, pod: bool = False) -> dict[str, Any]:
        labels = {
            "app": name,
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/part-of": team,
            "environment": env,
        }
        meta: dict[str, Any] = {"name": name, "namespace": f"{team}-{env}", "labels": labels}
        if self.chance(0.5):
            meta["annotations"] = {
                "owner": f"team-{team}@example.com",
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "9090",
            }
            if pod and self.chance(0.4):
                meta["annotations"]["sidecar.istio.io/inject"] = self.pick(("true", "false"))
        return meta

    def workload(self, team: str, env: str) -> dict[str, Any]:
        app = f"{self.pick(APPS)}-{self.r.randrange(100)}"
        kind = self.pick(
            (
                "Deployment",
                "Deployment",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "Job",
                "CronJob",
                "Pod",
            )
        )
        completes = kind in ("Job", "CronJob") or (kind == "Pod" and self.chance(0.5))
        spec = self.pod_spec(app.rsplit("-", 1)[0], team, completes)
        template = {"metadata": self.metadata(app, team, env, pod=True), "spec": spec}
        template["metadata"].pop("namespace")
        template["metadata"].pop("name")
        if self.chance(0.3):
            template["metadata"].setdefault("annotations", {})[
                "kubectl.kubernetes.io/default-container"
            ] = spec["containers"][0]["name"]
        meta = self.metadata(app, team, env)
        if kind == "Pod":
            return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
        if kind == "Job":
            return {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": meta,
                "spec": {"backoffLimit": 3, "template": template},
            }
        if kind == "CronJob":
            job = {"backoffLimit": 2, "template": template}
            return {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": meta,
                "spec": {
                    "schedule": f"{self.r.randrange(60)} {self.r.randrange(24)} * * *",
                    "concurrencyPolicy": "Forbid",
                    "jobTemplate": {"spec": job},
                },
            }
        body: dict[str, Any] = {"selector": {"matchLabels": {"app": app}}, "template": template}
        if kind != "DaemonSet":
            body = {"replicas": self.pick((1, 2, 3, 5)), **body}
        if kind == "StatefulSet":
            body["serviceName"] = app
            body["volumeClaimTemplates"] = [
                {
                    "metadata": {"name": "state"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "10Gi"}},
                    },
                }
            ]
            spec["containers"][0].setdefault("volumeMounts", []).append(
                {"name": "state", "mountPath": "/state"}
            )
        if kind == "Deployment" and self.chance(0.5):
            body["strategy"] = {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
            }
        api = "apps/v1"
        return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": body}

    def service(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": meta["name"],
                "namespace": meta["namespace"],
                "labels": meta["labels"],
            },
            "spec": {
                "selector": {"app": meta["name"]},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        }

    def configmap(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        lines = [
            f"{k}: {self.r.randrange(1000)}"
            for k in ("workers", "queue_size", "timeout_ms", "retries")
        ]
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{meta['name']}-config", "namespace": meta["namespace"]},
            "data": {"LOG_LEVEL": "info", "FEATURE_X": "true", "app.yaml": "\n".join(lines) + "\n"},
        }

    # ---- each rule's mistake, applied to a workload in place

    def break_rule(self, obj: dict[str, Any]) -> None:
        spec = _pod(obj)
        containers = spec["containers"]
        main = containers[0]
        choice = self.r.randrange(16)
        if choice == 0:  # SL101
            spec["sidecarContainers"] = [{"name": "shipper", "image": "fluent/fluent-bit:3.1.9"}]
        elif choice == 1:  # SL101 typo
            main["imagePulPolicy"] = main.pop("imagePullPolicy", "Always")
        elif choice == 2:  # SL102
            main["restartPolicy"] = "Never"
        elif choice == 3:  # SL103
            main.setdefault("volumeMounts", []).append(
                {"name": "missing-volume", "mountPath": "/missing"}
            )
        elif choice == 4:  # SL104
            containers.append(
                {"name": main["name"], "image": main["image"], "resources": self.resources()}
            )
        elif choice == 5:  # SL105
            containers.append(
                {
                    "name": "metrics-exporter",
                    "image": "prom/statsd-exporter:v0.26.1",
                    "ports": [{"containerPort": main["ports"][0]["containerPort"]}],
                    "resources": self.resources(),
                }
            )
        elif choice == 6:  # SL107
            spec.setdefault("initContainers", []).append(
                {
                    "name": "wait-db",
                    "image": "busybox:1.36",
                    "command": ["sh", "-c", "until nc -z db 5432; do sleep 1; done"],
                    "readinessProbe": {"tcpSocket": {"port": 5432}},
                }
            )
        elif choice == 7:  # SL108
            owner = (
                obj
                if obj["kind"] == "Pod"
                else obj["spec"].get(
                    "template",
                    obj["spec"].get("jobTemplate", {}).get("spec", {}).get("template", {}),
                )
            )
            owner.setdefault("metadata", {}).setdefault("annotations", {})[
                "kubectl.kubernetes.io/default-container"
            ] = "does-not-exist"
        elif choice == 8:  # SL109
            main["resources"]["requests"]["memory"] = self.pick(("100mb", "1.5 Gi", "2G i"))
        elif choice == 9:  # SL201-ish
            containers.append(
                {
                    "name": "log-tailer",
                    "image": "busybox:1.36",
                    "command": ["sh", "-c", "tail -F /var/log/app.log"],
                    "resources": self.resources(),
                }
            )
        elif choice == 10:  # SL202
            spec.setdefault("initContainers", []).append(
                {
                    "name": "cloud-sql-proxy",
                    "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0",
                    "restartPolicy": "Always",
                    "resources": self.resources(),
                }
            )
        elif choice == 11:  # SL301
            containers.append(
                {
                    "name": "fluent-bit",
                    "image": "fluent/fluent-bit:3.1.9",
                    "resources": self.resources(),
                }
            )
        elif choice == 12:  # SL302
            spec.setdefault("volumes", []).append({"name": "scratch-unused", "emptyDir": {}})
        elif choice == 13:  # SL401
            containers.append(
                {
                    "name": "envoy",
                    "image": "envoyproxy/envoy:v1.30.2",
                    "resources": self.resources(scale=4),
                }
            )
        elif choice == 14:  # SL402 + SL502
            containers.append(
                {"name": "oauth2-proxy", "image": "quay.io/oauth2-proxy/oauth2-proxy:latest"}
            )
        else:  # SL501
            containers.insert(
                0,
                {
                    "name": "istio-proxy",
                    "image": "docker.io/istio/proxyv2:1.22.3",
                    "resources": self.resources(),
                },
            )


def _pod(obj: dict[str, Any]) -> dict[str, Any]:
    if obj["kind"] == "Pod":
        return obj["spec"]  # type: ignore[no-any-return]
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    return obj["spec"]["template"]["spec"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- files

BROKEN = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\nspec:\n  containers:\n"
    "  - name: a\n    image: x:1\n   - name: b\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: unclosed\nspec: {}\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n"
    'data:\n  a: "b\n',
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tabs\nspec:\n\tcontainers: []\n",
)
VALUES = """# Helm values: not a Kubernetes object, skipped without findings
replicaCount: {n}
image:
  repository: {registry}/{team}/{app}
  tag: "{tag}"
  pullPolicy: IfNotPresent
service:
  type: ClusterIP
  port: 80
ingress:
  enabled: {enabled}
  hosts:
    - host: {app}.example.com
      paths: ["/"]
resources:
  limits: {{cpu: 500m, memory: 512Mi}}
"""


def rule_examples(rules_dir: Path) -> list[str]:
    """The catalogue's bad and good manifests (each rule's mistake as the rule shows it)."""
    import yaml

    out: list[str] = []
    for path in sorted(rules_dir.glob("*.yaml")):
        # The rule itself is the first document; its test cases follow in a second one.
        data = next(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        for group in ("bad", "good"):
            for example in data.get("examples", {}).get(group, []):
                out.append(example["manifest"])
    return out


def _list_dump(maker: Maker, target: int) -> str:
    """A ``kubectl get deploy,sts,job -A -o yaml`` dump: one List, kubectl's layout."""
    parts = ["apiVersion: v1\nitems:\n"]
    size = len(parts[0])
    i = 0
    while size < target:
        obj = maker.workload(maker.pick(TEAMS), maker.pick(ENVS))
        obj["metadata"]["uid"] = f"{maker.r.getrandbits(128):032x}"
        obj["metadata"]["resourceVersion"] = str(1000 + i)
        obj["metadata"]["creationTimestamp"] = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z"
        obj["metadata"]["generation"] = 1 + i % 5
        obj["status"] = {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1}
        body = to_yaml(obj, list_indent=False).splitlines()
        text = "- " + body[0] + "\n" + "".join(f"  {line}\n" if line else "\n" for line in body[1:])
        parts.append(text)
        size += len(text)
        i += 1
    parts.append('kind: List\nmetadata:\n  resourceVersion: ""\n')
    return "".join(parts)


def generate(out: Path, mb: float, seed: int = 1, rules_dir: Path | None = None) -> dict[str, int]:
    """Write the corpus below ``out``; return counts (files, bytes, objects)."""
    rng = random.Random(seed)
    maker = Maker(rng)
    target = int(mb * 1_000_000)
    examples = rule_examples(rules_dir) if rules_dir and rules_dir.is_dir() else []
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    files = 0
    objects = 0

    def write(rel: str, text: str) -> None:
        nonlocal written, files
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        written += len(data)
        files += 1

    # One large cluster dump: a tenth of the corpus, at most 8 MB.
    dump_size = min(target // 10, 8_000_000)
    if dump_size > 50_000:
        write("cluster/dump-all-namespaces.yaml", _list_dump(maker, dump_size))
    n = 0
    while written < target:
        n += 1
        team, env = maker.pick(TEAMS), maker.pick(ENVS)
        base = f"teams/{team}/{env}/svc-{n:05d}"
        roll = rng.random()
        if roll < 0.02:
            write(f"{base}/broken.yaml", maker.pick(BROKEN))
            continue
        if roll < 0.06:
            write(
                f"{base}/values.yaml",
                VALUES.format(
                    n=rng.randrange(1, 5),
                    registry=maker.pick(REGISTRIES),
                    team=team,
                    app=maker.pick(APPS),
                    tag=f"{rng.randrange(9)}.{rng.randrange(40)}",
                    enabled=maker.pick(("true", "false")),
                ),
            )
            continue
        if roll < 0.09 and examples:
            write(f"{base}/example.yaml", maker.pick(examples))
            continue
        docs: list[dict[str, Any]] = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            obj = maker.workload(team, env)
            if maker.chance(MISTAKE_RATE):
                maker.break_rule(obj)
            docs.append(obj)
            objects += 1
            if maker.chance(0.5):
                docs.append(maker.service(obj))
            if maker.chance(0.3):
                docs.append(maker.configmap(obj))
        if roll < 0.11:
            write(f"{base}/manifest.json", json.dumps(docs[0], indent=2) + "\n")
            continue
        list_indent = maker.chance(0.7)
        text = "---\n".join(to_yaml(d, list_indent) for d in docs)
        if maker.chance(0.1):
            text = "# Managed by the platform team; do not edit by hand.\n" + text
        if maker.chance(0.03):
            text = text.replace(
                "imagePullPolicy: Always\n",
                "imagePullPolicy: Always  # sidecar-lint: ignore[SL502]\n",
                1,
            )
        write(f"{base}/{maker.pick(('deploy', 'app', 'workload', 'k8s'))}.yaml", text)
    return {"files": files, "bytes": written, "objects": objects}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.splitlines()[0])
    p.add_argument(
        "--out", required=True, help="directory to write (created; existing files are overwritten)"
    )
    p.add_argument("--mb", type=float, default=50.0, help="approximate size in MB (default 50)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--rules",
        default=str(Path(__file__).resolve().parent.parent / "rules"),
        help="rule catalogue whose examples are mixed in",
    )
    args = p.parse_args(argv)
    counts = generate(Path(args.out), args.mb, args.seed, Path(args.rules))
    print(
        f"wrote {counts['files']} files, {counts['bytes'] / 1e6:.1f} MB, "
        f"{counts['objects']} workloads to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
