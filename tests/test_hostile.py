"""Hostile and broken input, in process: every rule runs, nothing raises, every finding is placed.

Each input ends in a diagnostic that names the file, a position inside it and
what is wrong, or in a clean pass. The committed corpus lives in
``tests/hostile/``; large, binary and badly encoded inputs are generated here.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import os
import signal
import subprocess
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.document import SourceFile
from sidecar_lint.engine import Linter
from sidecar_lint.findings import Finding
from sidecar_lint.loading import DEFAULT_LIMITS, Limits, LoadedSource, load_bytes, load_source
from sidecar_lint.rule_catalogue import builtin_rules, select_rules
from sidecar_lint.versions import KubeVersion

HOSTILE = Path(__file__).resolve().parent / "hostile"
ALL_RULES = select_rules(builtin_rules(), ["ALL"])


# --------------------------------------------------------------------------- helpers


def linter(version: str = "1.33") -> Linter:
    options = CheckOptions(
        kubernetes_version=KubeVersion.parse(version), report_unused_ignores=True
    )
    return Linter(ALL_RULES, options)


def lint_loaded(loaded: LoadedSource, version: str = "1.33") -> list[Finding]:
    """Every rule (suppressed findings included), twice: the runs must agree."""
    first = linter(version).lint(loaded)
    second = linter(version).lint(loaded)
    assert first == second
    return first


def lint_bytes(
    raw: bytes, path: str = "hostile.yaml", limits: Limits = DEFAULT_LIMITS, version: str = "1.33"
) -> list[Finding]:
    """Lint with every rule; the command line's fast first read must agree with the reference."""
    loaded = load_bytes(path, raw, limits)
    found = lint_loaded(loaded, version)
    assert_placed(found, raw, loaded.source.text, path)
    fast = linter(version).lint(load_bytes(path, raw, limits, fast=True))
    assert [(f.code, f.span, f.message) for f in fast] == [
        (f.code, f.span, f.message) for f in found
    ]
    return found


def lint_text(text: str, path: str = "hostile.yaml", version: str = "1.33") -> list[Finding]:
    return lint_bytes(text.encode("utf-8"), path, version=version)


def line_count(raw: bytes, text: str) -> int:
    """Lines of the file as decoded text, or of its bytes when it could not be decoded."""
    if text or not raw:
        return max(1, len(text.splitlines()))
    return raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)


def assert_placed(found: list[Finding], raw: bytes, text: str, path: str) -> None:
    """File, position inside the file and a message: for every finding."""
    lines = line_count(raw, text)
    for f in found:
        span = f.span
        where = f"{f.code} {span} in a file of {lines} line(s): {f.message}"
        assert f.path == path, where
        assert 1 <= span.start_line <= span.end_line <= lines, where
        assert span.start_col >= 1 and span.end_col >= 1, where
        assert (span.start_line, span.start_col) < (span.end_line, span.end_col), where
        assert f.message.strip() and "Traceback" not in f.message, where


