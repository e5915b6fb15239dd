"""The pure-Python first read gives exactly what the reference loader gives, or nothing.

An install without yaml-rs reads block-style text with
``sidecar_lint.loading.block_read``; ``SIDECAR_LINT_LOADER=python`` makes every
run do so. Everything observable must equal the reference read: the reports of
a generated corpus byte for byte, and per file the data (types included),
documents, problems and every span. The texts are the yaml-rs comparisons'
own, plus what this reader handles or refuses itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from sidecar_lint.document import SourceFile
from sidecar_lint.loading import LOADER_ENV, LoadedSource, load_bytes, load_source
from sidecar_lint.loading.block_read import read
from sidecar_lint.loading.lazy_positions import LazySpans
from tests.test_fastpath_equivalence import (
    ANCHORS,
    BLOCK_SCALAR_ENDS,
    CHARACTERS,
    COMMON_TEXT,
    FLOW_INDICATORS,
    MULTILINE_KEYS,
    ROOT,
    SCALAR_CONTEXTS,
    SCALAR_SPELLINGS,
    TRICKY,
    _report,
    _yaml_text,
    assert_equivalent,
)
from tests.test_fastpath_equivalence import corpus as corpus  # the shared fixture


@pytest.fixture(autouse=True)
def python_reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(LOADER_ENV, "python")
    yield


def _same(text: str) -> LoadedSource:
    fast = load_source(SourceFile("t.yaml", text), fast=True)
    assert_equivalent(fast, load_source(SourceFile("t.yaml", text)))
    return fast


def _kept(text: str) -> bool:
    """Whether this reader read ``text`` itself (lazy positions) rather than refusing it."""
    return all(isinstance(doc.spans, LazySpans) for doc in _same(text).documents)


#: Text this reader reads itself.
HANDLED = [
    "a: 1\nb: yes\nc: '2024-01-01'\nd: ~\ne:\nf: -1.5\ng: 0x1F\nh: 1:30\n",
    "a:\n- x\n- y\nb:\n  - z\n  -\n  - - 1\n    - 2\n  - k: v\n    l: w\n",
    "- a: 1\n  b:\n  - 2\n  c: 3\n- \n- - x\n",
    "c: |\n  line one\n\n    indented\n  last\nd: |-\n  no break\ne: end\n",
    "c: |\n  text\n     \n  more\n\n\nd: 1\n",
    "c: |  # comment\n  x\n",
    "- |\n  in a list\n- |-\n  another\n",
    "a: {b: 1, 'c': \"d\", e: f g}\nh: [1, 'two', three four, -5]\ni: []\nj: { }\n",
    "k: 'it''s' # note\nl: \"double\"\nm: plain # comment\nn: a#b\n",
    "'quoted key': 1\n\"other\": 2\n",
    "---\na: 1\n--- # c\nb: 2\n---\n",
    "# head\n---\n- 1\n",
    "  a: 1\n  b: 2\n",
    "a:\n  b:\n    c:\n      d: deep\n  e: back\n",
    "x: 'a: b'\ny: \"c #d\"\n",
    "a: 1",
]

#: Text this reader leaves to the reference (and the reference reads it as it does).
REFUSED = [
    "a: >\n  folded\n",
    "a: |+\n  kept\n\n",
    "a: |2\n  explicit\n",
    'a: "esc\\n"\n',
    "a: 'multi\n  line'\n",
    "a: plain\n  continued\n",
    "a:\n  scalar on its own line\n",
    "a: [b, [c]]\n",
    "a: {b: {c: 1}}\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "? a\n: b\n",
    "a: 1\na: 2\n",
    "1: a\n",
    "true: a\n",
    "a: 2024-01-01\n",
    "a: =\n",
    "<<: {a: 1}\n",
    "a: b: c\n",
    "a: b:\n",
    "a:\n  b: 1\n c: 2\n",
    "- a\nb: 1\n",
    "a: 1\n- b\n",
    "just a scalar\n",
    "a b: 1\n",
    "a :1\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n...\n",
    "a: |\n",
    "a: |\nb: 1\n",
    "a: |\n      \n  less indented than a blank line\n",
    "a: - b\n",
    "a: {{ .Values.x }}\n",
    "a:\tb\n",
    "--- a\n",
    "c: |\n  last line without a break",
    "k" * 1100 + ": 1\n",
]


@pytest.mark.parametrize("text", HANDLED)
def test_handled_text_reads_as_the_reference(text: str) -> None:
    assert _kept(text)


@pytest.mark.parametrize("text", REFUSED)
def test_refused_text_goes_to_the_reference(text: str) -> None:
    assert read(text, 100, 100) is None
    _same(text)


@pytest.mark.parametrize(
    "text",
    [
        *TRICKY,
        *ANCHORS,
        *FLOW_INDICATORS,
        *MULTILINE_KEYS,
        *BLOCK_SCALAR_ENDS,
        *CHARACTERS,
        *COMMON_TEXT,
    ],
)
def test_texts_the_yaml_rs_read_is_checked_on_read_the_same(text: str) -> None:
    _same(text)


@pytest.mark.parametrize("spelling", SCALAR_SPELLINGS)
def test_scalar_spellings_read_the_same(spelling: str) -> None:
    for context in SCALAR_CONTEXTS:
        _same(context.format(s=spelling))


def test_limits_refuse_deep_or_many_documents() -> None:
    deep = "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v: 1\n"
    assert read(deep, 100, 256) is None
    assert read("a: 1\n---\nb: 2\n", 1, 256) is None
    assert read("a: 1\n---\nb: 2\n", 2, 256) is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yaml_text())
def test_generated_text_reads_the_same(text: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(LOADER_ENV, "python")
        fast = load_source(SourceFile("g.yaml", text), fast=True)
    assert_equivalent(fast, load_source(SourceFile("g.yaml", text)))


def test_every_corpus_file_reads_the_same(corpus: Path) -> None:
    kept = 0
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    for path in files:
        raw = path.read_bytes()
        kept += assert_equivalent(load_bytes(str(path), raw, fast=True), load_bytes(str(path), raw))
    assert kept > len(files) * 0.9  # the reader really reads the corpus


def test_repository_examples_and_test_data_read_the_same() -> None:
    paths = [*ROOT.glob("examples/*.yaml"), *ROOT.glob("tests/**/*.yaml")]
    paths += [*ROOT.glob("tests/**/*.yml")]
    assert paths
    for path in sorted(paths):
        if "bomb" in path.name:
            continue
        raw = path.read_bytes()
        assert_equivalent(load_bytes(str(path), raw, fast=True), load_bytes(str(path), raw))


def test_corpus_reports_identical_to_reference_loader(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = _report([str(corpus)], tmp_path, "python.json")
    sarif = tmp_path / "python.sarif"
    from sidecar_lint.cli import main

    main([str(corpus), "--no-cache", "--jobs", "1", "--format", f"sarif:{sarif}", "-q"])
    monkeypatch.setenv(LOADER_ENV, "reference")
    assert _report([str(corpus)], tmp_path, "reference.json") == python
    reference_sarif = tmp_path / "reference.sarif"
    main([str(corpus), "--no-cache", "--jobs", "1", "--format", f"sarif:{reference_sarif}", "-q"])
    assert reference_sarif.read_bytes() == sarif.read_bytes()
