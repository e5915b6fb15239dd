"""Positions are exact across multi-document YAML, List, JSON, CRLF, BOM and stdin."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from sidecar_lint.document import SourceFile, Span
from sidecar_lint.loading import load_bytes, load_source

MULTI = """\
# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: first
spec:
  sidecarContainers:
    - name: proxy
  containers:
    - name: app
      image: nginx:1.27
      resources:
        requests:
          cpu: 250m
---
apiVersion: v1
kind: Pod
metadata:
  name: second
"""


def _docs(text: str, path: str = "f.yaml"):  # type: ignore[no-untyped-def]
    loaded = load_source(SourceFile(path, text))
    assert not loaded.problems, loaded.problems
    return loaded.documents


def test_multi_document_positions_for_keys_values_and_entries() -> None:
    first, second = _docs(MULTI)
    assert first.locate(("spec", "sidecarContainers"), "key")[0] == Span(7, 3, 7, 20)
    assert first.locate(("spec", "containers", 0, "resources", "requests", "cpu"))[0] == Span(
        14, 16, 14, 20
    )
    entry = first.locate(("spec", "containers", 0))[0]
    assert (entry.start_line, entry.start_col, entry.end_line) == (10, 7, 14)
    assert second.locate(("metadata", "name"))[0] == Span(19, 9, 19, 15)
    assert (first.index, second.index) == (0, 1)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_crlf_and_bom_do_not_shift_positions(newline: str, bom: bytes) -> None:
    raw = bom + MULTI.replace("\n", newline).encode("utf-8")
    loaded = load_bytes("f.yaml", raw)
    first = loaded.documents[0]
    assert first.locate(("spec", "sidecarContainers"), "key")[0] == Span(7, 3, 7, 20)
    assert first.locate(("spec", "containers", 0, "resources", "requests", "cpu"))[0] == Span(
        14, 16, 14, 20
    )
    assert loaded.source.line(7) == "  sidecarContainers:"


def test_utf16_with_bom_is_decoded() -> None:
    raw = "\ufeffapiVersion: v1\nkind: Pod\nmetadata: {name: x}\n".encode("utf-16-le")
    raw = b"\xff\xfe" + raw[2:]
    loaded = load_bytes("f.yaml", raw)
    assert loaded.documents[0].ref.name == "x"
    assert loaded.documents[0].locate(("metadata", "name"))[0] == Span(3, 18, 3, 19)


def test_list_items_are_objects_with_their_own_positions() -> None:
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: a}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: b
    spec:
      containers: [{name: c, image: "nginx:1.27"}]
"""
    docs = _docs(text)
    assert [d.ref.name for d in docs] == ["a", "b"]
    assert docs[1].base == ("items", 1)
    assert docs[1].locate(("metadata", "name"))[0] == Span(10, 13, 10, 14)
    assert docs[1].locate(("spec", "containers", 0, "image"))[0] == Span(12, 37, 12, 49)


def test_other_list_kinds_expand_too() -> None:
    text = (
        "apiVersion: v1\nkind: PodList\nitems:\n"
        "- {apiVersion: v1, kind: Pod, metadata: {name: p}}\n"
    )
    assert [d.ref.kind for d in _docs(text)] == ["Pod"]


def test_json_positions_and_json_number_semantics() -> None:
    payload = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "j"},
        "spec": {
            "containers": [{"name": "c", "image": "nginx", "resources": {"limits": {"cpu": 1e3}}}]
        },
    }
    text = json.dumps(payload, indent="\t")
    (doc,) = _docs(text, "pod.json")
    assert doc.data["spec"]["containers"][0]["resources"]["limits"]["cpu"] == 1000.0
    span, pointer = doc.locate(("spec", "containers", 0, "image"))
    assert pointer == ("spec", "containers", 0, "image")
    line = text.splitlines()[span.start_line - 1]
    assert line[span.start_col - 1 : span.end_col - 1] == '"nginx"'


def test_invalid_json_reports_its_position() -> None:
    loaded = load_source(SourceFile("x.json", '{\n  "a": 1,\n  "b": }\n'))
    (problem,) = loaded.problems
    assert (problem.line + 1, problem.column + 1) == (3, 8)
    assert "invalid JSON" in problem.message


def test_broken_document_keeps_earlier_and_later_documents() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nx: [\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\n"
    )
    loaded = load_source(SourceFile("f.yaml", text))
    assert [d.ref.name for d in loaded.documents] == ["a", "c"]
    assert [d.index for d in loaded.documents] == [0, 2]
    assert [p.document_index for p in loaded.problems] == [1]


def test_no_tag_is_ever_constructed() -> None:
    marker = Path("never-created-by-sidecar-lint")
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n"
        f'  name: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    loaded = load_source(SourceFile("f.yaml", text))
    (doc,) = loaded.documents
    assert not marker.exists()
    assert [t.tag for t in doc.ignored_tags] == ["tag:yaml.org,2002:python/object/apply:os.system"]


def test_alias_bomb_is_walked_once() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    loaded = load_source(SourceFile("bomb.yaml", "\n".join(lines) + "\n"))
    (doc,) = loaded.documents
    assert len(doc.spans) < 200  # 9**9 expanded nodes never materialise


def test_duplicate_keys_are_recorded() -> None:
    (doc,) = _docs("apiVersion: v1\nkind: Pod\nkind: Pod\n")
    (dup,) = doc.duplicate_keys
    assert (dup.key, dup.first[0] + 1, dup.second[0] + 1) == ("kind", 2, 3)


def test_merge_keys_are_applied() -> None:
    (doc,) = _docs("base: &b {cpu: 1, memory: 2}\nres:\n  <<: *b\n  memory: 3\n")
    assert doc.data["res"] == {"cpu": 1, "memory": 3}


def test_non_kubernetes_documents_are_not_objects() -> None:
    docs = _docs("replicaCount: 1\nsidecarContainers: []\n---\non: push\njobs: {}\n")
    assert not any(d.is_kubernetes_object for d in docs)


def test_binary_and_non_utf8_input_are_problems_not_crashes() -> None:
    assert "not UTF-8" in load_bytes("b.yaml", b"a: \xff\xfe\x00 b\n").problems[0].message
    assert "NUL" in load_bytes("b.yaml", b"a: b\x00c\n").problems[0].message


def test_stdin_positions_with_stdin_filename(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sidecar_lint",
            "--format",
            "json",
            "--stdin-filename",
            "rendered.yaml",
            "-",
        ],
        input=MULTI.replace("\n", "\r\n").encode(),
        capture_output=True,
        cwd=tmp_path,
        env=_env(),
    )
    assert proc.returncode == 1, proc.stderr
    report = json.load(io.BytesIO(proc.stdout))
    (finding,) = [f for f in report["findings"] if f["code"] == "SL101"]
    assert (finding["file"], finding["line"], finding["column"], finding["endColumn"]) == (
        "rendered.yaml",
        7,
        3,
        20,
    )