@contextlib.contextmanager
def hang_guard(seconds: float = 60.0) -> Iterator[None]:
    """Fail instead of hanging the suite (a guard for runaway work, never a speed check)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds:.0f} s: unbounded work")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def where(found: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.code, f.span.start_line, f.span.start_col) for f in found]


def has(found: list[Finding], code: str, line: int, col: int | None, text: str) -> bool:
    return any(
        f.code == code
        and f.span.start_line == line
        and (col is None or f.span.start_col == col)
        and text in f.message
        for f in found
    )


# --------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Expect:
    """What one corpus file must produce: findings that must appear, or nothing at all."""

    clean: bool = False
    must: tuple[tuple[str, int, int | None, str], ...] = ()


NOT_CONSTRUCTED = "it was never constructed"
HELM = "helm template"

CORPUS: dict[str, Expect] = {
    "alias-bomb.yaml": Expect(clean=True),
    "alias-bomb-pod.yaml": Expect(
        must=(
            ("SL101", 21, 12, "unknown field 'a' in Affinity"),
            ("SL109", 40, 19, "resources.requests.a"),
            ("SL502", 44, 14, "has no tag"),
        )
    ),
    "python-tags-pod.yaml": Expect(
        must=(
            ("SL001", 6, 9, "'!!python/object/apply:os.system': " + NOT_CONSTRUCTED),
            ("SL001", 8, 10, "'!!python/object/new:subprocess.check_output'"),
            ("SL001", 12, 14, "'!!python/name:os.system'"),
            ("SL001", 13, 16, "'!!python/object/apply:builtins.eval'"),
            ("SL001", 14, 12, "'!!python/module:os'"),
        )
    ),
    "python-tags-mkdocs.yaml": Expect(clean=True),
    "unknown-tags-pod.yaml": Expect(
        must=(
            ("SL001", 6, 12, "'!Ref': " + NOT_CONSTRUCTED),
            ("SL001", 10, 14, "'!Sub'"),
            ("SL001", 11, 13, "'!custom'"),
            ("SL001", 12, 12, "'tag:example.com,2024:env'"),
            ("SL001", 13, 12, "'!!set'"),
        )
    ),
    "cloudformation.yaml": Expect(clean=True),
    "tabs.yaml": Expect(must=(("SL001", 7, 1, "found character '\\t' that cannot start"),)),
    "duplicate-keys.yaml": Expect(
        must=(
            ("SL101", 5, 3, "duplicate key 'name' (first set on line 4)"),
            ("SL101", 10, 7, "duplicate key 'image' (first set on line 9)"),
            ("SL101", 12, 32, "duplicate key 'memory' (first set on line 12)"),
            ("SL101", 13, 3, "duplicate key 'containers' (first set on line 7)"),
        )
    ),
    "unterminated-flow-sequence.yaml": Expect(
        must=(("SL001", 6, 15, "expected ',' or ']'"),)  # the '[' that is never closed
    ),
    "unterminated-flow-mapping.yaml": Expect(
        must=(("SL001", 4, 1, "flow mapping started at line 3, column 11"),)
    ),
    "unterminated-quote.yaml": Expect(
        must=(("SL001", 4, 9, "while scanning a quoted scalar started at line 4, column 9"),)
    ),
    "broken-after-good.yaml": Expect(
        must=(
            ("SL101", 5, 3, "Pod good: Kubernetes has no 'sidecarContainers' field"),
            ("SL001", 13, 5, "flow mapping started at line 12, column 11"),
        )
    ),
    "good-after-broken.yaml": Expect(
        must=(
            ("SL001", 5, 2, "expected <block end>"),
            ("SL101", 11, 3, "Pod good: Kubernetes has no 'sidecarContainers' field"),
        )
    ),
    "wrong-types.yaml": Expect(
        must=(
            ("SL109", 36, 39, "resources.requests.cpu [1] is not a valid quantity"),
            ("SL201", 37, 11, "sidecar 'istio-proxy'"),
            ("SL102", 94, 75, "restartPolicy: ['Always']"),
        )
    ),
    "wrong-types.json": Expect(
        must=(
            ("SL109", 6, 109, "resources.requests.cpu [1] is not a valid quantity"),
            ("SL101", 9, 5, "unknown field 'x' in PodSpec"),
        )
    ),
    "huge-numbers.yaml": Expect(
        must=(
            ("SL109", 13, 25, "resources.requests.cpu inf is not a valid quantity"),
            ("SL109", 13, 46, "resources.requests.memory -inf"),
            ("SL109", 14, 23, "resources.limits.cpu nan"),
            ("SL109", 20, 23, "a negative quantity"),
        )
    ),
    "odd-keys.yaml": Expect(
        must=(
            ("SL101", 11, 5, "duplicate key '1' (first set on line 7)"),
            ("SL001", 22, 9, "a mapping or list used as a key"),
            ("SL001", 24, 9, "a mapping or list used as a key"),
            ("SL101", 26, 3, "duplicate key 'True' (first set on line 15)"),
        )
    ),
    "merge-keys.yaml": Expect(must=(("SL104", 13, 7, "container name 'app'"),)),
    "recursive-aliases.yaml": Expect(
        must=(
            ("SL101", 6, 3, "unknown field 'template' in PodSpec"),
            ("SL101", 15, 19, "unknown field 'nodeAffinity' in NodeAffinity"),
        )
    ),
    "helm-breaks-parsing.yaml": Expect(
        must=(("SL001", 6, 7, "looks like an unrendered Helm/Go template"),)
    ),
    "helm-parses.yaml": Expect(
        must=(
            ("SL003", 4, 10, "unrendered Helm/Go template: '{{ ... }}' was read as a YAML mapping"),
            ("SL003", 11, 41, HELM),
        )
    ),
    "helm-control-first.yaml": Expect(must=(("SL001", 1, None, ""),)),
    "undefined-alias.yaml": Expect(
        must=(
            ("SL001", 5, 15, "found undefined alias 'nowhere'"),
            ("SL101", 11, 3, "Pod second"),
        )
    ),
    "directives.yaml": Expect(
        must=(
            ("SL001", 8, 9, "'tag:kubernetes.io,2024:name': " + NOT_CONSTRUCTED),
            ("SL001", 14, 1, "found incompatible YAML document"),
        )
    ),
    "markers-only.yaml": Expect(clean=True),
    "empty.yaml": Expect(clean=True),
    "list-kind.yaml": Expect(must=(("SL101", 9, 65, "Pod outer"),)),
    "broken.json": Expect(must=(("SL001", 5, 61, "invalid JSON: Expecting value"),)),
}


def test_every_corpus_file_has_expectations_and_is_small() -> None:
    files = sorted(p.name for p in HOSTILE.iterdir())
    assert files == sorted(CORPUS)
    for name in files:
        assert (HOSTILE / name).stat().st_size < 50_000, name


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_is_reported_or_clean(name: str) -> None:
    raw = (HOSTILE / name).read_bytes()
    with hang_guard():
        found = lint_bytes(raw, f"tests/hostile/{name}")
    expect = CORPUS[name]
    if expect.clean:
        assert found == [], where(found)
    for code, line, col, text in expect.must:
        assert has(found, code, line, col, text), (code, line, col, text, where(found))


# --------------------------------------------------------------------------- wrong types


POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web",
        "labels": {"app": "web"},
        "annotations": {"kubectl.kubernetes.io/default-container": "web"},
    },
    "spec": {
        "initContainers": [
            {
                "name": "istio-proxy",
                "image": "istio/proxyv2:1.24.0",
                "restartPolicy": "Always",
                "startupProbe": {"tcpSocket": {"port": 15021}},
                "ports": [{"containerPort": 15090}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
            }
        ],
        "containers": [
            {
                "name": "web",
                "image": "registry.example.com/web:1.0.0",
                "command": ["/web"],
                "env": [{"name": "A", "value": "b"}],
                "ports": [{"containerPort": 8080}],
                "volumeMounts": [{"name": "logs", "mountPath": "/logs"}],
                "resources": {"requests": {"cpu": "1"}, "limits": {"memory": "1Gi"}},
            },
            {
                "name": "fluent-bit",
                "image": "fluent/fluent-bit:latest",
                "ports": [{"containerPort": 8080}],
                "volumeMounts": [{"name": "logz", "mountPath": "/logs"}],
                "resources": {"requests": {"cpu": "2", "memory": "2Gi"}},
            },
        ],
        "volumes": [{"name": "logs", "emptyDir": {}}, {"name": "spare", "emptyDir": {}}],
    },
}

JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "report"},
    "spec": {
        "template": {
            "metadata": {"annotations": {"sidecar-lint.io/ignore.report": "SL402"}},
            "spec": {
                "restartPolicy": "Never",
                "initContainers": [
                    {"name": "migrate", "image": "migrate:1", "livenessProbe": {"exec": {}}}
                ],
                "containers": [
                    {"name": "report", "image": "report:1"},
                    {
                        "name": "log-forwarder",
                        "image": "busybox:1.36",
                        "command": ["sh", "-c", "while true; do sleep 5; done"],
                    },
                ],
            },
        }
    },
}

SIDECARSET = {
    "apiVersion": "apps.kruise.io/v1alpha1",
    "kind": "SidecarSet",
    "metadata": {"name": "logs"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "containers": [
            {
                "name": "shipper",
                "image": "fluent/fluent-bit:3.1",
                "podInjectPolicy": "BeforeAppContainer",
                "shareVolumePolicy": {"type": "enabled"},
                "volumeMounts": [{"name": "logs", "mountPath": "/logs"}],
            }
        ],
        "volumes": [{"name": "logs", "emptyDir": {}}],
    },
}

BASES = {"pod": POD, "job": JOB, "sidecarset": SIDECARSET}


def pointers(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from pointers(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from pointers(value, (*prefix, index))


def replaced(data: Any, pointer: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    node = out
    for key in pointer[:-1]:
        node = node[key]
    node[pointer[-1]] = value
    return out


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, width=1_000_000, allow_unicode=True)


def where_key(data: Any, key: str) -> list[tuple[Any, ...]]:
    """Every pointer that ends in ``key`` (so a wrong type reaches every container)."""
    return [p for p in pointers(data) if p and p[-1] == key]


# The exact wrong types a rule could trip over, each at every place its key occurs.
WRONG_TYPES: list[tuple[str, str, Any]] = [
    ("containers-string", "containers", "x"),
    ("containers-mixed", "containers", [1, None, "a", []]),
    ("init-containers-mapping", "initContainers", {"name": "x"}),
    ("ports-int", "ports", 7),
    ("ports-int-list", "ports", [7]),
    ("ports-mixed", "ports", [None, "http", {"containerPort": "80"}, {"containerPort": [1]}]),
    ("cpu-list", "cpu", [1]),
    ("resources-string", "resources", "big"),
    ("requests-list", "requests", ["cpu"]),
    ("limits-int", "limits", 5),
    ("metadata-null", "metadata", None),
    ("metadata-list", "metadata", []),
    ("spec-list", "spec", []),
    ("template-string", "template", "t"),
    ("kind-int", "kind", 5),
    ("api-version-int", "apiVersion", 1),
    ("name-int", "name", 7),
    ("name-list", "name", ["a"]),
    ("name-mapping", "name", {"a": 1}),
    ("image-mapping", "image", {}),
    ("command-int", "command", 5),
    ("command-mixed", "command", [None, 1, ["sh"], {"a": 1}]),
    ("env-mapping", "env", {}),
    ("volume-mounts-int-name", "volumeMounts", [{"name": 1}]),
    ("volume-mounts-odd", "volumeMounts", [{"name": None, "mountPath": 5}, "m", {"name": []}]),
    ("volumes-odd", "volumes", [{"name": 1}, {"name": []}, {"name": {}}, "v", None]),
    ("annotations-list", "annotations", ["a"]),
    ("labels-string", "labels", "app"),
    ("restart-policy-list", "restartPolicy", ["Always"]),
    ("probe-string", "startupProbe", "tcp"),
    ("probe-list", "livenessProbe", []),
    ("selector-list", "selector", []),
    ("share-volume-policy-string", "shareVolumePolicy", "x"),
    ("huge-float", "cpu", float("inf")),
    ("huge-negative-float", "memory", float("-inf")),
    ("nan", "cpu", float("nan")),
    ("huge-int", "containerPort", 10**300),
    ("huge-string-quantity", "memory", "1e999999"),
    ("negative-huge-string", "cpu", "-1e999999"),
    ("nan-string", "containerPort", ".nan"),
    ("long-string", "image", "r/" + "a" * 100_000 + ":1"),
    ("long-name", "name", "n" * 100_000),
    ("bool", "containers", True),
    ("date", "image", datetime.date(2024, 1, 1)),
    ("bytes", "name", b"\x00\xff"),
]


WRONG_TYPE_CASES = [
    pytest.param(base, key, value, id=f"{case}-{base}")
    for case, key, value in WRONG_TYPES
    for base in sorted(BASES)
    if where_key(BASES[base], key)
]


@pytest.mark.parametrize(("base", "key", "value"), WRONG_TYPE_CASES)
def test_wrong_type_everywhere_a_rule_looks(base: str, key: str, value: Any) -> None:
    mutated = BASES[base]
    for pointer in sorted(where_key(mutated, key), key=len, reverse=True):  # inner ones first
        mutated = replaced(mutated, pointer, value)
    with hang_guard():
        lint_text(dump(mutated))
        lint_text(json.dumps(mutated, indent=1, default=str), "hostile.json")


def test_every_wrong_type_reaches_some_manifest() -> None:
    reached = {key for _, key, _ in WRONG_TYPES if any(where_key(b, key) for b in BASES.values())}
    assert reached == {key for _, key, _ in WRONG_TYPES}


def test_the_named_wrong_types_get_clear_findings() -> None:
    """Where the API would reject a wrong type, a rule says so at the value."""
    data = replaced(POD, ("spec", "containers", 0, "resources", "requests", "cpu"), [1])
    found = lint_text(dump(data))
    assert any(
        f.code == "SL109" and "resources.requests.cpu [1] is not a valid quantity" in f.message
        for f in found
    ), where(found)
    data = replaced(POD, ("spec", "containers", 0, "resources", "limits", "memory"), float("nan"))
    found = lint_text(dump(data))
    assert any(f.code == "SL109" and "memory nan" in f.message for f in found), where(found)


@pytest.mark.parametrize("base", sorted(BASES))
def test_every_value_replaced_by_every_wrong_type(base: str) -> None:
    """A sweep: each node of each manifest in turn becomes a wrong type (and keys do too)."""
    data = BASES[base]
    values: list[Any] = ["x", 7, None, [], {}, [1, None, "a", []], True, -1.5]
    lint = linter()
    problems: list[str] = []
    cases = 0
    for pointer in list(pointers(data))[1:]:
        variants = [replaced(data, pointer, v) for v in values]
        target = data
        for key in pointer:
            target = target[key]
        if isinstance(target, dict):
            for odd_key in (True, None, 1, 1.5, "<<"):
                extra = copy.deepcopy(data)
                node = extra
                for key in pointer:
                    node = node[key]
                node[odd_key] = "odd"
                variants.append(extra)
        for variant in variants:
            cases += 1
            text = dump(variant)
            raw = text.encode("utf-8")
            try:
                loaded = load_bytes("sweep.yaml", raw)
                found = lint.lint(loaded)
                assert_placed(found, raw, loaded.source.text, "sweep.yaml")
            except Exception as err:  # collect them all: one report names every crash
                problems.append(f"{pointer}: {type(err).__name__}: {err}")
    assert cases > 100
    assert not problems, "\n".join(problems[:20])


def test_volume_names_of_any_type_do_not_crash_unused_volume() -> None:
    """SL302 once put every volume name in a set, so a list or mapping as a name raised."""
    for name in ([], ["a"], {}, {"a": 1}):
        data = replaced(POD, ("spec", "volumes", 0, "name"), name)
        found = lint_text(dump(data))
        # 'logs' is no longer declared, so the mount of it is reported; 'spare' is unused.
        assert any(f.code == "SL103" and "'logs'" in f.message for f in found), where(found)
        assert any(f.code == "SL302" and "'spare'" in f.message for f in found), where(found)


# --------------------------------------------------------------------------- tags


CODE_TAGS = """\
apiVersion: v1
kind: Pod
metadata:
  name: !!python/object/apply:os.system ["touch {marker}"]
  namespace: !!python/object/apply:subprocess.call [["touch", "{marker}"]]
  labels: !!python/object/new:subprocess.Popen [["touch", "{marker}"]]
  annotations: !!python/object/apply:os.popen ["touch {marker}"]
