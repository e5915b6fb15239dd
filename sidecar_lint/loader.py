"""Turn YAML/JSON text into documents with positions, safely and without losing any.

Only PyYAML's scanner, parser and composer are used; the node graph is then
turned into plain data by an iterative walk of our own, which

* records the span of every key and value on the way (one table per file),
* visits every node once, so an alias bomb costs its size in the file, not
  its expanded size,
* never constructs an application-specific tag (``!!python/...`` or any
  unknown tag is read as plain data and recorded, so the engine can report it
  for Kubernetes objects and stay silent for unrelated files),
* records duplicate keys instead of silently keeping the last one.

A document that fails to parse becomes a :class:`ParseProblem`; parsing then
resumes at the next ``---`` line, so one broken document hides nothing else.

libyaml's composer recurses in C once per nesting level, with no check: a
document some 25,000 levels deep (``[`` repeated, 50 KB) overflows an 8 MiB
stack and kills the process. Text that is not surely shallow (a cheap bound,
:func:`_shallow`) is therefore first run through libyaml's *parser*, which
keeps its own stacks on the heap, up to the first document that nests past
``--max-depth`` (:func:`_scan`); that document is reported where it passes
the limit and skipped to the next ``---`` line, and only the documents
before it are composed. Documents within a raised limit but deeper than the
calling thread's stack surely holds are composed on a thread of their own
with a stack sized for them (:func:`_on_stack`).

Some libyaml builds (PyYAML 6.0.4's) refuse nesting past a ceiling of their
own (1,000 levels) with an error of their own. That refusal is recognised by
the complaint libyaml makes about a probe document (:func:`_ceiling_problem`),
and the text is then scanned and read by PyYAML's pure parser, made to read
any depth without recursing (:class:`_DeepLoader`): the limits, messages and
positions are the same whichever PyYAML is installed.

With ``fast=True`` (what the command line uses) a file is first read by
:mod:`sidecar_lint.fastload`, which builds only the plain data and accepts it
only when it is provably what this loader would build. Such documents get a
lazy span table: the first lookup composes the file with libyaml, exactly as
below, and finds the node a pointer names; documents nobody asks about are
never composed. Everything else takes the reference path described above.
"""

from __future__ import annotations

import collections
import functools
import json
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
import yaml.reader
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.scanner import ScannerError

from sidecar_lint import fastload
from sidecar_lint.document import (
    Document,
    DuplicateKey,
    IgnoredTag,
    NodeSpan,
    Pointer,
    RawRange,
    SourceFile,
)

try:  # libyaml is about five times faster; the pure parser is the fallback.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STANDARD_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)
_DOCUMENT_START = re.compile(r"^---(?:[ \t][^\r\n]*)?\r?$", re.MULTILINE)
_LIST_KIND = re.compile(r"^[A-Za-z0-9]*List$")


@dataclass(frozen=True)
class Limits:
    """Explicit bounds on hostile or accidental input, each reported when hit.

    The defaults are far above real manifests (a ``kubectl get -A -o yaml``
    dump of a large cluster is tens of MB and a pod template nests ~15 deep).
    """

    max_file_bytes: int = 64 * 1024 * 1024
    max_documents: int = 100_000
    max_depth: int = 256


DEFAULT_LIMITS = Limits()