def _env() -> dict[str, str]:
    import os

    root = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_control_characters_point_at_the_character() -> None:
    loaded = load_source(
        SourceFile("c.yaml", 'apiVersion: v1\nkind: Pod\nmetadata: {name: "a\x07b"}\n')
    )
    (problem,) = loaded.problems
    assert (problem.line + 1, problem.column + 1) == (3, 20)
    assert "#x0007" in problem.message


def test_limits_are_explicit_and_reported() -> None:
    from sidecar_lint.loading import Limits

    deep = (
        "apiVersion: v1\nkind: Pod\nx: "
        + "[" * 300
        + "]" * 300
        + "\n---\napiVersion: v1\nkind: Pod\n"
    )
    loaded = load_source(SourceFile("d.yaml", deep))
    assert len(loaded.documents) == 1  # the document after the deep one is still read
    assert "nesting deeper than 256 levels" in loaded.problems[0].message
    many = load_source(SourceFile("m.yaml", "---\na: 1\n" * 5), Limits(max_documents=3))
    assert len(many.documents) == 3 and "more than 3 documents" in many.problems[0].message
    big = load_bytes("big.yaml", b"a: 1\n" * 100, Limits(max_file_bytes=100))
    assert big.problems[0].message.startswith("file is 500 bytes, above the 100 bytes limit")


# --------------------------------------------------------------------------- hostile-input fixes


def test_a_deep_broken_document_is_reported_once_at_libyamls_position() -> None:
    """Pure PyYAML recurses too deep to describe the error: libyaml's reading stands."""
    from sidecar_lint.loading import Limits

    good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n"
    deep = "x: " + "[" * 2_000 + "]" * 2_000 + "\n"
    text = good + "---\n" + deep + "broken: [\n---\nafter: 1\n"
    loaded = load_source(SourceFile("deep.yaml", text), Limits(max_depth=5_000))
    (problem,) = loaded.problems
    # libyaml finds no node after the '[' of line 6 when it meets the '---' of line 7.
    assert (problem.line + 1, problem.column + 1, problem.document_index) == (7, 1, 1)
    if _libyaml_reads(2_000):
        assert problem.message == "did not find expected node content (while parsing a flow node)"
    else:  # libyaml refuses 2,000 levels: the pure parser reads the text, and describes the error
        assert problem.message == (
            "expected the node content, but found '<document start>' (while parsing a flow node)"
        )
    assert [d.index for d in loaded.documents] == [0, 2]


def _libyaml_reads(levels: int) -> bool:
    """Whether libyaml parses ``levels`` of flow nesting (some builds have a ceiling)."""
    try:
        list(yaml.parse("[" * levels + "]" * levels, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return False
    return True


def test_a_deep_valid_document_before_a_broken_one_is_kept() -> None:
    """The pure re-read recurses in document 0, which libyaml read: keep that reading."""
    from sidecar_lint.loading import Limits

    text = "a: " + "[" * 2_000 + "]" * 2_000 + "\n---\nb: [\n---\nc: 1\n"
    loaded = load_source(SourceFile("deep.yaml", text), Limits(max_depth=5_000))
    (problem,) = loaded.problems
    assert (problem.line + 1, problem.document_index) == (4, 1)
    assert [d.index for d in loaded.documents] == [0, 2]


def test_a_depth_problem_is_not_repeated_by_the_pure_re_read() -> None:
    text = "a: " + "[" * 300 + "]" * 300 + "\n---\nb: [\n"
    loaded = load_source(SourceFile("deep.yaml", text))
    depth, syntax = loaded.problems
    assert (depth.line, depth.column, depth.document_index) == (0, 258, 0)
    assert "nesting deeper than 256 levels" in depth.message
    assert (syntax.line + 1, syntax.column + 1, syntax.document_index) == (3, 5, 1)
    assert syntax.message.startswith("expected the node content, but found '<stream end>'")


def test_a_character_pure_pyyaml_refuses_does_not_hide_an_earlier_syntax_error() -> None:
    """libyaml meets the syntax error first; pure PyYAML refuses the whole text up front."""
    text = "a: [\n---\n" + "b: c\n" * 5_000 + "x: \x07\n"
    syntax, char = load_source(SourceFile("f.yaml", text)).problems
    assert (syntax.line, syntax.document_index) == (1, 0)
    assert (char.line + 1, char.column + 1, char.document_index) == (5_003, 4, 1)
    assert char.message == (
        "unacceptable character '\\x07' (#x0007): control characters are not allowed"
    )


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ('a: "\u00e9\u00e9\u00e9"\nbb: x\x07\n', 2, 6),
        ("a: \U0001f600\U0001f600 \x1b\n", 1, 7),
        ("\u4e2d\u6587: \u503c\nb: [\u00e9, \x7f]\n", 2, 8),
    ],
    ids=["accents-line-before", "astral-same-line", "cjk-then-delete"],
)
def test_control_characters_after_non_ascii_text_are_placed_in_characters(
    text: str, line: int, col: int
) -> None:
    for raw in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        (problem,) = load_bytes("c.yaml", raw).problems
        assert (problem.line + 1, problem.column + 1) == (line, col), problem
        assert problem.message.startswith("unacceptable character")


@pytest.mark.parametrize(
    ("codec", "bom", "tail", "bad"),
    [
        ("utf-16-le", b"\xff\xfe", b"x", "0x78"),
        ("utf-16-be", b"\xfe\xff", b"\xdc\x00", "0xdc"),
        ("utf-32-le", b"\xff\xfe\x00\x00", b"\x00\x00\x11\x00", "0x00"),
        ("utf-32-be", b"\x00\x00\xfe\xff", b"ab", "0x61"),
    ],
)
def test_an_undecodable_utf16_or_utf32_file_names_its_encoding_and_byte(
    codec: str, bom: bytes, tail: bytes, bad: str
) -> None:
    raw = bom + "a: \u00e9\nbb: ".encode(codec) + tail
    (problem,) = load_bytes("u.yaml", raw).problems
    assert (
        problem.message == f"not {codec.upper()} text: byte {bad} cannot be decoded (binary file?)"
    )
    assert (problem.line + 1, problem.column + 1) == (2, 5)


def test_an_undecodable_utf8_file_is_placed_in_characters() -> None:
    for bom in (b"", b"\xef\xbb\xbf"):
        raw = bom + "a: \u00e9\u00e9 ".encode("utf-8") + b"\xff"
        (problem,) = load_bytes("u.yaml", raw).problems
        assert problem.message == "not UTF-8 text: byte 0xff cannot be decoded (binary file?)"
        assert (problem.line + 1, problem.column + 1) == (1, 7)


DEEP_JSON = '{"apiVersion": "v1",\n "kind": "Pod", "spec": {"x": [[[[{"y": []}]]]]}}'