spec:
  containers:
    - name: !!python/name:os.system
      image: !!python/module:os
      args: !!python/object:builtins.dict {{}}
"""


@pytest.fixture
def no_code_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (instead of running) every way the tags above could start a process."""
    calls: list[str] = []

    def record(name: str) -> Callable[..., Any]:
        def fake(*args: Any, **kwargs: Any) -> Any:
            calls.append(f"{name}{args!r}")
            raise AssertionError(f"{name} was called while loading YAML")

        return fake

    monkeypatch.setattr(os, "system", record("os.system"))
    monkeypatch.setattr(os, "popen", record("os.popen"))
    monkeypatch.setattr(subprocess, "Popen", record("subprocess.Popen"))
    monkeypatch.setattr(subprocess, "call", record("subprocess.call"))
    return calls


@pytest.mark.parametrize("kubernetes", [True, False])
def test_code_tags_are_never_constructed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_code_runs: list[str], kubernetes: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "marker"
    text = CODE_TAGS.format(marker=marker)
    if not kubernetes:
        text = text.replace("apiVersion: v1\nkind: Pod\n", "site_name: docs\n")
    found = lint_text(text)
    assert not marker.exists()
    assert no_code_runs == []
    tags = [f for f in found if f.code == "SL001" and "unsupported YAML tag" in f.message]
    if kubernetes:  # reported where each tag is written
        assert [f.span.start_line for f in tags] == [4, 5, 6, 7, 10, 11, 12]
        assert all("never constructed" in f.message for f in tags)
    else:  # an mkdocs.yml or CloudFormation template is not ours to judge
        assert found == []
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- alias bombs


