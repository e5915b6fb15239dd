"""Property-based tests: random pod specs and random damage to valid manifests.

Whatever the input, with every rule enabled:

* nothing raises;
* every finding starts and ends on a line of the file (1 <= line <= lines) and
  starts before it ends;
* two runs report identical findings, and the command line (its own loader, the
  JSON report) reports exactly what the engine reports.

Examples are derandomized, so CI sees the same ones on every run; together the
tests below run more than 500 of them.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidecar_lint.cli import main
from sidecar_lint.findings import Finding
from sidecar_lint.loading import load_bytes, not_a_manifest
from tests.conftest import rule_cases
from tests.test_hostile import assert_placed, linter

ROOT = Path(__file__).resolve().parent.parent

#: Reproducible in CI: the same examples on every run, no example database, no deadline.
PROPERTY = settings(
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Examples per property (at least 500 in all).
POD_SPECS, DAMAGED, WRONG_TYPES = 250, 300, 200

VERSIONS = ("1.25", "1.28", "1.29", "1.33", "1.35", "1.37")


# --------------------------------------------------------------------------- the checks


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sidecar-lint-properties-") as directory:
        yield Path(directory)


def engine(raw: bytes, path: str, version: str) -> list[Finding]:
    loaded = load_bytes(path, raw)
    first = linter(version).lint(loaded)
    again = linter(version).lint(load_bytes(path, raw))
    assert first == again, "two runs disagree"
    assert_placed(first, raw, loaded.source.text, path)
    return first


def command_line(workdir: Path, raw: bytes, name: str, version: str) -> list[tuple[Any, ...]]:
    file = workdir / name
    file.write_bytes(raw)
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "--isolated",
        "--no-cache",
        "--jobs",
        "1",
        "--select",
        "ALL",
        "--report-unused-ignores",
        "--kubernetes-version",
        version,
        "--fail-on",
        "none",
        "--format",
        "json",
        str(file),
    ]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    note = not_a_manifest(load_bytes(str(file), raw))
    expected_err = "" if note is None else f"sidecar-lint: note: {file}: {note}\n"
    assert (code, err.getvalue()) == (0, expected_err), err.getvalue()
    report = json.loads(out.getvalue())
    return [
        (f["code"], f["line"], f["column"], f["endLine"], f["endColumn"], f["message"])
        for f in report["findings"]
    ]


def check(workdir: Path, text: str | bytes, suffix: str = ".yaml", version: str = "1.33") -> None:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    path = str(workdir / f"example{suffix}")
    found = engine(raw, path, version)
    counted = sorted(
        (f.code, f.span.start_line, f.span.start_col, f.span.end_line, f.span.end_col, f.message)
        for f in found
        if f.suppression is None
    )
    if not_a_manifest(load_bytes(path, raw)) is not None:  # named, it is noted, not linted
        counted = []
    assert sorted(command_line(workdir, raw, f"example{suffix}", version)) == counted


# --------------------------------------------------------------------------- random pod specs


NAMES = [
    "app",
    "web",
    "main",
    "worker",
    "istio-proxy",
    "linkerd-proxy",
    "envoy",
    "cloud-sql-proxy",
    "vault-agent",
    "fluent-bit",
    "log-shipper",
    "config-reloader",
    "git-sync",
    "metrics-exporter",
    "oauth2-proxy",
    "otel-collector",
    "my-sidecar",
    "",
]
IMAGES = [
    "registry.example.com/web:1.0.0",
    "registry.example.com/app@sha256:" + "a" * 64,
    "istio/proxyv2:1.24.0",
    "docker.io/istio/proxyv2",
    "envoyproxy/envoy:v1.31.0",
    "fluent/fluent-bit:latest",
    "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
    "hashicorp/vault:1.15",
    "quay.io/kiwigrid/k8s-sidecar:1.27.4",
    "nginx",
    "busybox:1.36",
    "localhost:5000/shipper",
    "",
]
QUANTITIES = [
    "100m",
    "1",
    "0.5",
    "2",
    "64Mi",
    "1Gi",
    "1024Mi",
    "1e3",
    "-1",
    "1GB",
    "100mi",
    "0.5 Gi",
    "",
    "0",
    1,
    0.25,
    3,
    "1e999999",
    "999999999999999999999999999Ei",
]
RESOURCE_NAMES = ["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu", "hugepages-2Mi"]
COMMANDS = [
    ["sleep", "infinity"],
    ["sh", "-c", "while true; do sleep 5; done"],
    ["tail", "-f", "/dev/null"],
    ["/app", "--serve"],
    ["sh", "-c", "echo done"],
]
VOLUMES = ["logs", "data", "config", "shared", "missing", "istio-envoy"]

#: Values a rule might trip over: every YAML type, odd numbers, nested junk.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["Always", "Never", "OnFailure", "TCP", "UDP", "1Gi", "*", "{{ .x }}"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["name", "a", "cpu"]), st.integers(), max_size=2),
)


#: Keys YAML allows and Kubernetes does not: null, booleans, numbers, odd text.
ODD_KEYS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["<<", "on", "yes", "~", "", " ", "a.b", "{{ x }}"]),
)


def maybe(strategy: st.SearchStrategy[Any], junk: int = 1) -> st.SearchStrategy[Any]:
    """Mostly the well-formed value; ``junk`` times in twelve, a value of the wrong type."""

    @st.composite
    def pick(draw: st.DrawFn) -> Any:
        return (
            draw(JUNK) if draw(st.integers(min_value=1, max_value=12)) <= junk else draw(strategy)
        )

    return pick()


def fields(
    required: dict[str, st.SearchStrategy[Any]], **optional: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping with the ``required`` keys, and any of the ``optional`` ones."""
    return st.fixed_dictionaries(required, optional=optional)