@pytest.mark.parametrize("fast", [False, True])
def test_json_deeper_than_the_limit_is_one_placed_problem(fast: bool) -> None:
    from sidecar_lint.loading import Limits

    loaded = load_source(SourceFile("d.json", DEEP_JSON), Limits(max_depth=5), fast)
    assert loaded.documents == []
    (problem,) = loaded.problems
    assert problem.message == (
        "nesting deeper than 5 levels: this document is not linted "
        "(raise the limit with --max-depth)"
    )
    assert (problem.line + 1, problem.column + 1) == (2, 34)  # the fourth '['
    yaml_read = load_source(SourceFile("d.yaml", DEEP_JSON), Limits(max_depth=5)).problems
    assert yaml_read == loaded.problems  # the same place and words as YAML's limit


def test_json_at_the_limit_is_read() -> None:
    from sidecar_lint.loading import Limits

    (doc,) = load_source(SourceFile("d.json", DEEP_JSON), Limits(max_depth=8)).documents
    assert doc.data["spec"]["x"] == [[[[{"y": []}]]]]
    assert doc.locate(("spec", "x", 0, 0, 0, 0, "y"))[0] == Span(2, 41, 2, 43)


@pytest.mark.parametrize("fast", [False, True])
def test_json_deeper_than_python_reads_names_the_limit(fast: bool) -> None:
    text = '{"a": "[[[\\"{{", "b": ' + "[" * 20_000 + "]" * 20_000 + "}"
    (problem,) = load_source(SourceFile("d.json", text), fast=fast).problems
    assert "nesting deeper than 256 levels" in problem.message and "--max-depth" in problem.message
    assert (problem.line, problem.column) == (0, 22 + 255)  # strings are skipped


def test_json_deeper_than_python_reads_within_a_raised_limit_is_reported() -> None:
    from sidecar_lint.loading import Limits

    text = "[" * 20_000 + "]" * 20_000
    loaded = load_source(SourceFile("d.json", text), Limits(max_depth=100_000))
    assert loaded.documents == []
    (problem,) = loaded.problems
    assert problem.message == "invalid JSON: nesting too deep to read"


@pytest.mark.parametrize("fast", [False, True])
def test_json_strings_with_characters_yaml_refuses_keep_exact_positions(fast: bool) -> None:
    text = (
        '{"apiVersion": "v1", "kind": "Pod",\n\t"metadata": {"name": "a\x7fb\ufffe"}, '
        '"spec": {"sidecarContainers": []}}'
    )
    loaded = load_source(SourceFile("p.json", text), fast=fast)
    assert loaded.problems == []
    (doc,) = loaded.documents
    assert doc.data["metadata"]["name"] == "a\x7fb\ufffe"
    assert doc.locate(("spec", "sidecarContainers"), "key")[0] == Span(2, 41, 2, 60)


@pytest.mark.parametrize("fast", [False, True])
def test_json_with_a_huge_integer_keeps_its_text_and_records_it(fast: bool) -> None:
    digits = "1" + "0" * 5_000
    text = '{"apiVersion": "v1", "kind": "Pod",\n "spec": {"x": ' + digits + ', "y": 1e3}}'
    loaded = load_source(SourceFile("h.json", text), fast=fast)
    assert loaded.problems == []
    (doc,) = loaded.documents
    assert doc.data["spec"] == {"x": digits, "y": 1000.0}  # JSON semantics for the rest
    (tag,) = doc.ignored_tags
    assert tag.pointer == ("spec", "x") and tag.where[:2] == (1, 15)
    assert tag.reason is not None and "4300 digits" in tag.reason


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".YAML"])
def test_a_yaml_file_that_starts_like_json_is_yaml(suffix: str) -> None:
    text = '{apiVersion: v1, kind: Pod, metadata: {name: p}}\n---\n{"kind": "Pod", "n": 1e3}\n'
    first, second = _docs(text, "flow" + suffix)
    assert first.ref.name == "p"
    assert second.data == {"kind": "Pod", "n": "1e3"}  # YAML 1.1 reads 1e3 as text
    assert first.locate(("metadata", "name"))[0] == Span(1, 46, 1, 47)


def test_a_json_file_is_json_whatever_it_starts_with() -> None:
    (problem,) = load_source(SourceFile("flow.json", "{apiVersion: v1}\n")).problems
    assert problem.message == "invalid JSON: Expecting property name enclosed in double quotes"


def test_unnamed_input_is_json_when_it_starts_like_json_but_not_like_a_template() -> None:
    (doc,) = _docs('{"kind": "Pod", "n": 1e3}', "-")
    assert doc.data == {"kind": "Pod", "n": 1000.0}
    template = "{{- if .Values.on }}\napiVersion: v1\nkind: Pod\n{{- end }}\n"
    (problem,) = load_source(SourceFile("-", template)).problems
    assert not problem.message.startswith("invalid JSON")
    assert problem.hint is not None and "helm template" in problem.hint


def test_a_helm_template_that_starts_with_an_action_gets_the_hint() -> None:
    raw = (Path(__file__).parent / "hostile" / "helm-control-first.yaml").read_bytes()
    (problem,) = load_bytes("templates/pod.yaml", raw).problems
    assert (problem.line + 1, problem.column + 1) == (1, 3)
    assert problem.message == "expected the node content, but found '-' (while parsing a flow node)"
    assert problem.hint is not None and "helm template CHART" in problem.hint


# --------------------------------------------------------------------------- nesting libyaml's composer cannot hold


def _chain(styles: str, leaf: str = "x") -> str:
    """YAML text that nests one collection per letter of ``styles``, outermost first.

    ``m`` a block mapping (its value on the next line), ``s`` a block sequence
    (its entry on the next line), ``c`` a sequence entry on the same line
    (``- - x``), ``k`` an explicit key on the same line (``? ? x``), ``i`` a
    mapping and the sequence under its key at the same column (two levels),
    ``f``/``F`` a flow sequence/mapping (everything inside is flow too).
    """
    lines: list[str] = []
    column, inline, closers = 0, False, ""

    def put(text: str) -> int:
        """Write ``text`` where the next node goes; the column it starts at."""
        if inline:
            lines[-1] += text
            return len(lines[-1]) - len(text)
        lines.append(" " * column + text)
        return column

    for style in styles:
        if style in "fF":
            put("[" if style == "f" else "{a: ")
            closers = ("]" if style == "f" else "}") + closers
            inline = True
        elif style in "ms":
            column, inline = put("k:" if style == "m" else "-") + 1, False
        elif style in "ck":
            put("- " if style == "c" else "? ")
            inline = True
        else:  # "i"
            lines.append(" " * put("k:") + "- ")
            inline = True
    put(leaf + closers)
    return "\n".join(lines) + "\n"


def _levels(text: str) -> int:
    """The nesting of ``text`` from PyYAML's events (which must parse).

    The pure parser's events are libyaml's, and it has no nesting ceiling of its
    own (PyYAML 6.0.4's libyaml refuses text past 1,000 levels).
    """
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest


