"""Well-known sidecars: what they are called, which images they run, what they do.

The category decides what a sidecar needs: a log shipper or config reloader
exchanges files with the main container (needs a shared volume); a network
or database proxy must be up before the main container starts (wants a
startup probe when native). Image patterns match the repository path without
registry host, tag or digest, as a whole path or a trailing part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase, translate
from functools import cache, lru_cache

#: Categories whose sidecars exchange files with the main container.
FILE_EXCHANGE_KINDS = frozenset(
    {"log-shipper", "config-reloader", "file-sync", "secrets-agent", "backup-agent"}
)
#: Proxies that intercept the pod's traffic themselves (a mesh): a Service never needs to
#: target them.
INTERCEPTING_PROXIES = frozenset(
    {
        "Istio proxy",
        "Linkerd proxy",
        "Consul dataplane",
        "Dapr sidecar",
        "Kuma sidecar",
        "AWS App Mesh Envoy",
    }
)
#: Catalogued proxies that stand in front of the application and receive its traffic.
FRONT_PROXIES = frozenset({"oauth2-proxy", "kube-rbac-proxy", "Envoy proxy"})
#: Categories the main container depends on at start-up.
STARTUP_DEPENDENCY_KINDS = frozenset({"network-proxy", "database-proxy", "secrets-agent"})


@dataclass(frozen=True)
class KnownSidecar:
    """One entry of the catalogue."""

    title: str
    kind: str
    names: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    injected: bool = False  # added by an admission webhook: its name never means "main"


CATALOG: tuple[KnownSidecar, ...] = (
    KnownSidecar(
        "Istio proxy", "network-proxy", ("istio-proxy",), ("istio/proxyv2", "proxyv2"), True
    ),
    KnownSidecar("Linkerd proxy", "network-proxy", ("linkerd-proxy",), ("linkerd/proxy",), True),
    KnownSidecar(
        "Envoy proxy", "network-proxy", ("envoy", "envoy-sidecar"), ("envoyproxy/envoy*",)
    ),
    KnownSidecar("AWS App Mesh Envoy", "network-proxy", ("envoy",), ("aws-appmesh-envoy",)),
    KnownSidecar(
        "Consul dataplane",
        "network-proxy",
        ("consul-dataplane",),
        ("hashicorp/consul-dataplane",),
        True,
    ),
    KnownSidecar("Dapr sidecar", "network-proxy", ("daprd",), ("daprio/daprd",), True),
    KnownSidecar("Kuma sidecar", "network-proxy", ("kuma-sidecar",), ("kumahq/kuma-dp",), True),
    KnownSidecar(
        "oauth2-proxy",
        "network-proxy",
        ("oauth2-proxy",),
        ("oauth2-proxy/oauth2-proxy", "oauth2-proxy"),
    ),
    KnownSidecar(
        "kube-rbac-proxy",
        "network-proxy",
        ("kube-rbac-proxy",),
        ("kube-rbac-proxy", "brancz/kube-rbac-proxy"),
    ),
    KnownSidecar(
        "Cloudflare tunnel", "network-proxy", ("cloudflared",), ("cloudflare/cloudflared",)
    ),
    KnownSidecar(
        "Cloud SQL Auth Proxy",
        "database-proxy",
        ("cloud-sql-proxy", "cloudsql-proxy"),
        ("cloud-sql-connectors/cloud-sql-proxy", "cloudsql-docker/gce-proxy"),
    ),
    KnownSidecar("Vault agent", "secrets-agent", ("vault-agent",), ("hashicorp/vault",), True),
    KnownSidecar(
        "Grafana dashboard/datasource sidecar (k8s-sidecar)",
        "config-reloader",
        (
            "grafana-sc-dashboard",
            "grafana-sc-datasources",
            "grafana-sc-notifiers",
            "grafana-sc-plugins",
        ),
        ("kiwigrid/k8s-sidecar", "k8s-sidecar"),
    ),
    KnownSidecar(
        "Prometheus config reloader",
        "config-reloader",
        ("config-reloader", "prometheus-config-reloader"),
        ("prometheus-operator/prometheus-config-reloader", "prometheus-config-reloader"),
    ),
    KnownSidecar(
        "configmap-reload",
        "config-reloader",
        ("configmap-reload",),
        ("jimmidyson/configmap-reload", "configmap-reload"),
    ),
    KnownSidecar("git-sync", "file-sync", ("git-sync",), ("git-sync/git-sync", "git-sync")),
    KnownSidecar(
        "GCS FUSE sidecar",
        "file-sync",
        ("gke-gcsfuse-sidecar",),
        ("gcs-fuse-csi-driver-sidecar-mounter",),
        True,
    ),
    KnownSidecar(
        "Fluent Bit",
        "log-shipper",
        ("fluent-bit", "fluentbit"),
        ("fluent/fluent-bit", "fluent-bit"),
    ),
    KnownSidecar(
        "Fluentd", "log-shipper", ("fluentd",), ("fluent/fluentd*", "fluentd", "fluentd-gcp")
    ),
    KnownSidecar("Filebeat", "log-shipper", ("filebeat",), ("beats/filebeat", "filebeat")),
    KnownSidecar("Vector", "log-shipper", ("vector",), ("timberio/vector",)),
    KnownSidecar("Promtail", "log-shipper", ("promtail",), ("grafana/promtail",)),
    KnownSidecar(
        "OpenTelemetry collector",
        "telemetry-agent",
        ("otel-collector", "otc-container", "opentelemetry-collector"),
        ("otel/opentelemetry-collector*", "opentelemetry-collector*"),
    ),
    KnownSidecar(
        "Jaeger agent", "telemetry-agent", ("jaeger-agent",), ("jaegertracing/jaeger-agent",)
    ),
    KnownSidecar(
        "Datadog agent", "telemetry-agent", ("datadog-agent",), ("datadoghq/agent", "datadog/agent")
    ),
    KnownSidecar(
        "AWS X-Ray daemon",
        "telemetry-agent",
        ("xray-daemon",),
        ("amazon/aws-xray-daemon", "aws-xray-daemon"),
    ),
    KnownSidecar("Open Policy Agent", "policy-agent", ("opa",), ("openpolicyagent/opa",)),
    KnownSidecar(
        "StatsD exporter", "metrics-exporter", ("statsd-exporter",), ("prom/statsd-exporter",)
    ),
    KnownSidecar(
        "CSI sidecar",
        "csi-sidecar",
        ("node-driver-registrar", "liveness-probe"),
        ("sig-storage/csi-*", "sig-storage/livenessprobe"),
    ),
)

#: Name patterns that suggest a sidecar, weaker than the catalogue, with the category they imply.
NAME_PATTERNS: tuple[tuple[str, str | None], ...] = (
    ("*-sidecar", None),
    ("sidecar-*", None),
    ("*-sc-*", "config-reloader"),
    ("*-proxy", "network-proxy"),
    ("*-exporter", "metrics-exporter"),
    ("*-agent", None),
    ("*reloader*", "config-reloader"),
    ("*-reload", "config-reloader"),
    ("*log-shipper*", "log-shipper"),
    ("*logshipper*", "log-shipper"),
    ("*log-forwarder*", "log-shipper"),
    ("*log-collector*", "log-shipper"),
    ("*fluent-bit*", "log-shipper"),
    ("*fluentd*", "log-shipper"),
    ("*filebeat*", "log-shipper"),
    ("*promtail*", "log-shipper"),
)

#: Images that are usually the main application but act as a sidecar in front of one.
REVERSE_PROXY_IMAGES = (
    "nginx",
    "nginxinc/nginx-unprivileged",
    "nginx-unprivileged",
    "haproxy",
    "traefik",
    "caddy",
)

#: ``tail -f /dev/null``: the usual way to keep a container alive, not to read anything.
_TAIL_NOTHING = re.compile(r"\btail\b[^|;&]*\s-[a-zA-Z+0-9]*[fF]\s+/dev/null\b")

_FOREVER = (
    (_TAIL_NOTHING, "waits forever ('tail -f /dev/null')", None),
    (
        re.compile(r"\btail\b[^|;&]*\s-[a-zA-Z+0-9]*[fF]\b"),
        "tails a file forever ('tail -f')",
        "log-shipper",
    ),
    (
        re.compile(r"\bwhile\s+(?:true|:|\[\s*1\s*\]|\(\(\s*1\s*\)\))\s*;?\s*do\b"),
        "loops forever ('while true')",
        None,
    ),
    (re.compile(r"\bsleep\s+(?:inf|infinity)\b"), "sleeps forever ('sleep infinity')", None),
    (re.compile(r"\bfor\s*\(\(\s*;\s*;\s*\)\)"), "loops forever ('for ((;;))')", None),
)


#: The command word at the start of a command line or after ``exec``: ``/usr/bin/envoy -c …``.
_LEAD = r"(?:^|\bexec\s+)(?:\S*/)?"

#: Commands that show what a sidecar does for the app: ship its logs, proxy its traffic, watch
#: or sync its files. Weightier than a name, lighter than a catalogued image.
_DOES = (
    (
        re.compile(r"\btail\b[^|;&]*\s-[a-zA-Z+0-9]*[fF]\b"),
        "tails a file forever ('tail -f')",
        "log-shipper",
    ),
    (
        re.compile(
            _LEAD + r"(fluent-bit|fluentd|td-agent(?:-bit)?|filebeat|promtail|vector)(?=\s|$)"
        ),
        "runs a log agent ('{0}')",
        "log-shipper",
    ),
    (re.compile(_LEAD + r"(envoy)(?=\s|$)"), "runs a proxy ('{0}')", "network-proxy"),
    (
        # socat's listening address (``TCP-LISTEN:5432,fork``), with or without the word socat
        re.compile(r"(?:^|\s)((?:tcp|tcp4|tcp6|udp|openssl)-listen):", re.IGNORECASE),
        "listens and forwards ('socat {0}')",
        "network-proxy",
    ),
    (
        re.compile(
            r"(--upstream)[=\s]+[\"']?(?:https?|tcp)://(?:localhost|127\.0\.0\.1|\[::1\])\b"
        ),
        "proxies to the app on localhost ('{0}')",
        "network-proxy",
    ),
    (re.compile(r"\b(inotifywait)\b"), "watches files ('{0}')", "config-reloader"),
    (
        re.compile(r"(--(?:watched-dir|volume-dir|watch-dir))\b"),
        "watches a directory ('{0}')",
        "config-reloader",
    ),
    (re.compile(_LEAD + r"(git-sync)(?=\s|$)"), "syncs files ('{0}')", "file-sync"),
)

#: Sync commands that make a file syncer only inside an endless loop (alone, a one-off copy).
_SYNC = re.compile(r"\b(rsync|rclone\s+sync|aws\s+s3\s+sync|gsutil\s+(?:-m\s+)?rsync)\b")


def what_command_does(command_line: str) -> tuple[str, str] | None:
    """What a command line shows a sidecar doing (shipping, proxying, watching, syncing)."""
    for pattern, reason, kind in _DOES:
        if pattern is _DOES[0][0] and _TAIL_NOTHING.search(command_line):
            continue
        match = pattern.search(command_line)
        if match is not None:
            return reason.format(*match.groups()), kind
    sync = _SYNC.search(command_line)
    if sync is not None and loops_forever(command_line) is not None:
        return f"syncs files in an endless loop ('{sync.group(1)}')", "file-sync"
    return None


def loops_forever(command_line: str) -> str | None:
    """Whether a command never exits by looping or sleeping (not by doing anything useful)."""
    for pattern, reason, kind in _FOREVER:
        if kind is not None:
            continue
        if pattern.search(command_line):
            return reason
    return None


def image_repository(image: str) -> str:
    """``docker.io/istio/proxyv2:1.22@sha256:…`` → ``istio/proxyv2`` (lower case)."""
    ref = image.strip().lower().split("@", 1)[0]
    parts = ref.split("/")
    last = parts[-1]
    if ":" in last:
        parts[-1] = last.split(":", 1)[0]
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts[:1] == ["library"]:
        parts = parts[1:]
    return "/".join(parts)


def image_matches(repository: str, pattern: str) -> bool:
    """Whole-path or trailing-part glob match of an image repository."""
    return fnmatchcase(repository, pattern) or fnmatchcase(repository, "*/" + pattern)


@cache
def _names() -> dict[str, KnownSidecar]:
    table: dict[str, KnownSidecar] = {}
    for entry in CATALOG:
        for name in entry.names:
            table.setdefault(name, entry)
    return table


def known_by_name(name: str) -> KnownSidecar | None:
    return _names().get(name.lower())


@cache
def _image_index() -> tuple[re.Pattern[str], list[tuple[KnownSidecar, str]]]:
    """Every catalogue image pattern in one regex, a group each, in catalogue order.

    One C-level match per image instead of two ``fnmatchcase`` calls per pattern;
    alternatives are tried in order, so the branch that matched is the entry an
    ordered loop over the catalogue would find.
    """
    owners: list[tuple[KnownSidecar, str]] = []
    branches: list[str] = []
    for entry in CATALOG:
        for pattern in entry.images:
            body = translate(pattern).removeprefix("(?s:").removesuffix(")\\Z")
            branches.append(f"(?P<image{len(owners)}>(?:.*/)?(?:{body}))")
            owners.append((entry, pattern))
    return re.compile("(?s:" + "|".join(branches) + r")\Z"), owners


@lru_cache(maxsize=4096)
def known_by_image(image: str) -> tuple[KnownSidecar, str] | None:
    """The catalogue entry an image belongs to, with the pattern that matched."""
    regex, owners = _image_index()
    match = regex.match(image_repository(image))
    if match is None:
        return None
    name = match.lastgroup  # the branch's own group closes after any inside it
    return owners[int(name.removeprefix("image"))] if name else None


@lru_cache(maxsize=4096)
def name_pattern(name: str) -> tuple[str, str | None] | None:
    lowered = name.lower()
    for pattern, kind in NAME_PATTERNS:
        if fnmatchcase(lowered, pattern):
            return pattern, kind
    return None


@lru_cache(maxsize=4096)
def is_reverse_proxy_image(image: str) -> bool:
    repo = image_repository(image)
    return any(image_matches(repo, p) for p in REVERSE_PROXY_IMAGES)


def runs_forever(command_line: str) -> tuple[str, str | None] | None:
    """Whether a shell command line never exits on its own, and what that suggests."""
    for pattern, reason, kind in _FOREVER:
        if pattern.search(command_line):
            return reason, kind
    return None
