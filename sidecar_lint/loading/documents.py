"""A composed node graph as plain data with a table of spans, built without recursion.

The walk (:func:`build_document`)

* records the span of every key and value on the way (one table per file),
* visits every node once, so an alias bomb costs its size in the file, not
  its expanded size,
* never constructs an application-specific tag (``!!python/...`` or any
  unknown tag is read as plain data and recorded, so the engine can report it
  for Kubernetes objects and stay silent for unrelated files),
* records duplicate keys instead of silently keeping the last one.

A ``kind: List`` document then becomes its items (:func:`expand_lists`).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sidecar_lint.document import (
    Document,
    DuplicateKey,
    IgnoredTag,
    NodeSpan,
    Pointer,
    RawRange,
    SourceFile,
)
from sidecar_lint.loading.loaded import DEFAULT_LIMITS

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
MERGE_TAG = "tag:yaml.org,2002:merge"
_STANDARD_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)
_LIST_KIND = re.compile(r"^[A-Za-z0-9]*List$")


class TooDeep(Exception):
    """A collection the walk meets at the depth limit (``node``)."""

    def __init__(self, node: Node) -> None:
        self.node = node


_SCALARS = SafeConstructor()


def _scalar(node: ScalarNode) -> Any:
    """Construct one standard scalar without PyYAML's per-loader object cache.

    Raises one of ``_UNCONSTRUCTIBLE`` for a value that looks like a timestamp
    or number but cannot be one (``2024-13-01``, ``!!int abc``); callers keep
    the text and record why, so the file is still linted.
    """
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    return _SCALARS.yaml_constructors[node.tag](_SCALARS, node)


_UNCONSTRUCTIBLE = (
    ValueError,
    OverflowError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    yaml.YAMLError,
)


def raw_range(node: Node, line_offset: int) -> RawRange:
    """A node's marks as a 0-based range, its lines shifted by the lines before its text."""
    start, end = node.start_mark, node.end_mark
    return (start.line + line_offset, start.column, end.line + line_offset, end.column)


#: Positions are recorded this many levels down; a deeper node is placed at its
#: ancestor at this depth. Findings sit far higher (a CronJob's container field is
#: 10 levels down), and a table of every path of deep text costs memory in the
#: square of its depth: 2 MB of 255-deep documents took 1.4 GB before this bound.
SPAN_DEPTH = 64


def build_document(
    source: SourceFile,
    root: Node,
    index: int,
    line_offset: int,
    max_depth: int = DEFAULT_LIMITS.max_depth,
) -> Document:
    """Build plain data and the span table for one composed document, iteratively."""
    spans: dict[Pointer, NodeSpan] = {}
    duplicates: list[DuplicateKey] = []
    ignored: list[IgnoredTag] = []
    complex_keys: list[RawRange] = []
    built: dict[int, Any] = {}  # id(node) -> data, so aliases share and never re-expand
    merges: list[tuple[dict[Any, Any], list[Node], Pointer]] = []

    def start(node: Node, pointer: Pointer, key_range: RawRange | None) -> Any:
        """Create the container for ``node`` (children are filled from the work list)."""
        if len(pointer) <= SPAN_DEPTH:
            spans[pointer] = NodeSpan(raw_range(node, line_offset), key_range)
        seen = built.get(id(node))
        if seen is not None:
            return seen
        tag = node.tag
        if isinstance(node, ScalarNode):
            if tag in _STANDARD_SCALAR_TAGS:
                try:
                    value = _scalar(node)
                except _UNCONSTRUCTIBLE as err:
                    value = node.value
                    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
                    ignored.append(IgnoredTag(pointer, tag, raw_range(node, line_offset), reason))
            else:
                ignored.append(IgnoredTag(pointer, tag, raw_range(node, line_offset)))
                value = node.value
            built[id(node)] = value
            return value
        if tag not in (_MAP_TAG, _SEQ_TAG):
            ignored.append(IgnoredTag(pointer, tag, raw_range(node, line_offset)))
        if len(pointer) >= max_depth:
            raise TooDeep(node)
        container: Any = {} if isinstance(node, MappingNode) else []
        built[id(node)] = container
        work.append((node, container, pointer))
        return container

    work: list[tuple[Node, Any, Pointer]] = []
    data = start(root, (), None)
    while work:
        node, container, pointer = work.pop()
        if isinstance(node, SequenceNode):
            for i, child in enumerate(node.value):
                container.append(start(child, (*pointer, i), None))
            continue
        assert isinstance(node, MappingNode)
        first_seen: dict[Any, RawRange] = {}
        merged: list[Node] = []
        for key_node, value_node in node.value:
            key_range = raw_range(key_node, line_offset)
            if key_node.tag == MERGE_TAG:
                sources = _merge_sources(value_node)
                for j, source_node in enumerate(sources):  # inline sources must be built too
                    start(source_node, (*pointer, "<<", j), key_range)
                merged.extend(sources)
                continue
            if isinstance(key_node, ScalarNode) and key_node.tag in _STANDARD_SCALAR_TAGS:
                try:
                    key = _scalar(key_node)
                except _UNCONSTRUCTIBLE:
                    key = key_node.value
            else:  # a complex or tagged key: keep its text so nothing is lost
                complex_keys.append(key_range)
                key = getattr(key_node, "value", None)
                key = key if isinstance(key, str) else f"<complex key at {key_range[0] + 1}>"
            try:
                hash(key)
            except TypeError:
                key = repr(key)
            if key in first_seen:
                duplicates.append(DuplicateKey(pointer, key, first_seen[key], key_range))
            first_seen[key] = key_range
            container[key] = start(value_node, (*pointer, key), key_range)
        if merged:
            merges.append((container, merged, pointer))
    _apply_merges(merges, built)
    return Document(
        source=source,
        index=index,
        data=data,
        spans=spans,
        start=raw_range(root, line_offset),
        duplicate_keys=duplicates,
        ignored_tags=ignored,
        complex_keys=complex_keys,
    )