def yaml_nodes(text: str) -> int:
    """Nodes as written in the file (an alias is one node), counted by PyYAML's events."""
    return sum(
        1
        for e in yaml.parse(text, Loader=yaml.SafeLoader)
        if isinstance(e, yaml.NodeEvent | yaml.CollectionStartEvent)
    )


@pytest.mark.parametrize("name", ["alias-bomb.yaml", "alias-bomb-pod.yaml"])
def test_alias_bomb_costs_its_size_in_the_file(name: str) -> None:
    text = (HOSTILE / name).read_text()
    tracemalloc.start()
    try:
        loaded = load_source(SourceFile(name, text))
        found = lint_loaded(loaded)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    nodes = yaml_nodes(text)
    for doc in loaded.documents:
        assert len(doc.spans) <= nodes  # one entry per node written, never per expansion
    assert peak < 32 * 1024 * 1024  # 9**9 strings would be gigabytes
    assert len(found) < 10 * nodes


def test_an_alias_used_thousands_of_times_costs_one_finding_per_use() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - &c {name: istio-proxy, image: istio/proxyv2, ports: [{containerPort: 80}]}\n"
        + "    - *c\n"
        * 2_000
    )
    found = lint_text(text)
    # One duplicate-name finding per repeated entry (and nothing per expanded field).
    assert sum(f.code == "SL104" for f in found) == 2_000


def shared_bombs() -> tuple[list[Any], dict[str, Any]]:
    """A list and a mapping bomb as Python data: safe_dump writes shared objects as aliases."""
    seq: list[Any] = ["lol"] * 9
    mapping: dict[str, Any] = dict.fromkeys("abcdefghi", "lol")
    for _ in range(8):
        seq = [seq] * 9
        mapping = dict.fromkeys("abcdefghi", mapping)
    return seq, mapping