@pytest.mark.parametrize("style", ["m", "s", "c", "k", "i", "f", "F", "mi", "ck", "sc", "mf"])
def test_the_cheap_depth_bound_never_vouches_for_deeper_text(style: str) -> None:
    from sidecar_lint.loading.nesting import DIRECT_DEPTH, shallow

    levels = DIRECT_DEPTH + 1
    per = sum(2 if s == "i" else 1 for s in style)
    text = _chain(style * (levels // per + 1))
    assert _levels(text) > DIRECT_DEPTH
    assert not shallow(text)
    for newline in ("\r\n", "\r", "\u2028"):
        assert not shallow(text.replace("\n", newline))


def test_the_cheap_depth_bound_holds_for_mixed_nesting() -> None:
    import random

    from sidecar_lint.loading.nesting import DIRECT_DEPTH, shallow

    pick = random.Random(20_240_601)
    vouched = 0
    for _ in range(60):
        blocks = "".join(pick.choice("msckii") for _ in range(pick.randrange(0, 700)))
        flows = "".join(pick.choice("fF") for _ in range(pick.randrange(0, 400)))
        text = _chain(blocks + flows)
        if shallow(text):
            vouched += 1
            assert _levels(text) <= DIRECT_DEPTH, blocks + flows
    assert vouched >= 10  # the bound is not vacuous


def test_ordinary_manifests_are_never_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    from sidecar_lint.loading import nesting

    def refuse(*args: object) -> None:
        raise AssertionError("an ordinary file was scanned")

    monkeypatch.setattr(nesting, "scan", refuse)
    examples = Path(__file__).resolve().parent.parent / "examples"
    for path in [*sorted(examples.glob("*.yaml")), None]:
        raw = path.read_bytes() if path else MULTI.encode()
        assert load_bytes("f.yaml", raw).documents


def _outcome(loaded: object) -> object:
    from sidecar_lint.loading import LoadedSource

    assert isinstance(loaded, LoadedSource)
    docs = [
        (
            d.index,
            d.base,
            d.data,
            dict(d.spans),
            d.start,
            d.duplicate_keys,
            d.ignored_tags,
            d.complex_keys,
        )
        for d in loaded.documents
    ]
    return docs, loaded.problems


DEEP_300 = "x: " + "[" * 300 + "]" * 300 + "\n"
SCAN_CASES = {
    "multi": (MULTI, None),
    "multi-crlf": (MULTI.replace("\n", "\r\n"), None),
    "deep-then-broken": (DEEP_300 + "---\nb: [\n", None),
    "broken-deep-good": ("b: [\n---\n" + DEEP_300 + "---\nc: 1\n", None),
    "deep-with-an-error-after": (DEEP_300[:-5] + "\nbroken: [\n---\nafter: 1\n", None),
    "two-branches": (DEEP_300 + "y: " + "{k: " * 300 + "v" + "}" * 300 + "\n", None),
    "cr-only": ("a: 1\r---\r" + DEEP_300.replace("\n", "\r") + "---\rb: [2]\r", None),
    "unicode": ("\u00e9: \u00fc\n---\n\u00e4: 1\n" + DEEP_300 + "---\n\u00f6: [\u00df]\n", None),
    "directives-and-ends": (
        "a: 1\n...\n%YAML 1.1\n---\n" + DEEP_300 + "...\n%YAML 1.1\n---\nz: 1\n",
        None,
    ),
    "documents-limit": ("---\na: 1\n" * 5, 3),
    "deep-past-the-documents-limit": (("---\na: 1\n" * 3) + "---\n" + DEEP_300, 3),
    "anchors-merges-tags": (
        "base: &b {x: 1}\nm:\n  <<: *b\n  y: !!python/name:os.system 2\nd: 1\nd: 2\n"
        "? [complex]\n: k\n---\n" + DEEP_300,
        None,
    ),
    "control-character": ("a: 1\n---\n" + DEEP_300 + "---\nb: \x07\n---\nc: 1\n", None),
    "template": ("a: {{ .Values.x }}\n---\n" + DEEP_300 + "---\nb: 1\n", None),
    "list": (
        "apiVersion: v1\nkind: List\nitems:\n- {kind: Pod, metadata: {name: a}}\n---\n" + DEEP_300,
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(SCAN_CASES))
@pytest.mark.parametrize("max_depth", [5, 256, 20_000])
def test_the_scan_reads_exactly_what_the_composer_reads(
    monkeypatch: pytest.MonkeyPatch, name: str, max_depth: int
) -> None:
    """Text the cheap bound cannot vouch for is scanned first: nothing else may change."""
    from sidecar_lint.loading import Limits, nesting

    text, max_documents = SCAN_CASES[name]
    limits = Limits(max_depth=max_depth, max_documents=max_documents or 100_000)
    assert nesting.shallow(text)
    composed = load_source(SourceFile("f.yaml", text), limits)
    monkeypatch.setattr(nesting, "shallow", lambda text: False)
    scanned = load_source(SourceFile("f.yaml", text), limits)
    assert _outcome(scanned) == _outcome(composed)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_documents_after_a_deep_one_keep_their_places(newline: str) -> None:
    deep = "x: " + "[" * 30_000 + "]" * 30_000 + "\n"
    shallow = "x: []\n"
    good = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \u00e9\n"

    def text(middle: str) -> str:
        return (good + "---\n" + middle + "---\n" + good).replace("\n", newline)

    deep_read = load_source(SourceFile("f.yaml", text(deep)))
    (problem,) = deep_read.problems
    assert (problem.line, problem.column, problem.document_index) == (5, 3 + 255, 1)
    assert "nesting deeper than 256 levels" in problem.message
    assert "--max-depth" in problem.message
    reference = load_source(SourceFile("f.yaml", text(shallow)))
    first, last = reference.documents[0], reference.documents[2]
    assert (
        _outcome(deep_read)[0] == _outcome(type(reference)(reference.source, [first, last], []))[0]
    )


def test_every_deep_document_is_reported_once_and_reading_goes_on() -> None:
    deep = "x: " + "{a: " * 2_000 + "b" + "}" * 2_000 + "\n"
    text = "a: 0\n---\n" + deep + "---\nb: [\n---\n" + deep + "---\n" + deep + "---\nc: 5\n"
    loaded = load_source(SourceFile("f.yaml", text))
    assert [(d.index, d.data) for d in loaded.documents] == [(0, {"a": 0}), (5, {"c": 5})]
    where = [(p.line, p.document_index, p.message[:30]) for p in loaded.problems]
    assert where == [
        (2, 1, "nesting deeper than 256 levels"),
        (5, 2, "expected the node content, but"),
        (6, 3, "nesting deeper than 256 levels"),
        (8, 4, "nesting deeper than 256 levels"),
    ]


def test_a_file_of_many_deep_documents_is_read_once() -> None:
    """Each deep document is skipped where it is, never by copying the rest of the file."""
    from sidecar_lint.loading import nesting

    text = ("---\n" + "x: " + "[" * 300 + "]" * 300 + "\n") * 300 + "---\nlast: 1\n"
    read: list[int] = []
    original = nesting.Chunks.read

    def counting(self: object, size: int) -> str:
        chunk = original(self, size)  # type: ignore[arg-type]
        read.append(len(chunk))
        return chunk

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nesting.Chunks, "read", counting)
        loaded = load_source(SourceFile("f.yaml", text))
    assert len(loaded.problems) == 300 and loaded.documents[0].data == {"last": 1}
    assert sum(read) < 4 * len(text)


def test_the_first_branch_past_the_limit_is_named_however_the_text_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sidecar_lint.loading import Limits, nesting

    text = "a: {b: [[[[1]]]]}\nc: [[[[[[[2]]]]]]]\n"
    limits = Limits(max_depth=4)
    composed = load_source(SourceFile("f.yaml", text), limits).problems
    monkeypatch.setattr(nesting, "shallow", lambda text: False)
    scanned = load_source(SourceFile("f.yaml", text), limits).problems
    assert (
        [(p.line, p.column) for p in composed] == [(0, 9)] == [(p.line, p.column) for p in scanned]
    )


def test_a_raised_limit_is_read_on_a_thread_or_reported_when_none_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from sidecar_lint.loading import Limits, nesting, yaml_stream

    text = "a: 1\n---\nx: " + "[" * 3_000 + "]" * 3_000 + "\n---\nb: 2\n"
    limits = Limits(max_depth=5_000)
    names: list[str] = []
    original = yaml_stream.read_stretch

    def noting(*args: object) -> object:
        names.append(threading.current_thread().name)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(yaml_stream, "read_stretch", noting)
    read = load_source(SourceFile("f.yaml", text), limits)
    assert read.problems == [] and len(read.documents) == 3
    assert names == ["sidecar-lint-deep-yaml"]

    class NoThread(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(nesting.threading, "Thread", NoThread)
    refused = load_source(SourceFile("f.yaml", text), limits)
    assert [d.data for d in refused.documents] == [{"a": 1}, {"b": 2}]
    (problem,) = refused.problems
    assert (problem.line, problem.column, problem.document_index) == (2, 3 + 999, 1)
    assert problem.message.startswith("nesting deeper than 1000 levels: this document is not")
    assert "no thread with a stack for more could be started" in problem.message


def test_a_limit_above_what_is_read_is_reported_at_the_ceiling() -> None:
    from sidecar_lint.loading import Limits

    text = "- " * 12_000 + "x\n---\nb: 2\n"
    loaded = load_source(SourceFile("f.yaml", text), Limits(max_depth=1_000_000))
    (problem,) = loaded.problems
    assert (problem.line, problem.column) == (0, 20_000)
    assert problem.message == (
        "nesting deeper than 10000 levels: this document is not linted "
        "(the most this linter reads, whatever --max-depth says)"
    )
    assert [d.data for d in loaded.documents] == [{"b": 2}]


def test_the_pure_parser_meets_a_million_levels_with_a_recursion_error() -> None:
    """The pure-Python re-read (for error messages) recurses in Python: it fails, never crashes."""
    from sidecar_lint.loading import DEFAULT_LIMITS
    from sidecar_lint.loading.yaml_stream import read_with

    for text in ("x: " + "[" * 1_000_000 + "]" * 1_000_000, "- " * 1_000_000 + "x"):
        documents: list[object] = []
        failure = read_with(
            yaml.SafeLoader,
            SourceFile("f.yaml", text),
            text,
            0,
            0,
            documents,  # type: ignore[arg-type]
            [],
            DEFAULT_LIMITS,
        )
        assert failure is not None and failure.message == "nesting is too deep to read"
        assert documents == []


def test_lazy_positions_never_compose_deep_text() -> None:
    from sidecar_lint.loading.lazy_positions import PositionsUnavailable, compose_one

    with pytest.raises(PositionsUnavailable, match="nesting deeper than 1000 levels"):
        compose_one("x: " + "[" * 30_000 + "]" * 30_000 + "\n")
    node = compose_one("x: [" + "[], " * 2_000 + "{}]\n")  # many brackets, two levels
    assert len(node.value[0][1].value) == 2_001


def test_libyamls_parser_keeps_a_million_levels_off_the_stack() -> None:
    """The scan relies on libyaml's parser not recursing (its composer does): check it.

    A libyaml with a nesting ceiling of its own (PyYAML 6.0.4's stops at 1,000 levels) hands
    the rest to the pure parser, whose Python loop takes seconds for a million levels; a
    tenth of them shows just as well that it keeps them off the stack.
    """
    from sidecar_lint.loading.parsers import ceiling_problem

    levels = 100_000 if ceiling_problem() else 1_000_000
    code = (
        "from sidecar_lint.loading.nesting import scan\n"
        f"print(scan('- ' * {levels} + 'x', 0, 2_000_000, 1)[0])\n"
    )
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, str(levels)), proc.stderr[-2000:]


@pytest.mark.parametrize(
    "deep",
    ["- " * 1_000_000 + "x\n", "x: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n"],
    ids=["block", "flow"],
)
def test_a_million_levels_under_the_default_limit_are_read_only_to_the_limit(deep: str) -> None:
    """Past the limit nothing more of the document is scanned, whichever parser scans it
    (libyaml, or the pure one past libyaml's own ceiling): reading resumes at the next ``---``.
    """
    from sidecar_lint.loading import nesting

    text = "a: 1\n---\n" + deep + "---\nb: 2\n"
    read: list[int] = []
    original = nesting.Chunks.read

    def counting(self: object, size: int) -> str:
        chunk = original(self, size)  # type: ignore[arg-type]
        read.append(len(chunk))
        return chunk

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nesting.Chunks, "read", counting)
        loaded = load_source(SourceFile("f.yaml", text))
    (problem,) = loaded.problems
    column = 2 * 256 if deep.startswith("-") else 2 + 256  # the 257th level opens there
    assert (problem.line, problem.column, problem.document_index) == (2, column, 1)
    assert [(d.index, d.data) for d in loaded.documents] == [(0, {"a": 1}), (2, {"b": 2})]
    assert sum(read) < 64 * 1024 < len(deep)


@pytest.mark.parametrize("breaks", [["\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"], ["\r"] * 3])
def test_line_breaks_are_counted_as_libyaml_counts_them(breaks: list[str]) -> None:
    from sidecar_lint.loading.nesting import line_breaks

    text = "- 0" + "".join(f"{b}- {i + 1}" for i, b in enumerate(breaks))
    scalars = [
        e for e in yaml.parse(text, Loader=yaml.CSafeLoader) if isinstance(e, yaml.ScalarEvent)
    ]
    assert len(scalars) == len(breaks) + 1
    for event in scalars:
        assert line_breaks(text, 0, text.index(f"- {event.value}")) == event.start_mark.line


_GOOD_DOCS = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec: {{}}\n",
    "a: |\n  text {i}\n  more\n",
    "- {i}\n- [x, y]\n",
    'k: "multi\n  line {i}"\n',
    "# only a comment\n",
    "",
    "x: {i}\n...\n",
)
_BROKEN_DOCS = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x{i}\n",
    "a: 'unterminated {i}\n",
    "a:\n  b: 1\n c: 2\n",
    "k: {{a: 1\n",
    "a: b: c {i}\n",
    "- a\nb: {i}\n",
    "k: *undefined{i}\n",
    "%YAML 1.1\n",
    "k: v\n\t- tab{i}\n",
)
_SEPARATORS = ("---\n", "--- \n", "--- # comment\n", "---\r\n", "--- x\n")


