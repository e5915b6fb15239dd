"""Positions on demand for documents the fast first read built.

:mod:`sidecar_lint.loading.fast_read` builds only plain data; such documents
get a lazy span table (:class:`LazySpans`). The first lookup composes the
document (or, in a kubectl-style ``kind: List``, only the item asked about)
with libyaml, exactly as the reference read does, and finds the node a
pointer names; documents nobody asks about are never composed.

Should a stretch not compose alone as expected (:class:`PositionsUnavailable`),
the whole file is read the reference way once and every later lookup in it
is answered from that read: whoever asks for a span always gets the
reference loader's, and never needs to know which parser built the data.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from sidecar_lint.document import Document, NodeSpan, Pointer, RawRange, SourceFile
from sidecar_lint.loading import fast_read, nesting, parsers
from sidecar_lint.loading.documents import MERGE_TAG, build_document, key_of, raw_range
from sidecar_lint.loading.loaded import Limits
from sidecar_lint.loading.yaml_stream import read_yaml


class PositionsUnavailable(Exception):
    """libyaml cannot compose alone a stretch the fast read read: use the reference read."""


def read_fast(source: SourceFile, text: str, documents: list[Document], limits: Limits) -> bool:
    """Append documents with lazy positions if :mod:`fast_read` vouches for ``text``; else False."""
    read = fast_read.read(text, limits.max_documents, limits.max_depth)
    if read is None:
        return False
    positions = FilePositions(source, [doc.offset for doc in read], limits)
    for index, doc in enumerate(read):
        items = doc.data.get("items") if isinstance(doc.data, dict) else None
        if isinstance(items, list):
            positions.item_counts[index] = len(items)
        documents.append(Document(source, index, doc.data, LazySpans(positions, index), None))
    return True


#: A ``- `` entry of a top-level block sequence, at column 0 (kubectl's List layout).
_ITEM_START = re.compile(r"^-(?=[ \t]|$)", re.MULTILINE)
_ITEMS_KEY = re.compile(r"^items:[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^[^\s#-]", re.MULTILINE)
#: Composed List items kept at a time (each is a small tree; a dump has thousands).
_ITEM_CACHE = 8


class FilePositions:
    """Composed nodes of a fast-read file's documents, made only when asked for.

    Each document is composed on its own, from its ``---`` line to the next
    one, by the reference composer (libyaml); the marks are shifted by the
    lines before it, so they equal a whole-file parse's. In a ``kind: List``
    laid out as kubectl writes it (``items:`` at column 0, one ``- `` per
    item at column 0), one item is composed alone the same way, so a finding
    in one object of a large dump does not build nodes for all of them. Text
    that does not compose as expected raises :class:`PositionsUnavailable`;
    :meth:`reference_spans` then reads the file the reference way.
    """

    def __init__(self, source: SourceFile, offsets: list[int], limits: Limits) -> None:
        self.source = source
        self.text = source.text  # what is composed
        self.offsets = offsets
        self.limits = limits
        self.max_depth = limits.max_depth
        self.reference: dict[int, Mapping[Pointer, NodeSpan]] | None = None
        self._roots: dict[int, tuple[Node, int]] = {}
        self._items: dict[int, list[tuple[int, int]] | None] = {}
        self._item_nodes: dict[tuple[int, int], tuple[Node, int]] = {}
        self.item_counts: dict[int, int] = {}  # document -> len(items), from the data

    def reference_spans(self, index: int) -> Mapping[Pointer, NodeSpan]:
        """Document ``index``'s span table from the reference read of the whole file.

        The file is read once, the first time composing a stretch alone fails;
        from then on :attr:`reference` answers every lookup in the file.
        """
        if self.reference is None:
            text = self.source.text
            documents: list[Document] = []
            read_yaml(SourceFile(self.source.path, text), text, 0, 0, documents, [], self.limits)
            self.reference = {doc.index: doc.spans for doc in documents}
        return self.reference.get(index, {})

    def _bounds(self, index: int) -> tuple[int, int]:
        end = self.offsets[index + 1] if index + 1 < len(self.offsets) else len(self.text)
        return self.offsets[index], end

    def root(self, index: int) -> tuple[Node, int]:
        """Document ``index``'s root node and the line offset of its marks."""
        got = self._roots.get(index)
        if got is None:
            start, end = self._bounds(index)
            got = self._roots[index] = (compose_one(self.text[start:end]), self._line_of(start))
        return got

    def item(self, index: int, item: int) -> tuple[Node, int] | None:
        """The node of ``items[item]`` of List document ``index`` (None: layout not simple)."""
        key = (index, item)
        got = self._item_nodes.get(key)
        if got is not None:
            return got
        if index not in self._items:
            self._items[index] = self._item_bounds(index)
        bounds = self._items[index]
        if bounds is None or not 0 <= item < len(bounds):
            return None
        start, end = bounds[item]
        node = compose_one(self.text[start:end])
        if not isinstance(node, SequenceNode) or len(node.value) != 1:
            raise PositionsUnavailable("a List item did not compose as one sequence entry")
        if len(self._item_nodes) >= _ITEM_CACHE:
            self._item_nodes.clear()
        got = self._item_nodes[key] = (node.value[0], self._line_of(start))
        return got

    def _item_bounds(self, index: int) -> list[tuple[int, int]] | None:
        """Where each item of a kubectl-style List starts and ends, or None."""
        start, end = self._bounds(index)
        key = _ITEMS_KEY.search(self.text, start, end)
        if key is None:
            return None
        body = self.text.find("\n", key.end(), end)
        if body < 0:
            return None
        body += 1
        stop = _TOP_LEVEL.search(self.text, body, end)
        region_end = stop.start() if stop else end
        starts = [m.start() for m in _ITEM_START.finditer(self.text, body, region_end)]
        if not starts or starts[0] != _first_content(self.text, body, region_end):
            return None
        if len(starts) != self.item_counts.get(index, -1):
            return None  # not one line per item: use the whole document
        return list(zip(starts, [*starts[1:], region_end], strict=True))

    def _line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset)


