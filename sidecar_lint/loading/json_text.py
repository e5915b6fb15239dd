"""JSON files: JSON's semantics for the data, the YAML reader for positions.

A ``.json`` file (or unnamed input that starts like JSON) is read by Python's
``json`` (``1e3`` is a number, as JSON says), and its positions come from
reading the same text as YAML (JSON is YAML), after replacing what YAML
refuses with spaces so that no column moves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from sidecar_lint.document import Document, NodeSpan, Pointer, RawRange, SourceFile
from sidecar_lint.loading.loaded import Limits, ParseProblem, line_column, too_deep
from sidecar_lint.loading.yaml_stream import read_yaml

_YAML_SUFFIXES = (".yaml", ".yml")


def looks_like_json(path: str, text: str) -> bool:
    """Whether to read ``text`` as JSON: by its name, or, unnamed (stdin), by how it starts.

    A YAML file is always YAML, even when it starts with ``{``: JSON is YAML,
    and flow-style manifests or templates opening with ``{{`` are not JSON.
    """
    name = path.lower()
    if name.endswith(".json"):
        return True
    if name.endswith(_YAML_SUFFIXES):
        return False
    stripped = text.lstrip()
    return stripped.startswith(("{", "[")) and not stripped.startswith("{{")


def read_json(
    source: SourceFile,
    documents: list[Document],
    problems: list[ParseProblem],
    limits: Limits,
    lazy: bool = False,
) -> bool:
    """JSON semantics for the data (``1e3`` is a number), YAML's composer for positions.

    Tabs outside strings are the one JSON whitespace YAML refuses, and inside
    strings JSON allows characters YAML refuses (DEL, U+FFFE); replacing each
    with a space keeps every column and lets the same span walk serve both
    formats.

    ``lazy`` defers the YAML read to the first position lookup; it declines
    (returns False) for what only that read reports: duplicate keys and
    integers too long to convert.
    """
    text = source.text
    try:
        data = _json_data(text, lazy)
    except _NeedsReference:
        return False
    except json.JSONDecodeError as err:
        if not text.strip():
            return True
        problems.append(ParseProblem(f"invalid JSON: {err.msg}", err.lineno - 1, err.colno - 1, 0))
        return True
    except RecursionError:  # deeper than Python's json reads (about a thousand levels)
        problems.append(_json_too_deep(text, limits.max_depth))
        return True
    if _deeper_than(data, limits.max_depth):
        problems.append(_json_too_deep(text, limits.max_depth))
        return True
    if lazy:
        table = _JsonSpans(source, text, limits)
        documents.append(Document(source, 0, data, table, None))
        return True
    spans, start, doc = _json_positions(source, text, limits)
    if doc is None:
        documents.append(Document(source, 0, data, spans, start))
        return True
    doc.data = data
    documents.append(doc)
    return True


class _NeedsReference(Exception):
    """The lazy JSON read declines: only the positioned YAML read reports what it met."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _NeedsReference
    return out


def _json_data(text: str, lazy: bool) -> Any:
    """The data of a JSON text; an integer too long for ``int`` is kept as its text.

    YAML keeps such a scalar as text as well, and its positioned read records
    it (SL001 at the value); the lazy read has no positions, so it declines.
    """
    hook = _no_duplicates if lazy else None
    try:
        return json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError:
        raise
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
        if lazy:
            raise _NeedsReference from None
        return json.loads(text, parse_int=_int_or_text)


def _int_or_text(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def _deeper_than(data: Any, max_depth: int) -> bool:
    """Whether ``data`` has a container ``max_depth`` levels down (what the YAML walk refuses)."""
    stack: list[tuple[Any, int]] = [(data, 0)] if type(data) in (dict, list) else []
    while stack:
        node, depth = stack.pop()
        if depth >= max_depth:
            return True
        children = node.values() if type(node) is dict else node
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return False


#: A JSON string (to skip) or a bracket.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _json_too_deep(text: str, max_depth: int) -> ParseProblem:
    """The depth-limit problem, at the first ``[`` or ``{`` that opens a level past the limit."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return too_deep(max_depth, *line_column(text, token.start()), 0)
        elif char in ("]", "}"):
            depth -= 1
    # Within a raised limit, yet deeper than Python's json reads.
    return ParseProblem("invalid JSON: nesting too deep to read", 0, 0, 0, syntax=False)


#: Characters YAML refuses (tab included: it may not indent); JSON has them only in strings.
_NOT_YAML_TEXT = re.compile("[^\n\r -~\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _json_positions(
    source: SourceFile, text: str, limits: Limits
) -> tuple[Mapping[Pointer, NodeSpan], RawRange, Document | None]:
    """The YAML read of a JSON text: its document, or a table holding only the root."""
    positioned: list[Document] = []
    shadow: list[ParseProblem] = []
    read_yaml(source, _NOT_YAML_TEXT.sub(" ", text), 0, 0, positioned, shadow, limits)
    if shadow or len(positioned) != 1:
        return {(): NodeSpan((0, 0, 0, 1))}, (0, 0, 0, 1), None
    doc = positioned[0]
    return doc.spans, doc.start_range(), doc


class _JsonSpans(Mapping[Pointer, NodeSpan]):
    """A JSON file's span table, read the reference way on first use."""

    def __init__(self, source: SourceFile, text: str, limits: Limits) -> None:
        self._args = (source, text, limits)
        self._table: Mapping[Pointer, NodeSpan] | None = None

    def _full(self) -> Mapping[Pointer, NodeSpan]:
        if self._table is None:
            self._table = _json_positions(*self._args)[0]
        return self._table

    def get(self, key: Pointer, default: Any = None) -> Any:
        return self._full().get(key, default)

    def __getitem__(self, key: Pointer) -> NodeSpan:
        return self._full()[key]

    def __iter__(self) -> Iterator[Pointer]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())