@pytest.mark.parametrize("base", sorted(BASES))
def test_an_alias_bomb_in_every_field_is_never_expanded(base: str) -> None:
    """Rules that print a wrong value (SL102, SL109, SL601) once rendered all of it."""
    data = BASES[base]
    seq, mapping = shared_bombs()
    for pointer in list(pointers(data))[1:]:
        for bomb_value in (seq, mapping):
            text = dump(replaced(data, pointer, bomb_value))
            assert len(text) < 10_000  # written as anchors and aliases
            with hang_guard():
                found = lint_text(text)
            assert all(len(f.message) < 2_000 for f in found), pointer


def test_wrong_values_in_messages_are_cut_short() -> None:
    seq, mapping = shared_bombs()
    cycle: list[Any] = []
    cycle.append(cycle)
    long_text = "x" * 100_000
    for value in (seq, mapping, cycle, long_text, {datetime.date(2024, 1, 1): 1}):
        data = replaced(POD, ("spec", "containers", 0, "resources", "limits", "memory"), value)
        data = replaced(data, ("spec", "initContainers", 0, "restartPolicy"), value)
        with hang_guard():
            found = lint_text(dump(data))
        quantity = [f for f in found if f.code == "SL109" and "limits.memory" in f.message]
        policy = [f for f in found if f.code == "SL102"]
        assert quantity and policy, where(found)
        if not isinstance(value, str):  # a long string is shown as written: linear, not a bomb
            assert all(len(f.message) < 2_000 for f in quantity + policy)


def test_sidecarset_values_in_messages_are_cut_short() -> None:
    seq, mapping = shared_bombs()
    for value in (seq, mapping):
        data = copy.deepcopy(SIDECARSET)
        spec = data["spec"]
        spec["updateStrategy"] = {"type": value, "partition": value}
        spec["injectionStrategy"] = {"revision": {"revisionName": "r", "policy": value}}
        spec["patchPodMetadata"] = [{"annotations": {"a": "b"}, "patchPolicy": value}]
        container = spec["containers"][0]
        container["podInjectPolicy"] = value
        container["shareVolumePolicy"] = {"type": value}
        container["transferEnv"] = [{"sourceContainerNameFrom": {"fieldRef": {"fieldPath": value}}}]
        with hang_guard():
            found = [f for f in lint_text(dump(data)) if f.code == "SL601"]
        assert len(found) == 7, where(found)
        assert all(len(f.message) < 2_000 for f in found)


def merge_chain(n: int) -> str:
    """Each mapping merges the previous one: n**2 / 2 keys if every merge is copied out."""
    lines = ["m0: &m0 {k0: 0}"]
    lines += [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, n)]
    return "\n".join(lines) + "\n"


def test_merge_key_bomb_is_not_re_expanded() -> None:
    text = merge_chain(200)
    loaded = load_source(SourceFile("merge-bomb.yaml", text))
    spans = sum(len(doc.spans) for doc in loaded.documents)
    reported = any("merge" in p.message for p in loaded.problems)
    assert reported or spans <= 4 * yaml_nodes(text), (spans, yaml_nodes(text))


def test_inline_merge_sources_are_applied() -> None:
    text = "a: {<<: {x: 1}}\nb: &b {z: 0}\nc: {<<: [*b, {y: 2}]}\nd:\n  <<:\n    x: 1\n  y: 2\n"
    (doc,) = load_source(SourceFile("merge.yaml", text)).documents
    assert doc.data == yaml.safe_load(text)


# --------------------------------------------------------------------------- deep nesting


DEPTH = 5_000
HEAD = "apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nspec:\n  x: "
AFTER = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: after}\nspec: {sidecarContainers: []}\n"


def deep_block_mapping(depth: int = DEPTH) -> str:
    return HEAD + "\n" + "".join(" " * (i + 3) + "k:\n" for i in range(depth))


def deep_block_sequence(depth: int = DEPTH) -> str:
    return HEAD + "\n" + "".join(" " * (i + 3) + "-\n" for i in range(depth))


def deep_flow_sequence(depth: int = DEPTH) -> str:
    return HEAD + "[" * depth + "]" * depth + "\n"


def deep_flow_mapping(depth: int = DEPTH) -> str:
    return HEAD + "{k: " * depth + "v" + "}" * depth + "\n"


DEEP = {
    "block-mapping": deep_block_mapping,
    "block-sequence": deep_block_sequence,
    "flow-sequence": deep_flow_sequence,
    "flow-mapping": deep_flow_mapping,
}


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_nesting_is_reported_with_the_limit_and_the_flag(shape: str) -> None:
    text = DEEP[shape]() + AFTER
    found = lint_text(text)
    (deep,) = [f for f in found if f.code == "SL001"]
    assert "nesting deeper than 256 levels" in deep.message and "--max-depth" in deep.message
    assert deep.span.start_line >= 5  # inside the deep value, not at the top of the file
    assert any(f.code == "SL101" and "Pod after" in f.message for f in found)


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_nesting_with_a_syntax_error_falls_back_without_crashing(shape: str) -> None:
    """libyaml fails on the syntax error; the pure-Python parser then meets the nesting."""
    text = DEEP[shape](2_000) + "broken: [\n" + AFTER  # far past the pure parser's recursion
    found = lint_text(text)
    assert any(f.code == "SL001" for f in found)
    assert any(f.code == "SL101" and "Pod after" in f.message for f in found)


def test_deep_document_with_a_syntax_error_is_reported_once_where_it_is() -> None:
    good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n"
    text = good + "---\n" + deep_flow_sequence(2_000) + "broken: [\n"
    loaded = load_source(SourceFile("deep.yaml", text))
    (problem,) = loaded.problems
    assert problem.line + 1 >= 5 and problem.document_index == 1


def test_a_raised_depth_limit_never_hits_the_recursion_limit() -> None:
    containers = (
        "  containers:\n    - name: app\n      image: "
        + "[" * 3_000
        + "]" * 3_000
        + "\n      env: "
        + "{a: " * 3_000
        + "1"
        + "}" * 3_000
        + "\n"
    )
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + containers
    loaded = load_bytes("deep.yaml", text.encode(), Limits(max_depth=100_000))
    assert loaded.problems == []
    found = lint_loaded(loaded)
    assert_placed(found, text.encode(), text, "deep.yaml")


