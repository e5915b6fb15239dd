"""The fast first read gives exactly what the reference loader gives: data, spans, findings.

The reference loader composes every node with libyaml and records its span;
the fast path reads plain data with yaml-rs and composes only what a lookup
asks for. Everything observable must be identical: the JSON report of a whole
generated corpus byte for byte, and per file the data (types included),
documents, problems and the span of every pointer the reference records.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.corpus import generate
from sidecar_lint.cli import main
from sidecar_lint.document import Document, SourceFile
from sidecar_lint.loading import (
    LOADER_ENV,
    LoadedSource,
    fast_path_available,
    load_bytes,
    load_source,
)
from sidecar_lint.loading.lazy_positions import LazySpans

ROOT = Path(__file__).resolve().parent.parent
needs_fast = pytest.mark.skipif(
    not fast_path_available(), reason="the fast path needs yaml-rs (pip install '.[fast]')"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate(out, 1.5, seed=7, rules_dir=ROOT / "rules")
    return out


def _same(a: Any, b: Any, seen: set[tuple[int, int]] | None = None) -> bool:
    """Equal values of equal types, all the way down (1 is not True, 1.0 is not 1).

    Shared sub-trees (aliases) are compared once, so an alias bomb stays cheap.
    """
    seen = set() if seen is None else seen
    if type(a) is not type(b):
        return False
    if isinstance(a, (dict, list)):
        pair = (id(a), id(b))
        if pair in seen:
            return True
        seen.add(pair)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k], seen) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y, seen) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _pointers(doc: Document) -> list[tuple[Any, ...]]:
    return [p for p in doc.spans if p[: len(doc.base)] == doc.base]


def assert_equivalent(fast: LoadedSource, ref: LoadedSource) -> bool:
    """Compare two loads of one file; True when the fast path actually read it."""
    assert fast.problems == ref.problems
    assert len(fast.documents) == len(ref.documents)
    used_fast = False
    for f, r in zip(fast.documents, ref.documents, strict=True):
        assert f.index == r.index
        assert f.base == r.base
        assert _same(f.data, r.data)
        assert f.duplicate_keys == r.duplicate_keys
        assert f.ignored_tags == r.ignored_tags
        assert f.complex_keys == r.complex_keys
        assert f.start_range() == r.start_range()
        used_fast = used_fast or isinstance(f.spans, LazySpans)
        for pointer in _pointers(r):
            assert f.spans.get(pointer) == r.spans.get(pointer), pointer
            rel = pointer[len(r.base) :]
            for target in ("key", "value"):
                assert f.locate(rel, target) == r.locate(rel, target)  # type: ignore[arg-type]
        # Pointers the reference does not record fall back the same way.
        for rel in (("nope",), ("spec", "nope", 3), ("metadata", "name", "deeper")):
            assert f.locate(rel) == r.locate(rel)
    return used_fast


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@needs_fast
def test_every_corpus_file_loads_the_same(corpus: Path) -> None:
    fast_files = 0
    for path in _files(corpus):
        raw = path.read_bytes()
        fast = load_bytes(str(path), raw, fast=True)
        ref = load_bytes(str(path), raw)
        fast_files += assert_equivalent(fast, ref)
    assert fast_files > len(_files(corpus)) // 2  # the fast path is really exercised


@needs_fast
def test_repository_examples_and_test_data_load_the_same() -> None:
    paths = [*ROOT.glob("examples/*.yaml"), *ROOT.glob("tests/**/*.yaml")]
    paths += [*ROOT.glob("tests/**/*.json"), *ROOT.glob("tests/**/*.yml")]
    assert paths
    for path in sorted(paths):
        if "bomb" in path.name:  # the reference lints these; comparing is the same either way
            continue
        raw = path.read_bytes()
        assert_equivalent(load_bytes(str(path), raw, fast=True), load_bytes(str(path), raw))


def _report(args: list[str], tmp: Path, name: str) -> bytes:
    out = tmp / name
    main([*args, "--no-cache", "--jobs", "1", "--format", f"json:{out}", "-q"])
    return out.read_bytes()


def test_whole_corpus_report_identical_to_reference_loader(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _report([str(corpus)], tmp_path, "fast.json")
    monkeypatch.setenv(LOADER_ENV, "reference")
    reference = _report([str(corpus)], tmp_path, "reference.json")
    assert fast == reference
    assert json.loads(fast)["findings"]  # the corpus does have findings to place


def test_sarif_identical_to_reference_loader(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sarif(name: str) -> bytes:
        out = tmp_path / name
        main([str(corpus), "--no-cache", "--jobs", "1", "--format", f"sarif:{out}", "-q"])
        return out.read_bytes()

    fast = sarif("fast.sarif")
    monkeypatch.setenv(LOADER_ENV, "reference")
    assert sarif("ref.sarif") == fast


def test_reference_switch_turns_the_fast_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOADER_ENV, "reference")
    loaded = load_source(SourceFile("a.yaml", "a: 1\n"), fast=True)
    assert not isinstance(loaded.documents[0].spans, LazySpans)


# --------------------------------------------------------------------------- tricky text

TRICKY = [
    "a: yes\nb: 'yes'\nc: \"on\"\n",
    "mode: 0755\nquoted: '0755'\n",
    "x: 1e3\ny: 1.0e+3\nz: '1e3'\nw: +.5\n",
    "t: 2024-01-01\nq: '2024-01-01'\n",
    's: "2024-01-01T10:00:00Z"\n',
    "m: 1:30\nn: '1:30'\n",
    "v: =\nw: '='\n",
    "base: &b {a: 1}\nmerged:\n  <<: *b\n  c: 2\n",
    "a: &x [1, 2]\nb: *x\n",
    "tagged: !!str 5\nlocal: !thing x\n",
    "? [complex, key]\n: 1\n",
    "a: 1\na: 2\n",
    "a: |\n  line\n\n  more\nb: >-\n  folded\n  text\n",
    "---\n---\na: 1\n...\n",
    "# only a comment\n",
    "",
    "a: 'it''s'\nb: \"tab\\there\"\n",
    "a:\tb\n",
    "a: 1\r\nb: 2\r\n",
    "kind: List\napiVersion: v1\nitems:\n- kind: Pod\n  apiVersion: v1\n  metadata: {name: a}\n"
    "# between\n- kind: Pod\n  apiVersion: v1\n  metadata:\n    name: b\n",
    "apiVersion: v1\nkind: List\nitems:\n  - kind: Pod\n    apiVersion: v1\n",
    "a: [1, 2\n",
    "a: {{ .Values.x }}\n",
    "%YAML 1.1\n---\na: 1\n",
    "null: 1\n~: 2\n",
    "1: a\n2: b\n",
    "a: 0x1F\nb: 0o17\nc: 0b101\nd: 1_000\ne: -0\n",
    "a: .inf\nb: -.Inf\nc: .NaN\n",
    "a: true\nb: TRUE\nc: True\nd: tRue\n",
    "k" * 1100 + ": 1\n",
    "a: b\n---\nc: [d, e]\n---\n- 1\n- 2\n",
    '{"a": 1, "b": [true, null, "x"]}',
]


@needs_fast
@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_loads_the_same(text: str) -> None:
    fast = load_source(SourceFile("t.yaml", text), fast=True)
    ref = load_source(SourceFile("t.yaml", text))
    assert_equivalent(fast, ref)


# --------------------------------------------------------------------------- where the parsers differ
# Each list below is one way yaml-rs (YAML 1.2) and the reference (libyaml, then pure
# PyYAML where libyaml refuses, YAML 1.1) read the same text differently: different data,
# or data where the reference reports a problem. The fast read must notice every one and
# leave the file to the reference, so both loads compare equal.


def _assert_loads_the_same(text: str) -> LoadedSource:
    fast = load_source(SourceFile("t.yaml", text), fast=True)
    assert_equivalent(fast, load_source(SourceFile("t.yaml", text)))
    return fast


#: Plain scalars that are numbers, booleans, nulls or timestamps to one parser or both,
#: spelled the ways they disagree on: yaml-rs drops underscores anywhere in a number
#: ("_1" is 1), reads ".inF" or ".nAn" in any case and "0o17" as 15, where PyYAML reads
#: text; PyYAML reads "1:30" as 90, "yes" as true and "2024-01-01" as a date.
SCALAR_SPELLINGS = [
    *("_1", "+_2", "-_1", "_2E8", "0_1", "1__0", "0x_1", ".5_", "._1", "_.5", "1_", "1_e3"),
    *("+.inf", "-.Inf", ".INF", ".inF", "+.iNf", ".nAn", ".NaN", "-.nan", "+.nan", ".infinity"),
    *("0o17", "0O17", "0b1", "0B1", "0x1F", "0X1F", "+0x1F", "-0o7", "0xFF_FF", "0o8"),
    *("1:30", "-1:30", "190:20:30.15", "1e3", "1E+3", "1.0e+3", "1.", "0.", "-0", "00", "09"),
    *("yes", "No", "on", "OFF", "y", "n", "~", "Null", "NULL", "nUll", "True", "tRue"),
    *("2024-01-01", "2001-12-14t21:59:43.10-05:00", "2024-13-01", "9" * 25, "1e400"),
    *(".", "+", "_", "__", "+_", "._", "=", "<<"),
]
SCALAR_CONTEXTS = [
    "k: {s}\n",
    "- {s}\n",
    "k: [{s}, a]\n",
    "k: [a,{s}]\n",
    "k: {{a: {s}}}\n",
    "{s}: v\n",
    "k: {{{s}: v}}\n",
    "--- {s}\n",
    "k: x\n---\nk: {s} # c\n",
    "k: {s}",
]


@needs_fast
@pytest.mark.parametrize("spelling", SCALAR_SPELLINGS)
def test_scalar_spellings_load_the_same(spelling: str) -> None:
    for context in SCALAR_CONTEXTS:
        _assert_loads_the_same(context.format(s=spelling))


#: Anchors: yaml-rs takes names PyYAML refuses (and other text after a name).
ANCHORS = [
    "k: &a.b x\n",
    "k: &a/b x\n",
    "k: &\u00e9 x\n",
    "k: &:a x\n",
    "k: & x\n",
    "k: &a:b x\n",
    "k: &a x\n",
    "&a.b k: v\n",
    "- &a.b x\n",
    "k: [&a.b x]\n",
    "k: [a,&a.b x]\n",
    "k: {a: &a.b x}\n",
    "--- &a.b x\n",
    "? &a.b x\n: v\n",
    "k:\n  &a.b\n  x\n",
    "k: &a.b\n  x: 1\n",
]

#: Flow collections: plain scalars that start with an indicator PyYAML refuses there, and
#: ":" before one of ",?[]{}" (libyaml refuses it; pure PyYAML ends plain scalars at "?").
FLOW_INDICATORS = [
    "k: [:1, a]\n",
    "k: [a, :b]\n",
    "k: {a: [:x]}\n",
    "k: {:x: a}\n",
    "k: [a, |]\n",
    "k: [>x]\n",
    "k: {a: >}\n",
    "k: [|-]\n",
    "k: [?@3, a]\n",
    "k: [?x]\n",
    "k: {?x: a}\n",
    "k: {?x}\n",
    "k: [?]\n",
    "k: {?: a}\n",
    "k: {a: ?x}\n",
    "k: [%x]\n",
    "k: [@x]\n",
    "k: [`x]\n",
    "k: [\n  :x\n]\n",
    "k: [\n  # c\n  ?x\n]\n",
    "k: [a:?]\n",
    "k: [a?:]\n",
    "k: [a :?]\n",
    "k: [a? :]\n",
    "k: [a':?]\n",
    'k: [a":?, b]\n',
    "k: {a:?}\n",
    "k: [a\u00a0:?]\n",
    'k: {"a":?}\n',
    "k: [a:, http://h/p?q=1]\n",
    "k: [a:]\n",
    "k: {a:}\n",
    "k: [[::]]\n",
]

#: A key over several lines, or its ":" on a later line: PyYAML refuses both, yaml-rs takes
#: them in a flow mapping.
MULTILINE_KEYS = [
    "k: {a\n  b: c}\n",
    'k: {"a\n  b": c}\n',
    "k: {'a\n\n  b': c}\n",
    'k: {"a"\n  : b}\n',
    "k: {a\n  : b}\n",
    "k: {a # c\n  : b}\n",
    'k: {"\\\n  x": a}\n',
    "k: {'x\n  ': 1}\n",
    "k: {'a''\n  b': 1}\n",
    'k: {"a\\"\n  b": 1}\n',
    'k: {a: 1, "b,\n  c": 2}\n',
    "k: {a: 1, 'b: c\n  d': 2}\n",
    "k: [{a\n  b: c}]\n",
    "k: [a\n  : b]\n",
    "k: {a: 1, # c\n  b: 2}\n",
    "k: {\n  a: 1,\n  b: 2\n}\n",
    "k: [\n  a,\n  {b: 1},\n  c\n]\n",
]

#: A block scalar at the very end: yaml-rs reads one without content as "\n" (PyYAML "") and
#: gives the last one a final line break the text does not have.
BLOCK_SCALAR_ENDS = [
    "k: |\n",
    "k: >\n\n",
    "k: |+\n",
    "k: >-\n  \n",
    "- |\n  \n\n",
    "--- |\n",
    "a:\n  k: |1\n  \n",
    "k: | # c\n",
    "- ? |\n",
    "x: 1\nk: >2\n",
    "k: |\n  a\n  b",
    "k: >\n  a\n\n  b",
    "k: |+\n  a\n\n  ",
    "k: |\n  a\n  ",
    "k: |-\n  a",
    "k: |\n---\n",
    "k: |\n# c\n",
    "k: |\n  a\nx: y",
]

#: Escapes and characters: yaml-rs joins an escaped surrogate pair, PyYAML keeps two
#: surrogates; U+3000 or U+00A0 alone is content to YAML, whitespace to Python's regexes;
#: libyaml skips a byte order mark that starts a line (and then refuses the indentation),
#: so pure PyYAML reads the file, and it ends a flow plain scalar at "?".
CHARACTERS = [
    'k: "\\ud83d\\ude00"\n',
    'k: ["\\uD83D\\uDE00", x]\n',
    'k: "\\ud800"\n',
    'k: "\\U0001F600 \\u00e9 \\x41 \\/ \\N \\_"\n',
    "\u3000: v\n",
    "\u2003\n",
    "# c\n\u00a0\n",
    "a: b\n\u00a0\n",
    "k: [\ufeff:x]\n",
    "a: 1\n\ufeffb: 2\n",
    "k: [a?b]\n\ufeffc: 1\n",
]


@needs_fast
@pytest.mark.parametrize(
    "text", [*ANCHORS, *FLOW_INDICATORS, *MULTILINE_KEYS, *BLOCK_SCALAR_ENDS, *CHARACTERS]
)
def test_text_the_parsers_read_differently_loads_the_same(text: str) -> None:
    _assert_loads_the_same(text)


#: Manifest text near those cases that reads the same in both: the fast read keeps it.
COMMON_TEXT = [
    'command: ["/bin/sh", "-c", "sleep 5 && exec app --x=1 2>&1"]\n',
    "args:\n  - |\n    if ! test -f /x; then ls *.txt && echo done >&2; fi\n"
    '    [ -f "$f" ] && cat "$f" & wait\n',
    'env:\n  - {name: URL, value: "http://svc:8080/p?a=b&c=d"}\n'
    '  - {name: ADDR, value: ":8080"}\n  - name: PLAIN\n    value: http://svc/p?a=b&c=d\n',
    "resources: {limits: {cpu: 500m, memory: 1Gi}, requests: {}}\nports: [{containerPort: 80}]\n",
    'annotations:\n  example.com/json: \'{"a":{"b":[1,2]},"c":"d"}\'\n'
    '  cron: "*/5 * * * *"\n  note: a, b & c\n',
    "conf: |\n  server {\n    location / {\n      proxy_pass http://backend;\n    }\n  }\n",
    "a: |\n  text\nb: >-\n  folded\n  text\nc: last\n",
    "version: 1.2.3\nratio: 0.5\nport: 8080\nneg: -1\nname: _private\nv: v1_2\n",
]


@needs_fast
@pytest.mark.parametrize("text", COMMON_TEXT)
def test_common_manifest_text_keeps_the_fast_read(text: str) -> None:
    loaded = _assert_loads_the_same(text)
    assert all(isinstance(doc.spans, LazySpans) for doc in loaded.documents)


# --------------------------------------------------------------------------- generated text

_SCALARS = st.sampled_from(
    [
        "yes",
        "no",
        "on",
        "off",
        "Yes",
        "NO",
        "y",
        "n",
        "true",
        "False",
        "null",
        "~",
        "",
        "0",
        "7",
        "-3",
        "+4",
        "0755",
        "09",
        "0x1F",
        "0o17",
        "0b11",
        "1_000",
        "1e3",
        "1.5",
        ".5",
        "+.5",
        "-.5",
        "1.",
        "1.0e+3",
        ".inf",
        "-.inf",
        ".nan",
        "1:30",
        "190:20:30",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "=",
        "<<",
        "a b",
        "x: y",
        "#c",
        "- z",
        "[1]",
        "{a}",
        "'q'",
        '"d"',
        "é",
        "ünïcode",
        "a\\nb",
        "http://x:80/y",
        "*a",
        "&b",
        "!t",
        "%p",
        "@x",
        "`x",
        "|",
        ">",
        "foo bar  ",
        " lead",
        "0.0.1",
        "10%",
        "1Gi",
        "500m",
    ]
)


_PLAIN_SAFE = st.sampled_from(
    [
        "nginx",
        "web-1",
        "registry.example.com/app:1.2.3",
        "8080",
        "0",
        "-1",
        "3.5",
        "true",
        "false",
        "null",
        "500m",
        "1Gi",
        "/var/log",
        "a b c",
        "http://x/y",
        "IfNotPresent",
    ]
)
#: Mostly ordinary values (so the fast path really runs), sometimes a tricky one.
_VALUES = st.one_of(_PLAIN_SAFE, _PLAIN_SAFE, _PLAIN_SAFE, _SCALARS)


def _render_scalar(value: str, style: int) -> str:
    if style == 0:
        return value
    if style == 1:
        return json.dumps(value)
    return "'" + value.replace("'", "''") + "'"


@st.composite
def _yaml_text(draw: st.DrawFn) -> str:
    lines: list[str] = []
    style = st.integers(0, 2)
    for d in range(draw(st.integers(1, 3))):
        if d or draw(st.booleans()):
            lines.append("---")
        for i in range(draw(st.integers(1, 6))):
            key = draw(
                st.sampled_from(["a", "b", "name", "k-" + str(i), "x_y", "yes", "1", "on", "<<"])
            )
            kind = draw(st.integers(0, 4))
            if kind == 0:
                value = _render_scalar(draw(_VALUES), draw(style))
                lines.append(f"{key}: {value}")
            elif kind == 1:
                lines.append(f"{key}:")
                for _ in range(draw(st.integers(1, 3))):
                    value = _render_scalar(draw(_VALUES), draw(style))
                    lines.append(f"  - {value}")
            elif kind == 2:
                items = [
                    _render_scalar(draw(_VALUES), draw(st.integers(1, 2)))
                    for _ in range(draw(st.integers(0, 3)))
                ]
                lines.append(f"{key}: [{', '.join(items)}]")
            elif kind == 3:
                lines.append(f"{key}: |")
                lines.append("  " + draw(_VALUES))
            else:
                lines.append(f"{key}:")
                value = _render_scalar(draw(_VALUES), draw(style))
                lines.append(f"  inner: {value}")
            if draw(st.integers(0, 9)) == 0:
                lines.append("# comment")
    return "\n".join(lines) + "\n"


@needs_fast
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yaml_text())
def test_generated_text_loads_the_same(text: str) -> None:
    fast = load_source(SourceFile("g.yaml", text), fast=True)
    ref = load_source(SourceFile("g.yaml", text))
    assert_equivalent(fast, ref)


@needs_fast
def test_positions_unavailable_falls_back_to_the_reference(tmp_path: Path) -> None:
    """A file the fast path read but libyaml composes differently gets the reference's spans.

    The loading package answers from a reference read of the file by itself: the
    engine asks for spans once and lints once.
    """
    text = (ROOT / "examples" / "log-shipper.yaml").read_text(encoding="utf-8")
    loaded = load_source(SourceFile("x.yaml", text), fast=True)
    spans = loaded.documents[0].spans
    assert isinstance(spans, LazySpans)
    positions = spans.positions
    positions.text = "a: [unclosed\n" + text  # what libyaml now sees no longer composes
    positions.offsets = [0] * len(positions.offsets)
    from sidecar_lint.engine import Linter
    from sidecar_lint.rule_catalogue import builtin_rules

    linter = Linter(builtin_rules())
    got = linter.lint(loaded)
    reference = load_source(SourceFile("x.yaml", text))
    reference_linter = Linter(builtin_rules())
    expected = reference_linter.lint(reference)
    assert got == expected
    assert positions.reference is not None  # the reference read answered
    assert linter.summary == reference_linter.summary
    assert linter.summary.files == 1
    assert_equivalent(loaded, reference)


def test_cli_lints_hostile_files_like_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = [p for p in sorted((ROOT / "tests").rglob("*")) if p.suffix in (".yaml", ".json")]
    hostile = [p for p in hostile if "bomb" not in p.name][:200]
    if not hostile:
        pytest.skip("no test data")
    args = [str(p) for p in hostile]
    fast = _report(args, tmp_path, "fast.json")
    monkeypatch.setenv(LOADER_ENV, "reference")
    assert _report(args, tmp_path, "ref.json") == fast
    assert os.environ[LOADER_ENV] == "reference"