def _mixed_file(seed: int) -> str:
    import random

    rng = random.Random(seed)
    parts = []
    for i in range(rng.randint(2, 40)):
        parts.append(rng.choice(_SEPARATORS) if i else rng.choice(("", "---\n")))
        docs = _BROKEN_DOCS if rng.random() < 0.4 else _GOOD_DOCS
        parts.append(rng.choice(docs).format(i=i))
    return "".join(parts)


def _everything(text: str) -> tuple[list[object], list[object]]:
    loaded = load_bytes("mixed.yaml", text.encode())
    return (
        [(d.index, d.data, d.start_range()) for d in loaded.documents],
        [(p.message, p.line, p.column, p.document_index) for p in loaded.problems],
    )


@pytest.mark.parametrize("window", [1, 7, 40])
def test_reading_on_in_windows_after_an_error_reads_as_one_read(window: int) -> None:
    """Every document, problem, index and position is the same whatever the window size."""
    from sidecar_lint.loading import yaml_stream

    for seed in range(60):
        text = _mixed_file(seed)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(yaml_stream, "WINDOW", 10**12)
            whole = _everything(text)
            patch.setattr(yaml_stream, "WINDOW", window)
            assert _everything(text) == whole, text


def test_many_broken_documents_cost_the_file_size_not_its_square() -> None:
    """After an error, reading goes on in windows: text handed to the parsers stays linear."""
    from sidecar_lint.loading import yaml_stream

    broken = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\nspec: {}\n---\n"
    read: list[int] = []
    original = yaml_stream.read_with

    def counting(loader_class: object, source: object, text: str, *rest: object) -> object:
        read.append(len(text))
        return original(loader_class, source, text, *rest)  # type: ignore[arg-type]

    for count in (500, 2_000):
        text = broken * count + "apiVersion: v1\nkind: Pod\nmetadata: {name: last}\n"
        read.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(yaml_stream, "read_with", counting)
            loaded = load_source(SourceFile("broken.yaml", text))
        assert len(loaded.problems) == count
        assert [d.data["metadata"]["name"] for d in loaded.documents] == ["last"]
        assert loaded.documents[0].index == count
        assert sum(read) < 250 * len(text)  # one read of the rest per error would be ~count/2