def _apply_merges(
    merges: list[tuple[dict[Any, Any], list[Node], Pointer]],
    built: dict[int, Any],
) -> None:
    """Apply ``<<`` merge keys: explicit keys win, earlier sources win over later ones.

    Each mapping is merged once, after the mappings it merges from (an explicit
    depth-first order, so a chain of n merges costs its size, not n rounds).
    Merged keys get no spans of their own: a finding on one points at the
    mapping that merges it, and a merge bomb never multiplies the span table.
    """
    pending = {id(container): (container, sources) for container, sources, _ in merges}
    done: set[int] = set()
    visiting: set[int] = set()

    def source_dicts(sources: list[Node]) -> list[dict[Any, Any]]:
        found = (built.get(id(n)) for n in sources)
        return [d for d in found if isinstance(d, dict)]

    for root in pending:
        stack = [root]
        while stack:
            current = stack[-1]
            if current in done:
                stack.pop()
                continue
            visiting.add(current)
            container, sources = pending[current]
            dicts = source_dicts(sources)
            waiting = [id(d) for d in dicts if id(d) in pending and id(d) not in done | visiting]
            if waiting:
                stack.extend(waiting)
                continue
            for source in dicts:
                if source is container:
                    continue
                for key, value in source.items():
                    if key not in container:
                        container[key] = value
            done.add(current)
            visiting.discard(current)
            stack.pop()


def _merge_sources(value_node: Node) -> list[Node]:
    if isinstance(value_node, MappingNode):
        return [value_node]
    if isinstance(value_node, SequenceNode):
        return [n for n in value_node.value if isinstance(n, MappingNode)]
    return []


def expand_lists(documents: list[Document]) -> list[Document]:
    """Replace each ``kind: List`` (or ``*List``) document by its items."""
    out: list[Document] = []
    for doc in documents:
        data = doc.data
        items = data.get("items") if isinstance(data, dict) else None
        kind = data.get("kind") if isinstance(data, dict) else None
        if isinstance(kind, str) and _LIST_KIND.match(kind) and isinstance(items, list):
            lazy = doc.start is None  # fast path: the start comes from the spans when asked
            for i, item in enumerate(items):
                span = None if lazy else doc.spans.get((*doc.base, "items", i))
                out.append(
                    Document(
                        source=doc.source,
                        index=doc.index,
                        data=item,
                        spans=doc.spans,
                        start=span.value if span else doc.start,
                        base=(*doc.base, "items", i),
                        duplicate_keys=_within(doc.duplicate_keys, ("items", i)),
                        ignored_tags=[
                            IgnoredTag(t.pointer[2:], t.tag, t.where)
                            for t in doc.ignored_tags
                            if t.pointer[:2] == ("items", i)
                        ],
                        complex_keys=doc.complex_keys,
                    )
                )
        else:
            out.append(doc)
    return out


def _within(duplicates: list[DuplicateKey], prefix: Pointer) -> list[DuplicateKey]:
    n = len(prefix)
    return [
        DuplicateKey(d.mapping[n:], d.key, d.first, d.second)
        for d in duplicates
        if d.mapping[:n] == prefix
    ]


def key_of(key_node: Node) -> Any:
    """A mapping key as the reference walk builds it."""
    if isinstance(key_node, ScalarNode) and key_node.tag in _STANDARD_SCALAR_TAGS:
        try:
            key = _scalar(key_node)
        except _UNCONSTRUCTIBLE:
            key = key_node.value
    else:
        key_range = raw_range(key_node, 0)
        key = getattr(key_node, "value", None)
        key = key if isinstance(key, str) else f"<complex key at {key_range[0] + 1}>"
    try:
        hash(key)
    except TypeError:
        key = repr(key)
    return key


def first_too_deep(root: Node, max_depth: int) -> Node | None:
    """The first collection in document order that the walk finds ``max_depth`` levels down.

    Depths are counted as the walk counts them (an inline merge source is two
    levels below its mapping); a node met again through an alias is not
    counted again.
    """
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ScalarNode) or id(node) in seen:
            continue
        seen.add(id(node))
        if depth >= max_depth:
            return node
        children: list[tuple[Node, int]] = []
        if isinstance(node, SequenceNode):
            children = [(child, depth + 1) for child in node.value]
        else:
            for key_node, value_node in node.value:
                if key_node.tag == MERGE_TAG:
                    children.extend((s, depth + 2) for s in _merge_sources(value_node))
                else:
                    children.append((value_node, depth + 1))
        stack.extend(reversed(children))
    return None