def _first_content(text: str, start: int, end: int) -> int:
    """The offset of the first line in ``text[start:end]`` that is not blank or a comment."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        stripped = text[pos:line_end].strip()
        if stripped and not stripped.startswith("#"):
            return pos
        pos = line_end + 1
    return -1


def compose_one(text: str) -> Node:
    """The single document of ``text``, composed the reference way.

    The fast read refuses deep documents, so this one is shallow; text that
    the cheap bound cannot vouch for is scanned first all the same.
    """
    if (
        not nesting.shallow(text)
        and nesting.scan(text, 0, nesting.DIRECT_DEPTH, sys.maxsize)[1] is not None
    ):
        raise PositionsUnavailable(f"nesting deeper than {nesting.DIRECT_DEPTH} levels")
    loader = parsers.Loader(text)
    nodes: list[Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
    except (yaml.YAMLError, RecursionError) as err:
        raise PositionsUnavailable(str(err)) from err
    finally:
        loader.dispose()
    if len(nodes) != 1:
        raise PositionsUnavailable(f"{len(nodes)} documents where one was read")
    return nodes[0]


class LazySpans(Mapping[Pointer, NodeSpan]):
    """A document's span table that composes text only when first asked.

    Lookups follow the pointer through the node graph (fast-read documents
    have string keys, no duplicates, merges or aliases, so every pointer
    names exactly one node, as in the full table); iterating builds the
    full table with the reference walk. Where the text does not compose
    alone, the reference read of the file answers instead (see the module).
    """

    def __init__(self, positions: FilePositions, index: int) -> None:
        self._positions = positions
        self._index = index
        self._table: dict[Pointer, NodeSpan] | None = None

    @property
    def positions(self) -> FilePositions:
        """The composed nodes this table reads, shared by the file's documents."""
        return self._positions

    def get(self, key: Pointer, default: Any = None) -> Any:
        positions = self._positions
        if positions.reference is None:
            try:
                found = self._find(key)
            except PositionsUnavailable:
                pass
            else:
                return default if found is None else found
        return positions.reference_spans(self._index).get(key, default)

    def _find(self, key: Pointer) -> NodeSpan | None:
        """The span at ``key`` from the composed item or document (raises if it cannot compose)."""
        if len(key) >= 2 and key[0] == "items" and type(key[1]) is int:
            item = self._positions.item(self._index, key[1])
            if item is not None:
                node, offset = item
                return _navigate(node, key[2:], offset)
        root, offset = self._positions.root(self._index)
        return _navigate(root, key, offset)

    def __getitem__(self, key: Pointer) -> NodeSpan:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and self.get(key) is not None

    def _full(self) -> dict[Pointer, NodeSpan]:
        if self._table is None:
            positions = self._positions
            if positions.reference is None:
                try:
                    root, offset = positions.root(self._index)
                except PositionsUnavailable:
                    pass
                else:
                    source = SourceFile("", "")
                    doc = build_document(source, root, self._index, offset, positions.max_depth)
                    self._table = dict(doc.spans)
                    return self._table
            self._table = dict(positions.reference_spans(self._index))
        return self._table

    def __iter__(self) -> Iterator[Pointer]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())


def _navigate(root: Node, pointer: Pointer, line_offset: int = 0) -> NodeSpan | None:
    """The spans the reference walk records for ``pointer`` (no merges, aliases, duplicates).

    For a List item's own node, the key range is None, as for any sequence entry.
    """
    node = root
    key_range: RawRange | None = None
    for part in pointer:
        if isinstance(node, MappingNode):
            found: tuple[Node, Node] | None = None
            for key_node, value_node in node.value:
                if key_node.tag == MERGE_TAG:
                    continue
                if key_of(key_node) == part:
                    found = (key_node, value_node)  # the last occurrence wins, as in a dict
            if found is None:
                return None
            key_range = raw_range(found[0], line_offset)
            node = found[1]
        elif isinstance(node, SequenceNode):
            if not isinstance(part, int) or not 0 <= part < len(node.value):
                return None
            key_range = None
            node = node.value[part]
        else:
            return None
    return NodeSpan(raw_range(node, line_offset), key_range)