@pytest.mark.parametrize("escape", ["\\U00110000", "\\UFFFFFFFF"])
@pytest.mark.parametrize("fast", [False, True])
def test_an_escape_past_the_last_code_point_is_a_placed_problem(escape: str, fast: bool) -> None:
    """Pure PyYAML raises a bare ValueError/OverflowError for it; it must not escape."""
    text = f'a: 1\n---\nk: "x{escape}"\n---\nb: 2\n'
    loaded = load_bytes("escape.yaml", text.encode(), fast=fast)
    (problem,) = loaded.problems
    assert (problem.line, problem.column, problem.document_index) == (2, 7, 1)  # its digits
    assert "escape" in problem.message
    assert [d.data for d in loaded.documents] == [{"a": 1}, {"b": 2}]


def test_the_pure_reader_alone_places_a_bad_long_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, the position comes from the escape itself."""
    from sidecar_lint.loading import parsers

    monkeypatch.setattr(parsers, "Loader", yaml.SafeLoader)
    loaded = load_source(SourceFile("escape.yaml", 'a: 1\n---\nk: "x\\U00110000"\n'))
    (problem,) = loaded.problems
    assert (problem.line, problem.column) == (2, 5)
    assert "\\U00110000 is past U+10FFFF" in problem.message


def test_positions_are_recorded_64_levels_down_and_deeper_nodes_use_that_ancestor() -> None:
    """A span table of every path of deep text would cost memory in the square of its depth."""
    from sidecar_lint.loading.documents import SPAN_DEPTH

    text = "x: " + "[" * 200 + "]" * 200 + "\n"
    (doc,) = load_source(SourceFile("deep.yaml", text)).documents
    assert max(len(pointer) for pointer in doc.spans) == SPAN_DEPTH == 64
    assert len(doc.spans) == SPAN_DEPTH + 1
    deep = ("x",) + (0,) * 150
    span, found = doc.locate(deep)
    assert found == deep[:SPAN_DEPTH]
    assert (span.start_line, span.start_col) == (1, 4 + SPAN_DEPTH - 1)


# --------------------------------------------------------------------------- libyaml's own ceiling
# PyYAML 6.0.4's libyaml refuses nesting past 1,000 levels with an error of its own; 6.0.3's
# reads any depth. Every test here holds for both: the linter's own guard and messages rule.


def _pure_stop(text: str, max_depth: int) -> tuple[int, int]:
    """(line, column) of the first collection ``max_depth`` levels down, from PyYAML's events."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            if depth >= max_depth:
                return event.start_mark.line, event.start_mark.column
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    raise AssertionError("not that deep")