quantity = st.sampled_from(QUANTITIES)
resource_list = st.dictionaries(
    st.sampled_from(RESOURCE_NAMES), maybe(quantity), min_size=1, max_size=3
)
resources = st.one_of(
    fields({"requests": maybe(resource_list)}, limits=maybe(resource_list)),
    fields({"limits": maybe(resource_list)}),
)
port = fields(
    {"containerPort": maybe(st.sampled_from([8080, 8080, 8080, 9090, 15001, 0, 70_000]))},
    hostPort=maybe(st.sampled_from([80, 8080, 9100])),
    hostIP=st.sampled_from(["", "0.0.0.0", "127.0.0.1"]),
    protocol=maybe(st.sampled_from(["TCP", "UDP", "SCTP"])),
    name=st.sampled_from(["http", "metrics", "admin"]),
)
handler = st.one_of(
    st.fixed_dictionaries({"httpGet": fields({"port": maybe(st.integers(1, 9000))})}),
    st.fixed_dictionaries({"tcpSocket": st.fixed_dictionaries({"port": st.integers(1, 9000)})}),
    st.fixed_dictionaries({"exec": st.fixed_dictionaries({"command": st.just(["true"])})}),
)
probe = maybe(handler)
mount = fields(
    {"name": maybe(st.sampled_from(VOLUMES))}, mountPath=st.sampled_from(["/logs", "/data"])
)
restart_rule = fields(
    {"action": maybe(st.sampled_from(["Restart", "RestartAllContainers", "Stop"]))},
    exitCodes=maybe(
        fields(
            {"operator": maybe(st.sampled_from(["In", "NotIn"]))},
            values=st.lists(st.integers(0, 255), max_size=3),
        )
    ),
)
container = fields(
    {"name": maybe(st.sampled_from(NAMES)), "image": maybe(st.sampled_from(IMAGES))},
    command=maybe(st.sampled_from(COMMANDS)),
    args=maybe(st.lists(st.sampled_from(["--port=8080", "tail -f /var/log/app.log"]), max_size=2)),
    ports=maybe(st.lists(maybe(port), max_size=3)),
    resources=maybe(resources),
    volumeMounts=maybe(st.lists(maybe(mount), min_size=1, max_size=3)),
    env=maybe(st.lists(st.fixed_dictionaries({"name": st.just("A"), "value": st.just("b")}))),
    startupProbe=probe,
    livenessProbe=probe,
    lifecycle=maybe(st.fixed_dictionaries({"postStart": handler})),
    restartPolicy=maybe(st.sampled_from(["Always", "Always", "Never", "OnFailure"])),
    restartPolicyRules=maybe(st.lists(maybe(restart_rule), min_size=1, max_size=2)),
)
volume = fields(
    {"name": maybe(st.sampled_from(VOLUMES))},
    emptyDir=st.just({}),
    configMap=st.fixed_dictionaries({"name": st.just("settings")}),
)
pod_spec = fields(
    {"containers": maybe(st.lists(maybe(container), min_size=1, max_size=4))},
    initContainers=maybe(st.lists(maybe(container), min_size=1, max_size=3)),
    ephemeralContainers=maybe(st.lists(maybe(container), max_size=2)),
    volumes=maybe(st.lists(maybe(volume), min_size=1, max_size=4)),
    restartPolicy=maybe(st.sampled_from(["Always", "Never", "OnFailure"])),
    hostNetwork=maybe(st.booleans()),
    sidecarContainers=st.just([]),
)
annotations = fields(
    {},
    **{
        "kubectl.kubernetes.io/default-container": maybe(st.sampled_from(NAMES)),
        "kubectl.kubernetes.io/default-logs-container": maybe(st.sampled_from(NAMES)),
        "sidecar-lint.io/ignore": maybe(st.sampled_from(["SL401", "SL4,SL5", "all", "SL999"])),
        "sidecar-lint.io/ignore.app": st.sampled_from(["SL402", "all"]),
        "sidecar-lint.io/ignore-reason": st.just("accepted"),
        "sidecar.istio.io/inject": st.sampled_from(["true", "false"]),
    },
)
metadata = fields(
    {"name": maybe(st.sampled_from(["web", "app", "report"]))},
    namespace=st.sampled_from(["shop", "default"]),
    labels=maybe(st.fixed_dictionaries({"app": st.sampled_from(["web", "app", "envoy"])})),
    annotations=maybe(annotations),
)
template = fields({"spec": maybe(pod_spec, 0)}, metadata=maybe(metadata))