class _TooDeep(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


@dataclass(frozen=True)
class ParseProblem:
    """Why (part of) a file could not be read as YAML/JSON, and where."""

    message: str
    line: int  # 0-based
    column: int  # 0-based
    document_index: int
    hint: str | None = None


@dataclass
class LoadedSource:
    """Everything read from one file: its documents and its parse problems.

    ``reload`` is set for files read by the fast path: it reads the file again
    with the reference loader (used if positions turn out to be unavailable).
    """

    source: SourceFile
    documents: list[Document]
    problems: list[ParseProblem]
    reload: Callable[[], LoadedSource] | None = None


class PositionsUnavailable(Exception):
    """libyaml cannot compose a file the fast path read: read it the reference way."""


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


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _encoding(raw: bytes) -> tuple[str, int]:
    """The codec YAML reads ``raw`` with (UTF-8 unless a BOM says otherwise), and the BOM's size."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec, len(bom)
    return "utf-8", 0


def decode(raw: bytes) -> str:
    """Decode file bytes as YAML allows (UTF-8, or UTF-16/32 with a BOM).

    The BOM is dropped so that it never shifts a column. Raises
    :class:`UnicodeDecodeError` for anything else, which the caller reports.
    """
    codec, bom = _encoding(raw)
    return raw[bom:].decode(codec) if bom else raw.decode(codec)


def load_source(
    source: SourceFile, limits: Limits = DEFAULT_LIMITS, fast: bool = False
) -> LoadedSource:
    """Parse every document of ``source``; never raises for bad input.

    ``fast`` allows the fast first read (see the module docstring); the
    result is the same, and a caller that asks for positions must be ready
    for :class:`PositionsUnavailable` and then use ``reload``.
    """
    text = source.text
    if text.startswith("\ufeff"):
        source.text = text = text[1:]
    documents: list[Document] = []
    problems: list[ParseProblem] = []
    is_json = _looks_like_json(source.path, text)
    if fast and fastload.available():
        if is_json:
            done = _load_json(source, documents, problems, limits, lazy=True)
        else:
            done = _load_yaml_fast(source, text, documents, limits)
        if done:
            return LoadedSource(
                source,
                _expand_lists(documents),
                problems,
                reload=lambda: load_source(SourceFile(source.path, source.text), limits),
            )
        documents.clear()
        problems.clear()
    if is_json:
        _load_json(source, documents, problems, limits)
    else:
        _load_yaml(source, text, 0, 0, documents, problems, limits)
    return LoadedSource(source, _expand_lists(documents), problems)


def _load_yaml_fast(
    source: SourceFile, text: str, documents: list[Document], limits: Limits
) -> bool:
    """Documents with lazy positions if :mod:`fastload` vouches for the text; else False."""
    read = fastload.read(text, limits.max_documents, limits.max_depth)
    if read is None:
        return False
    positions = FilePositions(text, [doc.offset for doc in read], limits.max_depth)
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
    that does not compose as expected raises :class:`PositionsUnavailable`.
    """

    def __init__(self, text: str, offsets: list[int], max_depth: int) -> None:
        self.text = text
        self.offsets = offsets
        self.max_depth = max_depth
        self._roots: dict[int, tuple[Node, int]] = {}
        self._items: dict[int, list[tuple[int, int]] | None] = {}
        self._item_nodes: dict[tuple[int, int], tuple[Node, int]] = {}
        self.item_counts: dict[int, int] = {}  # document -> len(items), from the data

    def _bounds(self, index: int) -> tuple[int, int]:
        end = self.offsets[index + 1] if index + 1 < len(self.offsets) else len(self.text)
        return self.offsets[index], end

    def root(self, index: int) -> tuple[Node, int]:
        """Document ``index``'s root node and the line offset of its marks."""
        got = self._roots.get(index)
        if got is None:
            start, end = self._bounds(index)
            got = self._roots[index] = (_compose_one(self.text[start:end]), self._line_of(start))
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
        node = _compose_one(self.text[start:end])
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


def _compose_one(text: str) -> Node:
    """The single document of ``text``, composed the reference way.

    The fast read refuses deep documents, so this one is shallow; text that
    the cheap bound cannot vouch for is scanned first all the same.
    """
    if not _shallow(text) and _scan(text, 0, _DIRECT_DEPTH, sys.maxsize)[1] is not None:
        raise PositionsUnavailable(f"nesting deeper than {_DIRECT_DEPTH} levels")
    loader = _Loader(text)
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
    full table with the reference walk.
    """

    def __init__(self, positions: FilePositions, index: int) -> None:
        self._positions = positions
        self._index = index
        self._table: dict[Pointer, NodeSpan] | None = None

    def get(self, key: Pointer, default: Any = None) -> Any:
        found: NodeSpan | None = None
        if len(key) >= 2 and key[0] == "items" and type(key[1]) is int:
            item = self._positions.item(self._index, key[1])
            if item is not None:
                node, offset = item
                found = _navigate(node, key[2:], offset)
                return default if found is None else found
        root, offset = self._positions.root(self._index)
        found = _navigate(root, key, offset)
        return default if found is None else found

    def __getitem__(self, key: Pointer) -> NodeSpan:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and self.get(key) is not None

    def _full(self) -> dict[Pointer, NodeSpan]:
        if self._table is None:
            root, offset = self._positions.root(self._index)
            source = SourceFile("", "")
            doc = _build_document(source, root, self._index, offset, self._positions.max_depth)
            self._table = dict(doc.spans)
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
                if key_node.tag == _MERGE_TAG:
                    continue
                if _key_of(key_node) == part:
                    found = (key_node, value_node)  # the last occurrence wins, as in a dict
            if found is None:
                return None
            key_range = _raw(found[0], line_offset)
            node = found[1]
        elif isinstance(node, SequenceNode):
            if not isinstance(part, int) or not 0 <= part < len(node.value):
                return None
            key_range = None
            node = node.value[part]
        else:
            return None
    return NodeSpan(_raw(node, line_offset), key_range)


def _key_of(key_node: Node) -> Any:
    """A mapping key as the reference walk builds it."""
    if isinstance(key_node, ScalarNode) and key_node.tag in _STANDARD_SCALAR_TAGS:
        try:
            key = _scalar(key_node)
        except _UNCONSTRUCTIBLE:
            key = key_node.value
    else:
        key_range = _raw(key_node, 0)
        key = getattr(key_node, "value", None)
        key = key if isinstance(key, str) else f"<complex key at {key_range[0] + 1}>"
    try:
        hash(key)
    except TypeError:
        key = repr(key)
    return key


_YAML_SUFFIXES = (".yaml", ".yml")


def _looks_like_json(path: str, text: str) -> bool:
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


def _load_json(
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
                return _too_deep(max_depth, *_line_column(text, token.start()), 0)
        elif char in ("]", "}"):
            depth -= 1
    # Within a raised limit, yet deeper than Python's json reads.
    return ParseProblem("invalid JSON: nesting too deep to read", 0, 0, 0)


#: Characters YAML refuses (tab included: it may not indent); JSON has them only in strings.
_NOT_YAML_TEXT = re.compile("[^\n\r -~\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _json_positions(
    source: SourceFile, text: str, limits: Limits
) -> tuple[Mapping[Pointer, NodeSpan], RawRange, Document | None]:
    """The YAML read of a JSON text: its document, or a table holding only the root."""
    positioned: list[Document] = []
    shadow: list[ParseProblem] = []
    _load_yaml(source, _NOT_YAML_TEXT.sub(" ", text), 0, 0, positioned, shadow, limits)
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


# --------------------------------------------------------------------------- deep nesting

#: Levels libyaml's composer may nest on the calling thread. It recurses in C, about 350
#: bytes of stack a level (measured: a segfault near 25,000 levels on an 8 MiB stack and
#: 3,000 on 1 MiB): 1,000 levels fit a 512 KiB stack (a secondary thread's on some
#: systems) with room for the frames below.
_DIRECT_DEPTH = 1_000
#: The deepest a document is read, whatever ``--max-depth`` says: reading costs time and
#: memory in the square of the depth (pointers of every node down the path: 10,000
#: levels take about half a GB), and libyaml's parser time in the square of flow nesting.
_MAX_READ_DEPTH = 10_000
#: The stack of a thread that composes deeper documents: about three times the measured need.
_STACK_BASE = 1 << 20
_STACK_PER_LEVEL = 1 << 10
_STACK_LOCK = threading.Lock()  # threading.stack_size() is process-wide


class _DeepLoader(yaml.SafeLoader):
    """Pure PyYAML for text nested past libyaml's own ceiling: any depth, in linear time.

    Some libyaml builds refuse nesting past a fixed ceiling (PyYAML 6.0.4's
    bundled libyaml: 1,000 levels) with an error of their own. This reads such
    text instead, with the same events and marks as PyYAML's pure parser and
    the same nodes as its composer, but the composer keeps its open
    collections in a list instead of recursing (10,000 levels would need
    20,000 Python frames), and the scanner finds the oldest possible simple
    key without visiting them all (PyYAML's loops make flow nesting take time
    in its square: 20 s for 10,000 ``[``).
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # Closing n block levels queues n tokens at once: PyYAML's list.pop(0) then
        # takes time in n squared (a million "- " took six minutes), a deque does not.
        self.tokens: Any = collections.deque(self.tokens)  # the stream start, queued already

    def get_token(self) -> Any:
        """PyYAML's ``get_token``, taking the token from the front of the deque."""
        while self.need_more_tokens():
            self.fetch_more_tokens()
        if self.tokens:
            self.tokens_taken += 1
            return self.tokens.popleft()
        return None

    def next_possible_simple_key(self) -> int | None:
        """PyYAML's answer (the smallest token number of any possible simple key), in O(1).

        Keys enter the dict in the order they are saved (a key saved again
        is deleted first) and token numbers only grow, so the first is the smallest.
        """
        for key in self.possible_simple_keys.values():
            return int(key.token_number)
        return None

    def stale_possible_simple_keys(self) -> None:
        """Drop keys no longer possible, as PyYAML does, visiting only those dropped.

        Keys are in the order they were saved, so their lines and indexes
        only grow: the stale ones (an earlier line, or over 1,024 characters
        back) come first, and the first one that is not ends the search.
        """
        keys = self.possible_simple_keys
        while keys:
            level = next(iter(keys))
            key = keys[level]
            if key.line == self.line and self.index - key.index <= 1024:
                return
            if key.required:
                raise ScannerError(
                    "while scanning a simple key",
                    key.mark,
                    "could not find expected ':'",
                    self.get_mark(),
                )
            del keys[level]

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        """PyYAML's ``compose_node``, with the collections being built on a list.

        Each frame is a collection and its entry count (a sequence) or the key
        waiting for its value (a mapping, None when none waits); the parser is
        asked for the same events in the same order as the recursive composer.
        """
        frames: list[list[Any]] = []
        events: Any = self  # PyYAML's parser methods are untyped
        while True:
            node, done = self._open_node(parent, index)
            if not done:
                frames.append([node, 0 if isinstance(node, SequenceNode) else None])
            elif not frames:
                return node
            else:
                _attach(frames[-1], node)
            while True:  # close the collections that end here
                collection, slot = frames[-1]
                if isinstance(collection, MappingNode) and slot is not None:
                    break  # a key waits for its value
                end = SequenceEndEvent if isinstance(collection, SequenceNode) else MappingEndEvent
                if not events.check_event(end):
                    break
                collection.end_mark = events.get_event().end_mark
                self.ascend_resolver()
                frames.pop()
                if not frames:
                    return collection  # type: ignore[no-any-return]
                _attach(frames[-1], collection)
            parent, index = frames[-1]

    def _open_node(self, parent: Node | None, index: Any) -> tuple[Node, bool]:
        """A scalar or alias node (done), or a collection just started (not done)."""
        events: Any = self  # PyYAML's parser and resolver methods are untyped
        if events.check_event(AliasEvent):
            event = events.get_event()
            anchor = event.anchor
            if anchor not in self.anchors:
                raise ComposerError(
                    None, None, f"found undefined alias {anchor!r}", event.start_mark
                )
            return self.anchors[anchor], True
        event = events.peek_event()
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self.anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        self.descend_resolver(parent, index)
        if events.check_event(ScalarEvent):
            scalar = self.compose_scalar_node(anchor)
            self.ascend_resolver()
            return scalar, True
        start = events.get_event()
        kind: type[SequenceNode] | type[MappingNode] = (
            SequenceNode if isinstance(start, SequenceStartEvent) else MappingNode
        )
        tag = start.tag
        if tag is None or tag == "!":
            tag = events.resolve(kind, None, start.implicit)
        node = kind(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        return node, False


def _attach(frame: list[Any], child: Node) -> None:
    """Add a finished node to the collection of ``frame`` (see :meth:`_DeepLoader.compose_node`)."""
    collection, slot = frame
    if isinstance(collection, SequenceNode):
        collection.value.append(child)
        frame[1] = slot + 1
    elif slot is None:
        frame[1] = child
    else:
        collection.value.append((slot, child))
        frame[1] = None


@functools.cache
def _ceiling_problem() -> str | None:
    """libyaml's complaint when text nests past its own ceiling; None if it reads all we read.

    Probed once, on the first libyaml error that might be it: a block
    sequence one level deeper than the most this linter reads (linear time
    for libyaml, a few milliseconds).
    """
    libyaml: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
    if libyaml is None:  # pragma: no cover - depends on how PyYAML was built
        return None
    loader = libyaml("- " * (_MAX_READ_DEPTH + 1) + "x")
    next_event: Callable[[], Any] = loader.get_event
    try:
        while next_event() is not None:
            pass
    except yaml.MarkedYAMLError as err:
        return err.problem
    finally:
        loader.dispose()
    return None


def _past_ceiling(err: yaml.MarkedYAMLError) -> bool:
    """Whether libyaml refused the text for nesting past its own ceiling (not a syntax error)."""
    return err.problem is not None and err.problem == _ceiling_problem()


#: Characters libyaml ends a line at, besides "\n" ("\r\n" counts once).
_BREAKS = "\n\r\x85\u2028\u2029"
#: A "---" that starts a document if it starts a line (checked apart: a lookbehind is slow).
_DASHES = re.compile(r"---(?=[ \t\r\n\x85\u2028\u2029]|\Z)")
#: The long prefixes looked for are multiples of this (a few patterns serve every file).
_PREFIX_STEP = 50


@functools.lru_cache(maxsize=64)
def _long_prefix(length: int, any_break: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns for the first line and for any other line that starts with ``length``
    characters of indentation or indicators (a pattern that starts with a line feed is
    found much faster than one that starts with ``^``).
    """
    run = f"[ \\t?:-]{{{length}}}"
    after = f"[{_BREAKS}]" if any_break else "\n"
    return re.compile(run), re.compile(after + run)


def _shallow(text: str) -> bool:
    """Whether ``text`` surely nests at most ``_DIRECT_DEPTH`` levels (cheap and conservative).

    A flow collection adds one level per ``[`` or ``{``, so at most as many as
    the text has. A block collection starts at the end of its line's run of
    spaces and ``- ``/``? ``/``: `` indicators (a ``-`` after an anchor or tag is
    refused) and deeper than its parent, but for a sequence at its mapping's
    column: a text whose lines all start with runs of at most ``w`` such
    characters nests at most ``2 * (w + 1)`` block levels.
    """
    brackets = text.count("[") + text.count("{")
    widest = ((_DIRECT_DEPTH - brackets) // 2 - 1) // _PREFIX_STEP * _PREFIX_STEP
    if widest < _PREFIX_STEP:
        return False
    any_break = (
        ("\r" in text and text.count("\r") != text.count("\r\n"))
        or "\x85" in text
        or "\u2028" in text
        or "\u2029" in text
    )
    first, other = _long_prefix(widest + 1, any_break)
    return first.match(text) is None and other.search(text) is None


@dataclass(frozen=True)
class _Stop:
    """The first document the composer must not read: where it starts and why.

    Offsets are in characters from where the scan started, lines and columns
    0-based from there.
    """

    start: int  # the offset where the document starts (its "---", directives included)
    document: int  # its index in the text
    offset: int  # where it passes the limit: its node at the limit, or its root node
    line: int
    column: int
    too_many: bool = False  # past the document limit (else past the depth limit)


_STEPS: dict[type, int] = {
    SequenceStartEvent: 1,
    MappingStartEvent: 1,
    SequenceEndEvent: -1,
    MappingEndEvent: -1,
    DocumentStartEvent: 0,
}


class _Chunks:
    """``text[start:]`` as a stream read in growing pieces: a scan that stops early reads
    little, and the text is never copied whole (libyaml copies a string it is given).
    """

    def __init__(self, text: str, start: int, end: int | None = None) -> None:
        self.text = text
        self.at = start
        self.end = len(text) if end is None else end
        self.size = 1024

    def read(self, size: int) -> str:
        end = min(self.at + min(size, self.size), self.end)
        chunk = self.text[self.at : end]
        self.at = end
        self.size *= 2
        return chunk


def _scan(
    text: str, start: int, max_depth: int, max_documents: int, end: int | None = None
) -> tuple[int, _Stop | None]:
    """Run libyaml's parser over ``text[start:end]`` up to the first document past a limit.

    Returns the deepest nesting of the documents before that one (the levels
    the composer must hold) and where that document starts and passes the
    limit; None if there is no such document. The parser is a state machine
    with its stacks on the heap (a million levels cost it no C stack), but it
    takes time in the square of flow nesting, so stopping at ``max_depth``
    keeps the pass short. A syntax error ends the pass: the composer stops
    there as well, no deeper than the pass went.

    A libyaml that refuses nesting past a ceiling of its own does so ahead of
    the events it has given (it looks up to 1,024 characters ahead for a
    simple key): from the document it refused, the pure parser scans on, so
    the stop is where the limit is passed, whatever libyaml's ceiling.
    """
    try:
        return _scan_with(_Loader, text, start, max_depth, max_documents, end)
    except _CeilingHit as hit:
        settled = hit.settled
        # A document after the first starts a line ("---" or a directive): scan from there.
        begins, document, line = (
            (hit.begins, hit.document, hit.line) if hit.document > 0 else (0, 0, 0)
        )
    levels, stop = _scan_with(
        _DeepLoader, text, start + begins, max_depth, max_documents - document, end
    )
    if stop is not None:
        stop = _Stop(
            stop.start + begins,
            stop.document + document,
            stop.offset + begins,
            stop.line + line,
            stop.column,
            stop.too_many,
        )
    return max(levels, settled), stop


class _CeilingHit(Exception):
    """libyaml refused a document for nesting past its own ceiling, in a scan.

    ``begins``, ``line`` and ``document`` say where that document starts (as
    in :class:`_Stop`), ``settled`` how deep the documents before it nest.
    """

    def __init__(self, begins: int, line: int, document: int, settled: int) -> None:
        self.begins, self.line, self.document, self.settled = begins, line, document, settled


def _scan_with(
    loader_class: type[yaml.SafeLoader],
    text: str,
    start: int,
    max_depth: int,
    max_documents: int,
    end: int | None = None,
) -> tuple[int, _Stop | None]:
    """:func:`_scan` with one parser; raises :class:`_CeilingHit` if libyaml's ceiling ends it."""
    loader = loader_class(_Chunks(text, start, end))  # type: ignore[arg-type]
    next_event: Callable[[], Any] = loader.get_event
    steps = _STEPS
    depth = deepest = settled = 0
    document, begins, line = -1, 0, 0
    try:
        while (event := next_event()) is not None:
            step = steps.get(type(event))
            if step is None:
                continue
            if step > 0:
                if depth >= max_depth:
                    mark = event.start_mark
                    return settled, _Stop(begins, document, mark.index, mark.line, mark.column)
                depth += 1
                if depth > deepest:
                    deepest = depth
            elif step < 0:
                depth -= 1
            else:
                mark = event.start_mark
                document, begins, line, settled = document + 1, mark.index, mark.line, deepest
                if document >= max_documents:
                    root = next_event()  # the limit is reported at the root node
                    mark = (root or event).start_mark
                    return settled, _Stop(
                        begins, document, mark.index, mark.line, mark.column, too_many=True
                    )
    except yaml.MarkedYAMLError as err:
        if loader_class is _Loader and _past_ceiling(err):
            raise _CeilingHit(begins, line, document, settled) from None
    except (yaml.YAMLError, ValueError, OverflowError):  # the read reports what it was
        pass
    finally:
        loader.dispose()
    return deepest, None


def _next_document(text: str, offset: int) -> int | None:
    """The offset of the first ``---`` line after ``offset`` (libyaml ends any document there)."""
    for match in _DASHES.finditer(text, offset):
        at = match.start()
        if at == 0 or text[at - 1] in _BREAKS:
            return at
    return None


def _breaks(text: str, start: int, end: int) -> int:
    """Line breaks in ``text[start:end]``, counted as libyaml counts lines."""
    count = text.count
    crlf = count("\r\n", start, end)
    return (
        count("\n", start, end)
        + count("\r", start, end)
        - crlf
        + count("\x85", start, end)
        + count("\u2028", start, end)
        + count("\u2029", start, end)
    )


class _NoStack(Exception):
    """No thread with the stack a deep document needs could be started."""


_T = TypeVar("_T")


def _on_stack(levels: int, call: Callable[[], _T]) -> _T:
    """``call()``, on a thread with a stack for ``levels`` of libyaml's composer if needed.

    Up to ``_DIRECT_DEPTH`` levels it runs here; deeper (a raised
    ``--max-depth``), on a new thread sized for them, waited for. Raises
    :class:`_NoStack` when that thread cannot be started (too large a stack).
    """
    if levels <= _DIRECT_DEPTH:
        return call()
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as err:  # handed to the waiting thread
            outcome.append((False, err))

    with _STACK_LOCK:
        try:
            previous = threading.stack_size(_STACK_BASE + levels * _STACK_PER_LEVEL)
        except (ValueError, OverflowError, RuntimeError) as err:
            raise _NoStack from err
        try:
            worker = threading.Thread(target=run, name="sidecar-lint-deep-yaml", daemon=True)
            worker.start()
        except (RuntimeError, MemoryError) as err:
            raise _NoStack from err
        finally:
            threading.stack_size(previous)
    worker.join()
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]


def _first_too_deep(root: Node, max_depth: int) -> Node | None:
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
                if key_node.tag == _MERGE_TAG:
                    children.extend((s, depth + 2) for s in _merge_sources(value_node))
                else:
                    children.append((value_node, depth + 1))
        stack.extend(reversed(children))
    return None


def _load_yaml(
    source: SourceFile,
    text: str,
    line_offset: int,
    first_index: int,
    documents: list[Document],
    problems: list[ParseProblem],
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Parse documents from ``text`` (which starts at ``line_offset`` in the file).

    Unless ``text`` is surely shallow, each stretch is scanned first and cut
    before the first document past a limit (see the module docstring). A
    stretch is ``text[at:]``: after a deep document it is never copied
    whole, so a file of many costs its size, not its size times their number.
    """
    guarded = not _shallow(text)
    max_depth, why = limits.max_depth, "limit"
    if max_depth > _MAX_READ_DEPTH:
        max_depth, why = _MAX_READ_DEPTH, "ceiling"
    at = 0
    size = 0  # after the first syntax error, read on window by window
    while True:
        room = limits.max_documents - first_index
        window = _window_end(text, at, size) if size else None
        end = len(text) if window is None else window[0]
        stop, levels = None, 0
        if guarded:
            levels, stop = _scan(text, at, max_depth, room, end)
        phantom: int | None = None
        if stop is not None:
            head = text[at : at + stop.start]
        elif window is not None:
            head, phantom = text[at : window[1]], _breaks(text, at, window[0])
        else:
            head = text[at:]
        before = len(documents), len(problems)
        try:
            outcome = _on_stack(
                levels,
                functools.partial(
                    _read_stretch,
                    source,
                    head,
                    line_offset,
                    first_index,
                    documents,
                    problems,
                    limits,
                    phantom,
                ),
            )
        except _NoStack:
            max_depth, why = _DIRECT_DEPTH, "stack"
            continue
        if isinstance(outcome, _Failure) and not guarded:
            # A document that passes the depth limit before the error is reported as too
            # deep, as it is when the scan meets it first (in text that is not shallow).
            _, stop = _scan(text, at, max_depth, room, end)
            if stop is not None and not stop.too_many:
                del documents[before[0] :], problems[before[1] :]
                head = text[at : at + stop.start]
                outcome = _read_stretch(
                    source, head, line_offset, first_index, documents, problems, limits
                )
        if isinstance(outcome, _Failure):
            problems.append(
                ParseProblem(
                    outcome.message,
                    outcome.line + line_offset,
                    outcome.column,
                    outcome.index,
                    _hint(head),
                )
            )
            # Resume at the next document start after the error, if there is one.
            rest = head if stop is None else text[at : len(text) if window is None else window[1]]
            restart = _next_document_start(rest, outcome.line)
            if restart is None:
                if window is None:
                    return
                restart = window[0] - at  # the window's closing "---" starts the next one
            line_offset += rest.count("\n", 0, restart)
            at += restart
            first_index = outcome.index + 1
            size = _WINDOW
            continue
        if stop is None:
            if window is None or outcome.full:
                return
            line_offset += _breaks(text, at, window[0])
            at = window[0]
            first_index = outcome.next_index
            size *= 2
            continue
        if stop is None:
            return
        line, index = stop.line + line_offset, first_index + stop.document
        if stop.too_many:
            problems.append(_too_many(limits.max_documents, line, stop.column, index))
            return
        problems.append(_too_deep(max_depth, line, stop.column, index, why))
        # libyaml ends every document at a "---" line: read on from the next one.
        passed = at + stop.offset
        restart = _next_document(text, passed)
        if restart is None:
            return
        line_offset = line + _breaks(text, passed, restart)
        at = restart
        first_index = index + 1


@dataclass(frozen=True)
class _Failure:
    """Why reading a stretch of YAML stopped, and where (the line relative to the stretch).

    ``marked`` is set for syntax errors, the ones pure PyYAML describes best;
    ``ceiling`` when libyaml refused nesting past a ceiling of its own.
    """

    message: str
    line: int
    column: int
    index: int
    marked: bool = False
    ceiling: bool = False


@dataclass(frozen=True)
class _Done:
    """A stretch read to its end: the index the next document gets, and whether to stop.

    ``full`` is set when the document limit was reached (reported already).
    """

    next_index: int
    full: bool = False


#: After a syntax error, reading goes on in windows that start at about this many
#: characters and double while they read cleanly, each ending at a bare ``---`` line: a
#: file of many broken documents costs about its size, not its size for every error.
_WINDOW = 4 * 1024

#: A line holding only a document start marker (and perhaps a comment): a safe window end.
_BARE_START = re.compile(r"^---[ \t]*(?:#[^\r\n]*)?\r?$", re.MULTILINE)


def _window_end(text: str, at: int, size: int) -> tuple[int, int] | None:
    """Where the window from ``at`` ends: (start, end) of its closing bare ``---`` line.

    None when no such line follows ``at + size``: the window is the rest of the text.
    The line itself belongs to both windows: this one reads it as the start of an empty
    document (dropped), so an error that only shows at the next document is described as
    in one read; the next window starts with it.
    """
    match = _BARE_START.search(text, at + size)
    while match is not None and match.start() > 0 and text[match.start() - 1] not in _BREAKS:
        match = _BARE_START.search(text, match.start() + 1)
    if match is None:
        return None
    end = match.end()
    if text.startswith("\r\n", end):
        end += 2
    elif end < len(text) and text[end] in _BREAKS:
        end += 1
    return match.start(), end


def _read_stretch(
    source: SourceFile,
    text: str,
    line_offset: int,
    first_index: int,
    documents: list[Document],
    problems: list[ParseProblem],
    limits: Limits,
    phantom: int | None = None,
) -> _Failure | _Done:
    """Read ``text`` with libyaml; on a syntax error, read it again with pure PyYAML.

    Pure PyYAML is the reference for error texts and positions (errors are
    rare, so speed is moot), but it recurses per nesting level and refuses
    the whole text for one bad character: when it cannot read the stretch
    at all, libyaml's reading and its own error stand, so a document is
    never reported twice or placed away from its error.

    Where libyaml refuses nesting past a ceiling of its own, the pure parser
    that reads any depth (:class:`_DeepLoader`) reads the stretch, and its
    reading stands (the depth limit is checked on it as on libyaml's).
    """

    def read(loader_class: type[yaml.SafeLoader]) -> _Failure | _Done:
        return _read_with(
            loader_class,
            source,
            text,
            line_offset,
            first_index,
            documents,
            problems,
            limits,
            phantom,
        )

    docs_before, problems_before = len(documents), len(problems)
    failure = read(_Loader)
    if isinstance(failure, _Done) or not failure.marked or _Loader is yaml.SafeLoader:
        return failure
    kept = documents[docs_before:], problems[problems_before:]
    del documents[docs_before:], problems[problems_before:]
    if failure.ceiling:
        return read(_DeepLoader)
    again = read(yaml.SafeLoader)
    if isinstance(again, _Done) or again.marked:
        return again
    documents[docs_before:], problems[problems_before:] = kept
    return failure


def _read_with(
    loader_class: type[yaml.SafeLoader],
    source: SourceFile,
    text: str,
    line_offset: int,
    first_index: int,
    documents: list[Document],
    problems: list[ParseProblem],
    limits: Limits,
    phantom: int | None = None,
) -> _Failure | _Done:
    """Append the documents of ``text`` up to its first error, which is returned.

    ``phantom`` is the line of a bare ``---`` that ends ``text`` and whose (empty)
    document belongs to the next window: it is read, so that errors read the
    same as in one read, but dropped.
    """
    index = first_index
    loader: yaml.SafeLoader | None = None
    try:
        loader = loader_class(text)  # pure PyYAML checks every character here
        while loader.check_node():
            node = loader.get_node()
            if phantom is not None and node is not None and _after_start(node, phantom):
                break  # the next window's document start
            if index >= limits.max_documents:
                mark = node.start_mark if node is not None else None
                problems.append(
                    _too_many(
                        limits.max_documents,
                        (mark.line if mark else 0) + line_offset,
                        mark.column if mark else 0,
                        index,
                    )
                )
                return _Done(index, full=True)
            if node is not None:
                try:
                    documents.append(
                        _build_document(source, node, index, line_offset, limits.max_depth)
                    )
                except _TooDeep as deep:
                    # The walk goes last child first: name the first node past the limit.
                    first = _first_too_deep(node, limits.max_depth) or deep.node
                    mark = first.start_mark
                    problems.append(
                        _too_deep(limits.max_depth, mark.line + line_offset, mark.column, index)
                    )
            index += 1
        return _Done(index)
    except yaml.MarkedYAMLError as err:
        ceiling = loader_class is _Loader and _past_ceiling(err)
        return _Failure(*_marked(err, text, line_offset), index, marked=True, ceiling=ceiling)
    except RecursionError:
        return _Failure("nesting is too deep to read", 0, 0, index)
    except yaml.reader.ReaderError as err:  # control characters and the like
        # libyaml counts bytes of the UTF-8 encoding, pure PyYAML characters.
        position = err.position
        if loader_class is not yaml.SafeLoader:
            position = _char_index(text, position)
        char = err.character if isinstance(err.character, str) else chr(err.character)
        message = f"unacceptable character {char!r} (#x{ord(char):04x}): {err.reason}"
        return _Failure(message, *_line_column(text, position), index)
    except (ValueError, OverflowError):  # an escape past U+10FFFF: the scanners call chr()
        return _Failure(*_bad_escape(text), index)
    except yaml.YAMLError as err:  # pragma: no cover - every other error is marked
        return _Failure(str(err).splitlines()[0], 0, 0, index)
    finally:
        if loader is not None:
            loader.dispose()


_LONG_ESCAPE = re.compile(r"\\U([0-9A-Fa-f]{8})")


def _bad_escape(text: str) -> tuple[str, int, int]:
    """(message, line, column) for a ``\\U`` escape that names no Unicode character.

    Both of PyYAML's scanners raise a bare ValueError (or OverflowError) for it,
    without a position: the first such escape in the text is the one they met.
    """
    for match in _LONG_ESCAPE.finditer(text):
        if int(match[1], 16) > 0x10FFFF:
            return (
                f"found unknown escape character: {match[0]} is past U+10FFFF, the last "
                "Unicode code point",
                *_line_column(text, match.start()),
            )
    return "found an escape that names no Unicode character", 0, 0


def _after_start(node: Node, line: int) -> bool:
    """Whether ``node`` lies after the ``---`` that starts ``line`` (its document's content).

    An empty document just before that line has its null node marked at the
    ``---`` itself (line, column 0); the document the ``---`` starts is marked later.
    """
    mark = node.start_mark
    return mark.line > line or (mark.line == line and mark.column > 0)


def _marked(err: yaml.MarkedYAMLError, text: str, line_offset: int) -> tuple[str, int, int]:
    """(message, line, column) of a syntax error, the line relative to ``text``."""
    mark = err.problem_mark or err.context_mark
    if err.context_mark is not None and _past_content(text, mark):
        mark = err.context_mark  # "unclosed [" at end of file: point at the "["
    line, column = (mark.line, mark.column) if mark else (0, 0)
    if _past_content(text, mark):  # never point at a line that does not exist
        line, column = _end_of_content(text)
    return _describe(err, line_offset), line, column


def _too_deep(
    max_depth: int, line: int, column: int, index: int, why: str = "limit"
) -> ParseProblem:
    """The problem for a document that nests deeper than the limit, at the first node past it.

    ``why`` is "limit" for ``--max-depth``; "ceiling" when the limit is
    ``_MAX_READ_DEPTH``, below a raised ``--max-depth``; "stack" when it is
    what the calling thread's stack holds, as no thread with a deeper stack
    could be started.
    """
    if why == "ceiling":
        reason = "the most this linter reads, whatever --max-depth says"
    elif why == "stack":
        reason = "no thread with a stack for more could be started; lower --max-depth"
    else:
        reason = "raise the limit with --max-depth"
    return ParseProblem(
        f"nesting deeper than {max_depth} levels: this document is not linted ({reason})",
        line,
        column,
        index,
    )


def _too_many(max_documents: int, line: int, column: int, index: int) -> ParseProblem:
    """The problem for the first document past the document limit, at its root node."""
    return ParseProblem(
        f"more than {max_documents} documents in one file: the "
        "rest is not read (raise the limit with --max-documents)",
        line,
        column,
        index,
    )


def _char_index(text: str, byte_offset: int) -> int:
    """The index in ``text`` of the character at ``byte_offset`` of its UTF-8 encoding."""
    # Each character takes at least one byte, so the prefix holds the offset.
    encoded = text[:byte_offset].encode("utf-8", "surrogatepass")
    return len(encoded[:byte_offset].decode("utf-8", "ignore"))


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """0-based (line, column) of the character at ``offset`` of ``text``."""
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


def _past_content(text: str, mark: Any) -> bool:
    """Whether a mark lies after the last non-blank character (the end of the stream)."""
    if mark is None:
        return False
    lines = text.splitlines()
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    return bool(mark.line > last or (mark.line == last and mark.column >= len(lines[last])))


def _end_of_content(text: str) -> tuple[int, int]:
    """(line, column) just after the last non-blank character, 0-based."""
    lines = text.splitlines()
    last = len(lines) - 1
    while last > 0 and not lines[last].strip():
        last -= 1
    return max(last, 0), len(lines[last].rstrip()) if lines else 0


def _next_document_start(text: str, error_line: int) -> int | None:
    """Offset of the first ``---`` line at or after ``error_line`` (0-based).

    The parser often reports a broken document at the next ``---``, so that
    line is a valid restart; offset 0 is not (it would fail the same way again).
    """
    pos = 0
    for _ in range(error_line):
        nl = text.find("\n", pos)
        if nl < 0:
            return None
        pos = nl + 1
    match = _DOCUMENT_START.search(text, pos)
    if match is not None and match.start() == 0:
        match = _DOCUMENT_START.search(text, 1)
    return match.start() if match else None


def _describe(err: yaml.MarkedYAMLError, line_offset: int) -> str:
    """PyYAML's problem text, with the place its context started when that differs."""
    message = err.problem or err.context or "invalid YAML"
    ctx, mark = err.context, err.context_mark
    if ctx and err.problem and mark is not None:
        problem = err.problem_mark
        if problem is None or (mark.line, mark.column) != (problem.line, problem.column):
            message += (
                f" ({ctx} started at line {mark.line + line_offset + 1}, column {mark.column + 1})"
            )
        else:
            message += f" ({ctx})"
    return message


#: What to do with a Helm chart instead of linting its templates (shared with SL001).
RENDER_HINT = "lint the rendered output instead, e.g. `helm template CHART | sidecar-lint -`"


def _hint(text: str) -> str | None:
    if "{{" in text and "}}" in text:
        return f"this looks like an unrendered Helm/Go template; {RENDER_HINT}"
    return None


def _raw(node: Node, line_offset: int) -> RawRange:
    start, end = node.start_mark, node.end_mark
    return (start.line + line_offset, start.column, end.line + line_offset, end.column)


#: Positions are recorded this many levels down; a deeper node is placed at its
#: ancestor at this depth. Findings sit far higher (a CronJob's container field is
#: 10 levels down), and a table of every path of deep text costs memory in the
#: square of its depth: 2 MB of 255-deep documents took 1.4 GB before this bound.
_SPAN_DEPTH = 64


def _build_document(
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
        if len(pointer) <= _SPAN_DEPTH:
            spans[pointer] = NodeSpan(_raw(node, line_offset), key_range)
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
                    ignored.append(IgnoredTag(pointer, tag, _raw(node, line_offset), reason))
            else:
                ignored.append(IgnoredTag(pointer, tag, _raw(node, line_offset)))
                value = node.value
            built[id(node)] = value
            return value
        if tag not in (_MAP_TAG, _SEQ_TAG):
            ignored.append(IgnoredTag(pointer, tag, _raw(node, line_offset)))
        if len(pointer) >= max_depth:
            raise _TooDeep(node)
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
            key_range = _raw(key_node, line_offset)
            if key_node.tag == _MERGE_TAG:
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
        start=_raw(root, line_offset),
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


def _expand_lists(documents: list[Document]) -> list[Document]:
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


def iter_documents(loaded: LoadedSource) -> Iterator[Document]:
    """The Kubernetes objects of a loaded file, in file order."""
    return (doc for doc in loaded.documents if doc.is_kubernetes_object)


def load_bytes(
    path: str, raw: bytes, limits: Limits = DEFAULT_LIMITS, fast: bool = False
) -> LoadedSource:
    """Decode and parse one file's bytes; undecodable or binary input is a problem, not a crash."""
    if len(raw) > limits.max_file_bytes:
        message = (
            f"file is {_size(len(raw))}, above the {_size(limits.max_file_bytes)} limit: not "
            "read (raise it with --max-file-size)"
        )
        return LoadedSource(SourceFile(path, ""), [], [ParseProblem(message, 0, 0, 0)])
    try:
        text = decode(raw)
    except UnicodeDecodeError as err:
        return LoadedSource(SourceFile(path, ""), [], [_undecodable(raw, err)])
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _line_column(text, nul)
        problem = ParseProblem("contains a NUL character (binary file?)", line, column, 0)
        return LoadedSource(SourceFile(path, text), [], [problem])
    return load_source(SourceFile(path, text), limits, fast)


def _undecodable(raw: bytes, err: UnicodeDecodeError) -> ParseProblem:
    """The encoding the file claims, the first byte it cannot decode, and where that byte is.

    ``err`` counts from after the BOM; the text before the bad byte decodes,
    so its line and column are in characters, like every other position.
    """
    codec, bom = _encoding(raw)
    offset = bom + err.start
    before = raw[bom:offset].decode(codec, "replace")
    line, column = _line_column(before, len(before))
    bad = raw[offset : offset + 1].hex()
    message = f"not {codec.upper()} text: byte 0x{bad} cannot be decoded (binary file?)"
    return ParseProblem(message, line, column, 0)


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n} bytes"