CEILING_SHAPES = {
    "flow-sequence": lambda n: "x: " + "[" * n + "]" * n + "\n",
    "flow-mapping": lambda n: "x: " + "{a: " * n + "b" + "}" * n + "\n",
    "block-sequence": lambda n: "- " * n + "x\n",
    "block-mapping": lambda n: "".join(" " * i + "k:\n" for i in range(n)) + " " * n + "v\n",
    "block-then-flow": lambda n: "- " * (n // 2) + "[" * (n - n // 2) + "]" * (n - n // 2) + "\n",
}


@pytest.mark.parametrize("shape", sorted(CEILING_SHAPES))
@pytest.mark.parametrize(("levels", "max_depth"), [(1_200, 256), (1_500, 1_100)])
def test_nesting_past_libyamls_ceiling_is_reported_by_the_guard_where_it_passes_the_limit(
    shape: str, levels: int, max_depth: int
) -> None:
    from sidecar_lint.loading import Limits

    deep = CEILING_SHAPES[shape](levels)
    text = "a: 1\n---\n" + deep + "---\nb: 2\n"
    loaded = load_source(SourceFile("f.yaml", text), Limits(max_depth=max_depth))
    (problem,) = loaded.problems
    line, column = _pure_stop(deep, max_depth)
    assert (problem.line, problem.column, problem.document_index) == (line + 2, column, 1)
    assert problem.message == (
        f"nesting deeper than {max_depth} levels: this document is not linted "
        "(raise the limit with --max-depth)"
    )
    assert [(d.index, d.data) for d in loaded.documents] == [(0, {"a": 1}), (2, {"b": 2})]


def _flat(data: object) -> list[object]:
    """Nested data as a flat list of tokens (preorder), without recursion (and so without ==)."""
    out: list[object] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.append(("{", len(item)))
            for key, value in reversed(list(item.items())):
                stack.append(value)
                stack.append(("key", key))
        elif isinstance(item, list):
            out.append(("[", len(item)))
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def _expected_flat(shape: str, levels: int) -> list[object]:
    """What :func:`_flat` gives for the data of ``CEILING_SHAPES[shape](levels)``."""
    if shape == "flow-sequence":
        return [("{", 1), ("key", "x"), *[("[", 1)] * (levels - 1), ("[", 0)]
    if shape == "flow-mapping":
        return [("{", 1), ("key", "x"), *[("{", 1), ("key", "a")] * levels, "b"]
    if shape == "block-sequence":
        return [*[("[", 1)] * levels, "x"]
    if shape == "block-mapping":
        return [*[("{", 1), ("key", "k")] * levels, "v"]
    return [*[("[", 1)] * (levels - 1), ("[", 0)]  # block-then-flow


# A 3,000-deep block mapping is 4.5 MB of indentation: the other shapes cover block nesting.
@pytest.mark.parametrize("shape", sorted(set(CEILING_SHAPES) - {"block-mapping"}))
def test_a_raised_limit_reads_3000_levels_whatever_libyamls_ceiling(shape: str) -> None:
    from sidecar_lint.loading import Limits

    deep = CEILING_SHAPES[shape](3_000)
    text = "a: 1\n---\n" + deep + "---\nb: 2\n"
    loaded = load_source(SourceFile("f.yaml", text), Limits(max_depth=5_000))
    assert loaded.problems == []
    assert [d.index for d in loaded.documents] == [0, 1, 2]
    assert _flat(loaded.documents[1].data) == _expected_flat(shape, 3_000)
    # Positions are libyaml's (and pure PyYAML's): the root's.
    root = next(yaml.compose_all(deep, Loader=_PureComposer))
    assert loaded.documents[1].spans[()].value == (
        root.start_mark.line + 2,
        root.start_mark.column,
        root.end_mark.line + 2,
        root.end_mark.column,
    )


class _PureComposer(yaml.SafeLoader):
    """PyYAML's pure loader, composing only the root: its marks need no recursion."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        events: Any = self  # PyYAML's parser methods are untyped
        event = events.get_event()
        depth = 1
        while depth:
            got = events.get_event()
            if isinstance(got, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(got, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.Node("", None, event.start_mark, got.end_mark)


def test_a_raised_limit_reads_the_same_as_libyaml_below_its_ceiling() -> None:
    """900 levels: libyaml reads them on every release; the pure parser must agree exactly."""
    from sidecar_lint.loading import Limits, parsers

    text = "a: &x {k: [1]}\nb: *x\n---\n" + "".join(
        CEILING_SHAPES[shape](900) + "---\n" for shape in sorted(CEILING_SHAPES)
    )
    text += "d: 1\nd: 2\n? [complex]\n: k\nt: !!python/name:os.system 1\nm: {<<: {z: 1}}\n"
    limits = Limits(max_depth=1_000)

    def outcome(loaded: object) -> object:
        docs, problems = cast(Any, _outcome(loaded))
        return [(d[0], d[1], _flat(d[2]), *d[3:]) for d in docs], problems

    reference = load_source(SourceFile("f.yaml", text), limits)
    assert reference.problems == [] and len(reference.documents) == 7
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parsers, "Loader", parsers.DeepLoader)
        pure = load_source(SourceFile("f.yaml", text), limits)
    assert outcome(pure) == outcome(reference)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [1, {c: d}]\n---\n- x\n- &a {k: v}\n- *a\n- *a\n",
        "x: " + "[" * 1_500 + "]" * 1_500 + "\n",
        "{" + ", ".join(f"k{i}: v" for i in range(400)) + "}\n",  # keys past 1,024 characters
        "[" + "a, " * 600 + "b: c]\n",
        "a: 1\nb\nc: 2\n",  # a required simple key without its ':'
        "a: *nowhere\n",
        "a: &x 1\nb: &x 2\n",
        "k: [a, b\nc: d\n",
        "? - a\n  - b\n: c\n",
        "- !!str 1\n- !custom {a: b}\n- |\n  text\n...\n",
    ],
)
def test_the_deep_loader_composes_as_pure_pyyaml(text: str) -> None:
    """The same nodes and marks, or the same error, as PyYAML's own pure loader."""
    from sidecar_lint.loading.parsers import DeepLoader

    def compose(loader: type[yaml.SafeLoader]) -> object:
        try:
            return _tree(list(yaml.compose_all(text, Loader=loader)))
        except yaml.MarkedYAMLError as err:
            return type(err), str(err)
        except RecursionError:
            return "recursion"

    deep = compose(DeepLoader)
    pure = compose(yaml.SafeLoader)
    if pure == "recursion":  # PyYAML's composer recurses: compare with its events instead
        pure = _tree(list(yaml.compose_all(text, Loader=_EventComposer)))
    assert deep == pure


class _EventComposer(yaml.SafeLoader):
    """Untagged plain nodes straight from PyYAML's pure events, with a list of open nodes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        stack: list[Any] = []
        events: Any = self  # PyYAML's parser and resolver methods are untyped
        while True:
            event: Any = events.get_event()
            start, end = event.start_mark, event.end_mark
            if isinstance(event, yaml.ScalarEvent):
                tag = events.resolve(yaml.ScalarNode, event.value, event.implicit)
                node: Any = yaml.ScalarNode(event.tag or tag, event.value, start, end, event.style)
            elif isinstance(event, yaml.CollectionStartEvent):
                kind: Any = (
                    yaml.SequenceNode
                    if isinstance(event, yaml.SequenceStartEvent)
                    else yaml.MappingNode
                )
                tag = events.resolve(kind, None, event.implicit)
                stack.append(kind(event.tag or tag, [], start, None, event.flow_style))
                continue
            else:  # the end of the open collection
                node = stack.pop()
                node.end_mark = event.end_mark
            if not stack:
                return node
            top = stack[-1]
            if isinstance(top, yaml.MappingNode):
                if top.value and len(top.value[-1]) == 1:
                    top.value[-1] = (top.value[-1][0], node)
                else:
                    top.value.append((node,))
            else:
                top.value.append(node)


def _tree(nodes: list[Any]) -> list[object]:
    """Nodes as a flat preorder list of (kind, tag, value, marks, style); a node met again
    (an alias) is its first visit's number. Iterative, so deep trees compare without recursion.
    """
    out: list[object] = []
    seen: dict[int, int] = {}
    stack: list[Any] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            out.append(("again", seen[id(node)]))
            continue
        seen[id(node)] = len(out)
        start, end = node.start_mark, node.end_mark
        marks = (start.index, start.line, start.column, end.index, end.line, end.column)
        if isinstance(node, yaml.ScalarNode):
            out.append(("scalar", node.tag, node.value, marks, node.style))
            continue
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = [part for pair in node.value for part in pair]
        out.append((type(node).__name__, node.tag, len(children), marks, node.flow_style))
        stack.extend(reversed(children))
    return out


def test_the_deep_loader_takes_linear_time_for_flow_nesting() -> None:
    """PyYAML's own scanner takes time in the square of flow nesting; the deep loader must not."""
    import time

    from sidecar_lint.loading.nesting import scan_with
    from sidecar_lint.loading.parsers import DeepLoader

    def took(levels: int) -> float:
        text = "[" * levels + "]" * levels
        start = time.perf_counter()
        assert scan_with(DeepLoader, text, 0, 100_000, 1) == (levels, None)
        return time.perf_counter() - start

    took(1_000)  # warm up
    small, large = min(took(2_000) for _ in range(3)), min(took(8_000) for _ in range(3))
    assert large < 10 * small  # four times the levels: about four times the time, not sixteen


def test_the_ceiling_is_probed_from_libyamls_own_refusal() -> None:
    """A ceiling is known exactly when libyaml refuses as deep a document as is ever read."""
    from sidecar_lint.loading.parsers import MAX_READ_DEPTH, ceiling_problem

    try:
        list(yaml.parse("- " * (MAX_READ_DEPTH + 1) + "x", Loader=yaml.CSafeLoader))
    except yaml.MarkedYAMLError as err:
        assert ceiling_problem() == err.problem is not None
    else:
        assert ceiling_problem() is None


def test_ordinary_and_shallow_text_never_takes_the_pure_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pure parser is for what libyaml refuses: everything else keeps libyaml's speed."""
    from sidecar_lint.loading import Limits, parsers

    def refuse(*args: object) -> None:
        raise AssertionError("the pure parser read text libyaml reads")

    monkeypatch.setattr(parsers.DeepLoader, "__init__", refuse)
    examples = Path(__file__).resolve().parent.parent / "examples"
    for path in sorted(examples.glob("*.yaml")):
        assert load_bytes(path.name, path.read_bytes()).documents
    text = "x: " + "[" * 900 + "]" * 900 + "\n---\n" + "- " * 900 + "x\n"
    assert len(load_source(SourceFile("f.yaml", text), Limits(max_depth=950)).documents) == 2


def _read(text: str, fast: bool, max_depth: int = 256) -> Any:
    """The reference read of ``text`` or, with ``fast``, ``load_bytes`` with the fast path."""
    from sidecar_lint.loading import Limits

    limits = Limits(max_depth=max_depth)
    if fast:
        return load_bytes("f.yaml", text.encode("utf-8"), limits, fast=True)
    return load_source(SourceFile("f.yaml", text), limits)


#: Lines that end a document at column 0, and how many lines each takes.
_DOCUMENT_ENDS = [("...\n", 1), ("... # end\n", 1), ("...\t\n", 1), ("...\n---\n", 2)]


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize(("end", "end_lines"), _DOCUMENT_ENDS)
def test_a_document_after_a_deep_one_that_ends_at_dots_is_read(
    fast: bool, newline: str, end: str, end_lines: int
) -> None:
    """libyaml ends a document at a column-0 "...": reading resumes after it, not at a "---"."""
    deep = "x: " + "[" * 12 + "]" * 12 + "\n"
    head = "a: 1\n---\n" + deep
    loaded = _read((head + end + "b: 2\n").replace("\n", newline), fast, max_depth=8)
    assert [(d.index, d.data) for d in loaded.documents] == [(0, {"a": 1}), (2, {"b": 2})]
    b_line = head.count("\n") + end_lines + 1
    assert loaded.documents[1].locate(("b",), "key")[0] == Span(b_line, 1, b_line, 2)
    assert loaded.documents[1].locate(("b",))[0] == Span(b_line, 4, b_line, 5)
    (problem,) = loaded.problems
    assert (problem.line, problem.column, problem.document_index) == (2, 3 + 7, 1)
    assert "nesting deeper than 8 levels" in problem.message
    # The deep document is reported as it is when nothing follows it.
    alone = _read((head + end).replace("\n", newline), fast, max_depth=8)
    assert alone.problems == loaded.problems


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize(("end", "end_lines"), _DOCUMENT_ENDS)
def test_a_document_after_a_syntax_error_that_ends_at_dots_is_read(
    fast: bool, newline: str, end: str, end_lines: int
) -> None:
    """Reading resumes after the column-0 "..." that ends a broken document."""
    loaded = _read(("a: [1\n" + end + "b: 2\n").replace("\n", newline), fast)
    assert [(d.index, d.data) for d in loaded.documents] == [(1, {"b": 2})]
    b_line = 1 + end_lines + 1
    assert loaded.documents[0].locate(("b",), "key")[0] == Span(b_line, 1, b_line, 2)
    (problem,) = loaded.problems
    assert (problem.line, problem.column, problem.document_index) == (1, 0, 0)  # at the "..."
    assert problem.message.startswith("expected ',' or ']'")
    alone = _read(("a: [1\n" + end).replace("\n", newline), fast)
    assert alone.problems == loaded.problems


@pytest.mark.parametrize("fast", [False, True])
def test_documents_after_several_broken_ones_that_end_at_dots_keep_their_places(
    fast: bool,
) -> None:
    """Each broken document is reported once; every one after a "..." is read in its place."""
    deep = "x: " + "{a: " * 20 + "b" + "}" * 20 + "\n"
    text = "a: 0\n---\n" + deep + "...\n---\nb: [\n... # end\nc: 3\n---\n" + deep + "...\nd: 4\n"
    loaded = _read(text, fast, max_depth=8)
    assert [(d.index, d.data) for d in loaded.documents] == [
        (0, {"a": 0}),
        (3, {"c": 3}),
        (5, {"d": 4}),
    ]
    lines = [
        d.locate(("c",) if d.index == 3 else ("d",), "key")[0].start_line
        for d in loaded.documents[1:]
    ]
    assert lines == [8, 12]
    where = [(p.line, p.document_index, p.message[:30]) for p in loaded.problems]
    assert where == [
        (2, 1, "nesting deeper than 8 levels: "),
        (6, 2, "expected the node content, but"),
        (9, 4, "nesting deeper than 8 levels: "),
    ]
