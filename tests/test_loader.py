"""Positions are exact across multi-document YAML, List, JSON, CRLF, BOM and stdin."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sidecar_lint.document import SourceFile, Span
from sidecar_lint.loader import load_bytes, load_source

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
    from sidecar_lint.loader import Limits

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