@pytest.mark.parametrize("depth", [300, 20_000])
def test_deep_json_is_reported_with_the_limit_and_the_flag(depth: int) -> None:
    text = '{"apiVersion": "v1", "kind": "Pod", "spec": {"x": ' + "[" * depth + "]" * depth + "}}"
    found = lint_text(text, "deep.json")
    assert any(f.code == "SL001" and "--max-depth" in f.message for f in found), where(found)


# --------------------------------------------------------------------------- bytes and encodings


POD_TEXT = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  sidecarContainers: []\n"
    "  containers:\n    - {name: app, image: 'registry.example.com/app:1.0.0'}\n"
)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xef\xbb\xbf", "utf-8"),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_utf16_and_utf32_with_a_bom_read_like_utf8(bom: bytes, codec: str, newline: str) -> None:
    plain = lint_text(POD_TEXT)
    found = lint_bytes(bom + POD_TEXT.replace("\n", newline).encode(codec))
    assert where(found) == where(plain) == [("SL101", 6, 3)]


@dataclass(frozen=True)
class Bad:
    raw: bytes
    line: int
    col: int
    text: str


def _pod_with(value: bytes) -> bytes:
    return POD_TEXT.encode().replace(b"name: p\n", b"name: p" + value + b"\n")


BAD_BYTES = {
    "latin-1": Bad(_pod_with(b"caf\xe9"), 4, 13, "not UTF-8 text: byte 0xe9"),
    "utf8-surrogate": Bad(_pod_with(b"\xed\xa0\x80"), 4, 10, "not UTF-8 text: byte 0xed"),
    "truncated-utf8": Bad(_pod_with(b"\xe2\x82"), 4, 10, "not UTF-8 text: byte 0xe2"),
    "png": Bad(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, 1, "not UTF-8 text: byte 0x89"),
    "gzip": Bad(b"\x1f\x8b\x08\x00" + bytes(range(256)), 1, 2, "not UTF-8 text: byte 0x8b"),
    "nul": Bad(_pod_with(b"\x00"), 4, 10, "contains a NUL character"),
    "utf16-without-bom": Bad(POD_TEXT.encode("utf-16-le"), 1, 2, "NUL"),
    "bell": Bad(_pod_with(b"\x07"), 4, 10, "unacceptable character '\\x07' (#x0007)"),
    "escape": Bad(_pod_with(b"\x1b[31m"), 4, 10, "(#x001b)"),
    "delete": Bad(_pod_with(b"\x7f"), 4, 10, "(#x007f)"),
    "c1-control": Bad(_pod_with("\x9b".encode()), 4, 10, "(#x009b)"),
    "noncharacter": Bad(_pod_with("\uffff".encode()), 4, 10, "(#xffff)"),
    "vertical-tab": Bad(_pod_with(b"\x0b"), 4, 10, "(#x000b)"),
}


@pytest.mark.parametrize("name", sorted(BAD_BYTES))
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_binary_and_badly_encoded_bytes_are_one_placed_problem(name: str, suffix: str) -> None:
    bad = BAD_BYTES[name]
    found = lint_bytes(bad.raw, "hostile" + suffix)
    if suffix == ".json" and "NUL" not in bad.text and "UTF-8" not in bad.text:
        assert [f.code for f in found] == ["SL001"]  # JSON reports its own message
        return
    (problem,) = found
    assert (problem.code, problem.span.start_line, problem.span.start_col) == (
        "SL001",
        bad.line,
        bad.col,
    ), problem
    assert bad.text in problem.message


@pytest.mark.parametrize(
    "text",
    ["a: \u00e9\nb: \U00010000\u00a0x\x1b\n", 'a: "\u00e9\u00e9\u00e9\u00e9\u00e9"\nb: cdef\x1b\n'],
    ids=["astral-before", "accents-before"],
)
def test_a_control_character_after_non_ascii_text_is_placed_at_it(text: str) -> None:
    (problem,) = lint_text(text)
    assert (problem.span.start_line, problem.span.start_col) == (2, 8 if "cdef" in text else 7)


def test_random_binary_never_crashes() -> None:
    import random

    rng = random.Random(20240601)
    for size in (1, 2, 3, 4, 7, 64, 4096):
        for _ in range(20):
            raw = bytes(rng.randrange(256) for _ in range(size))
            lint_bytes(raw)
            lint_bytes(raw, "hostile.json")


@pytest.mark.parametrize(
    "raw",
    [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\n\n\n", b"  \r\n"],
    ids=["empty", "utf8-bom", "utf16le-bom", "utf16be-bom", "blank-lines", "blank-crlf"],
)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_empty_inputs_pass_clean(raw: bytes, suffix: str) -> None:
    assert lint_bytes(raw, "empty" + suffix) == []


@pytest.mark.parametrize("raw", [b"# only a comment\n", b"---\n", b"---\n...\n---\n"])
def test_yaml_without_documents_passes_clean_and_is_not_json(raw: bytes) -> None:
    assert lint_bytes(raw, "empty.yaml") == []
    (problem,) = lint_bytes(raw, "empty.json")
    assert problem.code == "SL001" and problem.message.startswith("invalid JSON")


@pytest.mark.parametrize("newline", ["\r", "\u2028", "\x85"])
def test_unusual_line_breaks_keep_positions_inside_the_file(newline: str) -> None:
    found = lint_text(POD_TEXT.replace("\n", newline))
    assert where(found) == [("SL101", 6, 3)]


def test_truncated_utf16_names_its_encoding_and_the_bad_byte() -> None:
    raw = b"\xff\xfe" + POD_TEXT.encode("utf-16-le") + b"x"
    (problem,) = lint_bytes(raw)
    assert "UTF-8" not in problem.message and "0x78" in problem.message


# --------------------------------------------------------------------------- loader crashes


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30",
        "2024-13-01",
        "0000-01-01",
        "2024-01-01 25:00:00",
        "1" + "0" * 5000,
        "!!int abc",
        "!!int ''",
        "!!float abc",
        "!!bool maybe",
        "!!timestamp x",
        "!<tag:yaml.org,2002:int> z",
    ],
    ids=[
        "feb-30",
        "month-13",
        "year-0",
        "hour-25",
        "int-5000-digits",
        "tagged-int",
        "tagged-empty-int",
        "tagged-float",
        "tagged-bool",
        "tagged-timestamp",
        "verbatim-int-tag",
    ],
)
def test_unconstructible_scalars_are_reported_not_raised(value: str) -> None:
    text = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {{built: {value}}}\n"
    found = lint_text(text)
    assert any(f.code == "SL001" and f.span.start_line == 5 for f in found), where(found)


