"""Parsed documents with a side table of source positions.

The data stays plain dicts and lists (so checks and JSONPath work on it
unchanged); positions live in a separate table keyed by pointer, which is
what lets a finding name the exact key or value it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

#: A path into a document: mapping keys and sequence indices, outermost first.
Pointer = tuple[Any, ...]

#: Which part of a mapping entry a finding points at.
Target = Literal["key", "value"]


@dataclass(frozen=True, order=True)
class Span:
    """A source region: 1-based lines and columns, end column exclusive."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int


#: A raw mark range as PyYAML reports it: 0-based (line, col, end_line, end_col).
RawRange = tuple[int, int, int, int]


@dataclass(frozen=True)
class NodeSpan:
    """Where a node's value sits and, for mapping entries, where its key sits."""

    value: RawRange
    key: RawRange | None = None


@dataclass
class SourceFile:
    """One input file (or stdin) as text, with the name to report it under."""

    path: str
    text: str

    @cached_property
    def lines(self) -> list[str]:
        """Source lines without their line endings (CR, LF or CRLF)."""
        return self.text.splitlines()

    def line(self, number: int) -> str:
        """The 1-based line ``number``, or an empty string past the end."""
        lines = self.lines
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def to_span(self, raw: RawRange) -> Span:
        """Convert a 0-based mark range to a 1-based span that ends on real text.

        A block node's end mark lies at column 0 of the line after it (or after
        trailing blank and comment lines); pull it back to the end of the last
        line that holds part of the node, so a region never covers lines that
        belong to something else.
        """
        line, col, end_line, end_col = raw
        if end_line > line and self.line(end_line + 1)[:end_col].strip() in ("", "-"):
            end_line -= 1
            while end_line > line and not _holds_content(self.line(end_line + 1)):
                end_line -= 1
            end_col = len(self.line(end_line + 1).rstrip())
            if end_line == line and end_col <= col:
                end_col = max(len(self.line(line + 1).rstrip()), col + 1)
        if end_line == line and end_col <= col:
            end_col = col + 1
        return Span(line + 1, col + 1, end_line + 1, end_col + 1)


def _holds_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


@dataclass(frozen=True)
class ObjectRef:
    """Identifies a Kubernetes object in messages, logical locations and fingerprints."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    def display(self) -> str:
        """``Kind ns/name`` as people write it."""
        name = self.name or "<unnamed>"
        if self.namespace:
            name = f"{self.namespace}/{name}"
        return f"{self.kind} {name}"


@dataclass(frozen=True)
class DuplicateKey:
    """A key that occurs twice in one mapping (the API server rejects these)."""

    mapping: Pointer
    key: Any
    first: RawRange
    second: RawRange


@dataclass(frozen=True)
class IgnoredTag:
    """A node whose explicit tag was not constructed, only read as plain data."""

    pointer: Pointer
    tag: str
    where: RawRange
    reason: str | None = None  # set when a standard tag's value could not be constructed


@dataclass
class Document:
    """One YAML/JSON document, or one item of a ``kind: List`` document.

    ``spans`` is shared by all items of a List; ``base`` is the item's own
    pointer inside the parsed document, so lookups add it in front. A
    document read by the fast path has a lazy ``spans`` table and no
    ``start`` (None): both come from the reference parse, on first use.
    """

    source: SourceFile
    index: int
    data: Any
    spans: Mapping[Pointer, NodeSpan]
    start: RawRange | None
    base: Pointer = ()
    duplicate_keys: list[DuplicateKey] = field(default_factory=list)
    ignored_tags: list[IgnoredTag] = field(default_factory=list)
    complex_keys: list[RawRange] = field(default_factory=list)

    @property
    def is_kubernetes_object(self) -> bool:
        """True for a mapping with string ``apiVersion`` and ``kind``.

        Everything else (Helm values, CI workflows, compose files) is skipped.
        """
        data = self.data
        return (
            isinstance(data, dict)
            and isinstance(data.get("apiVersion"), str)
            and isinstance(data.get("kind"), str)
            and bool(data["kind"])
        )

    @cached_property
    def ref(self) -> ObjectRef:
        """The object's identity as far as its metadata says."""
        data = self.data if isinstance(self.data, dict) else {}
        meta = data.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        name, namespace = meta.get("name"), meta.get("namespace")
        return ObjectRef(
            api_version=str(data.get("apiVersion", "")),
            kind=str(data.get("kind", "")),
            namespace=namespace if isinstance(namespace, str) else None,
            name=name if isinstance(name, str) else None,
        )

    def node_span(self, pointer: Pointer) -> NodeSpan | None:
        """The exact spans recorded for ``pointer`` (relative to this document)."""
        return self.spans.get(self.base + tuple(pointer))

    def locate(self, pointer: Pointer, target: Target = "value") -> tuple[Span, Pointer]:
        """The span for ``pointer``, falling back to its nearest recorded ancestor.

        Returns the span and the pointer it actually belongs to, so callers can
        tell an exact hit from a fallback (an absent field points at its parent).
        """
        current = tuple(pointer)
        while True:
            spans = self.node_span(current)
            if spans is not None:
                raw = spans.key if target == "key" and spans.key is not None else spans.value
                return self.source.to_span(raw), current
            if not current:
                return self.source.to_span(self.start_range()), ()
            current = current[:-1]
            target = "key"

    def start_range(self) -> RawRange:
        """Where the document (or List item) starts: its root node's range."""
        if self.start is not None:
            return self.start
        spans = self.spans.get(self.base) or self.spans.get(())
        return spans.value if spans is not None else (0, 0, 0, 1)