# (apiVersion, kind, where the pod template goes)
KINDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("v1", "Pod", ()),
    ("v1", "PodTemplate", ("template",)),
    ("apps/v1", "Deployment", ("spec", "template")),
    ("apps/v1", "StatefulSet", ("spec", "template")),
    ("apps/v1", "DaemonSet", ("spec", "template")),
    ("batch/v1", "Job", ("spec", "template")),
    ("batch/v1", "CronJob", ("spec", "jobTemplate", "spec", "template")),
    ("argoproj.io/v1alpha1", "Rollout", ("spec", "template")),
    ("apps.kruise.io/v1alpha1", "SidecarSet", ()),
    ("serving.knative.dev/v1", "Service", ("spec", "template")),
    ("example.com/v1", "Unknown", ("spec", "template")),
]


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    api_version, kind, at = draw(st.sampled_from(KINDS))
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind}
    if at:
        obj["metadata"] = draw(maybe(metadata))
        node = obj
        for key in at[:-1]:
            node = node.setdefault(key, {})
        node[at[-1]] = draw(template)
    else:  # the object is its own pod template
        obj["metadata"] = draw(maybe(metadata))
        obj["spec"] = draw(maybe(pod_spec, 0))
    return obj


def render(documents: list[Any], style: str) -> tuple[str, str]:
    """(text, suffix): block YAML, flow YAML, or JSON (a single document)."""
    if style == "json":
        return json.dumps(documents[0], indent=2, default=str), ".json"
    flow = style == "flow"
    text = yaml.safe_dump_all(
        documents, default_flow_style=flow, sort_keys=False, width=120, allow_unicode=True
    )
    return text, ".yaml"


@settings(PROPERTY, max_examples=POD_SPECS)
@given(
    documents=st.lists(manifests(), min_size=1, max_size=3),
    style=st.sampled_from(["block", "block", "flow", "json"]),
    version=st.sampled_from(VERSIONS),
)
def test_random_pod_specs(
    workdir: Path, documents: list[dict[str, Any]], style: str, version: str
) -> None:
    text, suffix = render(documents, style)
    check(workdir, text, suffix, version)


# --------------------------------------------------------------------------- damaged manifests