def test_json_with_a_huge_integer_is_reported_not_raised() -> None:
    text = '{"apiVersion": "v1", "kind": "Pod", "spec": {"x": 1' + "0" * 5000 + "}}"
    found = lint_text(text, "huge.json")
    assert any(f.code == "SL001" for f in found)


# --------------------------------------------------------------------------- JSON sniffing


@pytest.mark.parametrize(
    "text",
    [
        "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {sidecarContainers: []}}\n",
        '{"apiVersion": "v1", "kind": "Pod"}\n---\n'
        '{"apiVersion": "v1", "kind": "Pod", "spec": {"sidecarContainers": []}}\n',
    ],
    ids=["flow-mapping", "json-documents"],
)
def test_flow_style_yaml_is_yaml(text: str) -> None:
    found = lint_text(text, "flow.yaml")
    assert [f.code for f in found] == ["SL101"], where(found)


def test_a_template_with_only_quoted_actions_is_reported_as_unrendered() -> None:
    text = (
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "{{ .Release.Name }}"\n'
        'spec:\n  template:\n    spec:\n      containers:\n        - name: "{{ .Chart.Name }}"\n'
        '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
    )
    found = lint_text(text, "templates/deployment.yaml")
    assert any(HELM in f.message for f in found), where(found)


def test_helm_template_starting_with_an_action_gets_the_helm_hint() -> None:
    raw = (HOSTILE / "helm-control-first.yaml").read_bytes()
    (problem,) = lint_bytes(raw)
    assert HELM in problem.message


# --------------------------------------------------------------------------- the fast first read


@pytest.mark.parametrize("name", ["a.b", "a/b", "\u00e9", ":a"])
def test_the_fast_read_rejects_the_anchor_names_the_reference_rejects(name: str) -> None:
    raw = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: &{name} web\n".encode()
    reference = linter().lint(load_bytes("anchor.yaml", raw))
    assert [(f.code, f.span.start_line) for f in reference] == [("SL001", 4)]
    assert where(linter().lint(load_bytes("anchor.yaml", raw, fast=True))) == where(reference)


def _container_with(line: str) -> bytes:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        f"    - name: app\n      image: registry.example.com/app:1.0.0\n      {line}\n"
    ).encode()


@pytest.mark.parametrize("value", ["_1", "+_2", "-_1", "_2E8"])
def test_the_fast_read_keeps_underscore_scalars_as_text(value: str) -> None:
    raw = _container_with(f"resources: {{limits: {{cpu: {value}}}}}")
    reference = linter().lint(load_bytes("underscore.yaml", raw))
    assert [f.code for f in reference] == ["SL109"]
    fast = linter().lint(load_bytes("underscore.yaml", raw, fast=True))
    assert [(f.code, f.span, f.message) for f in fast] == [
        (f.code, f.span, f.message) for f in reference
    ]


@pytest.mark.parametrize(
    "items", ["[:1, a]", "[a, :b]", "{k: [:x]}", "[a, |]", "[>x]", "{k: >}", "[?@3, a]"]
)
def test_the_fast_read_rejects_flow_scalars_that_start_with_an_indicator(items: str) -> None:
    raw = _container_with(f"args: {items}")
    reference = linter().lint(load_bytes("colon.yaml", raw))
    assert [f.code for f in reference] == ["SL001"]
    assert where(linter().lint(load_bytes("colon.yaml", raw, fast=True))) == where(reference)


# --------------------------------------------------------------------------- limits


def test_file_size_limit_names_the_limit_and_the_flag() -> None:
    raw = POD_TEXT.encode() * 10
    (problem,) = lint_bytes(raw, limits=Limits(max_file_bytes=100))
    assert problem.code == "SL001"
    assert f"file is {len(raw)} bytes, above the 100 bytes limit" in problem.message
    assert "--max-file-size" in problem.message


def test_document_limit_names_the_limit_and_the_flag_and_keeps_the_first() -> None:
    raw = ("---\n" + POD_TEXT).encode() * 5
    found = lint_bytes(raw, limits=Limits(max_documents=3))
    assert [f.code for f in found] == ["SL101", "SL101", "SL101", "SL001"]
    assert "more than 3 documents" in found[-1].message
    assert "--max-documents" in found[-1].message
    assert found[-1].span.start_line == 29  # where the fourth document's content starts


def test_depth_limit_names_the_limit_and_the_flag() -> None:
    raw = deep_flow_sequence(20).encode()
    (problem,) = lint_bytes(raw, limits=Limits(max_depth=10))
    assert "nesting deeper than 10 levels" in problem.message and "--max-depth" in problem.message


# --------------------------------------------------------------------------- large inputs


def test_an_8_mb_scalar_is_read_once() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + "n" * (8 << 20) + "\n"
    text += "spec: {sidecarContainers: []}\n"
    found = lint_text(text)
    assert where(found) == [("SL101", 5, 8)]


def test_very_long_lines_in_every_position() -> None:
    long = "x" * 200_000
    text = (
        f"# {long}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {{{long}: v}}\n"
        f"spec:\n  containers:\n    - name: {long}\n      image: {long}:latest\n"
        f"      command: [{', '.join([long] * 5)}]\n"
    )
    lint_text(text)


# --------------------------------------------------------------------------- nesting that crashed libyaml


#: libyaml's composer recursed in C once per level and killed the process with a segfault
#: some 25,000 levels down (8 MiB stack). These run the real program in a subprocess, so
#: that a crash is a failing test, not a dead test run.
BEFORE = "apiVersion: v1\nkind: Pod\nmetadata: {name: before}\nspec: {sidecarContainers: []}\n"
DEEP_LINE = 6  # the deep document's first line, after BEFORE and "---"


def crashing_documents(depth: int) -> dict[str, tuple[str, int, int]]:
    """A deep document of each shape, with the (line, column) where it passes 256 levels."""
    indent = 300  # block mappings this deep, then flow collections under the last one
    keys = "".join(" " * i + "k:\n" for i in range(indent))
    return {
        "flow-sequence": ("x: " + "[" * depth + "]" * depth + "\n", DEEP_LINE, 3 + 255 + 1),
        "flow-mapping": ("x: " + "{a: " * depth + "b" + "}" * depth + "\n", DEEP_LINE, 1024),
        "block-sequence-on-one-line": ("- " * depth + "x\n", DEEP_LINE, 2 * 256 + 1),
        "explicit-keys-on-one-line": ("? " * depth + "x\n", DEEP_LINE, 2 * 256 + 1),
        "block-mappings-then-flow": (
            keys + " " * indent + "[" * depth + "]" * depth + "\n",
            DEEP_LINE + 256,
            256 + 1,
        ),
    }


def run_program(
    tmp_path: Path, *args: str, stack_kib: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``sidecar-lint --format json ARGS`` in a subprocess (with a smaller main stack if asked)."""
    import sys  # only these tests start the program

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PYTHONPATH"] = str(root)
    env["SIDECAR_LINT_CACHE_DIR"] = str(tmp_path / "cache")
    command = [sys.executable, "-m", "sidecar_lint", "--isolated", "--format", "json", *args]
    if stack_kib is not None:  # the main thread's stack is fixed when the program starts
        command = ["/bin/sh", "-c", f'ulimit -s {stack_kib} && exec "$@"', "sh", *command]
    proc = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc


def findings_by_file(proc: subprocess.CompletedProcess[str]) -> dict[str, list[dict[str, Any]]]:
    report = json.loads(proc.stdout)
    assert report["errors"] == [], report["errors"]
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        found.setdefault(Path(finding["file"]).name, []).append(finding)
    return found


def assert_read_around(found: list[dict[str, Any]], deep: str) -> None:
    """The documents before and after the deep one are linted, at their own lines."""
    spec_after = DEEP_LINE + deep.count("\n") + 4  # after "---", apiVersion, kind, metadata
    placed = {(f["code"], f["message"].split(":")[0], f["line"]) for f in found}
    assert ("SL101", "Pod before", 4) in placed, found
    assert ("SL101", "Pod after", spec_after) in placed, found


@pytest.mark.parametrize("depth", [30_000, 1_000_000])
def test_nesting_that_crashed_the_composer_is_one_problem_and_the_rest_is_linted(
    tmp_path: Path, depth: int
) -> None:
    shapes = crashing_documents(depth)
    for shape, (deep, _, _) in shapes.items():
        (tmp_path / f"{shape}.yaml").write_text(BEFORE + "---\n" + deep + AFTER)
    found = findings_by_file(run_program(tmp_path, *sorted(f"{s}.yaml" for s in shapes)))
    for shape, (deep, line, column) in shapes.items():
        mine = found.get(f"{shape}.yaml", [])
        problems = [f for f in mine if f["code"] == "SL001"]
        assert len(problems) == 1, (shape, problems)
        (problem,) = problems
        assert "nesting deeper than 256 levels" in problem["message"], shape
        assert "--max-depth" in problem["message"], shape
        assert (problem["line"], problem["column"]) == (line, column), shape
        assert_read_around(mine, deep)


def test_a_raised_depth_limit_reads_deep_documents_on_a_stack_that_holds_them(
    tmp_path: Path,
) -> None:
    """5,000 levels overflow a 1 MiB main stack in libyaml's composer (near 3,000 levels)."""
    if not Path("/bin/sh").exists():
        pytest.skip("needs a POSIX shell to set the stack size")
    deep = "x: " + "[" * 5_000 + "]" * 5_000 + "\ny:\n" + "- " * 5_000 + "z\n"
    (tmp_path / "deep.yaml").write_text(BEFORE + "---\n" + deep + AFTER)
    proc = run_program(tmp_path, "--max-depth", "6000", "deep.yaml", stack_kib=1024)
    found = findings_by_file(proc)["deep.yaml"]
    assert not [f for f in found if f["code"] == "SL001"], found
    assert_read_around(found, deep)


def test_a_depth_limit_raised_past_what_is_read_is_reported_with_the_ceiling(
    tmp_path: Path,
) -> None:
    deep = "- " * 50_000 + "x\n"
    (tmp_path / "deep.yaml").write_text(BEFORE + "---\n" + deep + AFTER)
    found = findings_by_file(run_program(tmp_path, "--max-depth", "100000", "deep.yaml"))
    (problem,) = [f for f in found["deep.yaml"] if f["code"] == "SL001"]
    assert "nesting deeper than 10000 levels" in problem["message"]
    assert "--max-depth" in problem["message"]
    assert (problem["line"], problem["column"]) == (DEEP_LINE, 2 * 10_000 + 1)
    assert_read_around(found["deep.yaml"], deep)