def valid_manifests() -> list[str]:
    """The examples and every manifest of the rule files' test cases: real, valid YAML."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.yaml"))]
    texts += [case["manifest"] for _, _, case in rule_cases()]
    assert len(texts) > 200, "the rule files' test cases were not found"
    return texts


BASES = valid_manifests()


def _loadable(text: str) -> list[Any] | None:
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:  # the SL001 cases are broken on purpose
        return None
    return documents or None


#: The bases as data, for mutations of the data itself.
DATA_BASES = [docs for docs in map(_loadable, BASES) if docs is not None]

JUNK_LINES = [
    "{{ .Values.extra | toYaml }}",
    "- - -",
    ":",
    "? key",
    "key: [unclosed",
    "key: {unclosed",
    "'",
    '"',
    "---",
    "...",
    "%YAML 1.1",
    "a: &anchor [*anchor]",
    "<<: *nowhere",
    "<<: {x: 1}",
    "on: push",
    "\tkey: tab",
    "!!python/object/apply:os.system [true]",
    "# sidecar-lint: ignore[SL1]",
    "# sidecar-lint: ignore-file[SL2]",
    "key: |",
    "key: >-",
    "&a",
    "*a",
    "- name: extra",
    "  - {name: 1, image: {}}",
    "x" * 300,
]
WRONG_VALUES = [
    "7",
    "null",
    "[]",
    "{}",
    "[1, null, a, []]",
    "true",
    ".nan",
    "-.inf",
    "1e999999",
    "0x10",
    "012",
    "2024-01-01",
    "'quoted'",
    "!!binary AAAA",
    "!custom x",
    "*nowhere",
    "&anchor value",
    "|",
    "{{ .Values.x }}",
]
KEYS = ["name", "image", "containers", "initContainers", "resources", "ports", "on", "<<", "1"]


@st.composite
def damaged(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(BASES)).splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        if not lines:
            lines = [draw(st.sampled_from(JUNK_LINES))]
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(
            st.sampled_from(
                [
                    *("delete", "duplicate", "insert", "indent", "dedent", "tab"),
                    *("rename", "value", "swap", "char", "truncate"),
                ]
            )
        )
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(draw(st.integers(min_value=0, max_value=len(lines))), line)
        elif op == "insert":
            junk = draw(st.one_of(st.sampled_from(JUNK_LINES), st.text(max_size=20)))
            lines.insert(i, junk)
        elif op == "indent":
            lines[i] = " " * draw(st.integers(min_value=1, max_value=4)) + line
        elif op == "dedent":
            lines[i] = line[draw(st.integers(min_value=1, max_value=4)) :]
        elif op == "tab":
            lines[i] = "\t" + line.lstrip(" ")
        elif op == "rename" and ":" in line:
            indent = line[: len(line) - len(line.lstrip(" -"))]
            lines[i] = indent + draw(st.sampled_from(KEYS)) + ":" + line.split(":", 1)[1]
        elif op == "value" and ":" in line:
            lines[i] = line.split(":", 1)[0] + ": " + draw(st.sampled_from(WRONG_VALUES))
        elif op == "swap":
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "char":
            at = draw(st.integers(min_value=0, max_value=len(line)))
            char = draw(st.sampled_from(list("\t{}[],:#&*!|>'\"%@`\x07\x85\u2028\ufeff")))
            lines[i] = line[:at] + char + line[at:]
        elif op == "truncate":
            lines = lines[:i]
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join(lines) + draw(st.sampled_from([newline, ""]))


@settings(PROPERTY, max_examples=DAMAGED)
@given(text=damaged(), version=st.sampled_from(VERSIONS))
def test_damaged_manifests(workdir: Path, text: str, version: str) -> None:
    check(workdir, text, ".yaml", version)


def pointers(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from pointers(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from pointers(value, (*prefix, index))


def parent_of(data: Any, pointer: tuple[Any, ...]) -> Any:
    for key in pointer[:-1]:
        data = data[key]
    return data


@st.composite
def mutated_data(draw: st.DrawFn) -> list[Any]:
    documents = copy.deepcopy(draw(st.sampled_from(DATA_BASES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.integers(min_value=0, max_value=len(documents) - 1))
        places = list(pointers(documents[index]))[1:]
        if not places:
            documents[index] = draw(JUNK)
            continue
        pointer = draw(st.sampled_from(places))
        parent = parent_of(documents[index], pointer)
        key = pointer[-1]
        op = draw(st.sampled_from(["wrong-type", "delete", "rename", "copy", "add-odd-key"]))
        if op == "wrong-type":
            parent[key] = draw(JUNK)
        elif op == "delete":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.one_of(st.sampled_from(KEYS), ODD_KEYS))] = parent.pop(key)
        elif op == "copy":  # the same value under another key (or appended to the list)
            if isinstance(parent, dict):
                parent[draw(st.sampled_from(KEYS))] = parent[key]
            else:
                parent.append(parent[key])
        elif op == "add-odd-key" and isinstance(parent[key], dict):
            parent[key][draw(ODD_KEYS)] = draw(JUNK)
    return documents


@settings(PROPERTY, max_examples=WRONG_TYPES)
@given(
    documents=mutated_data(),
    style=st.sampled_from(["block", "flow", "json"]),
    version=st.sampled_from(VERSIONS),
)
def test_manifests_with_wrong_types_and_keys(
    workdir: Path, documents: list[Any], style: str, version: str
) -> None:
    text, suffix = render(documents, style)
    check(workdir, text, suffix, version)
