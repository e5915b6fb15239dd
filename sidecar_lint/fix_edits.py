"""A check's fix intent as text edits over the file, from the document's exact spans.

Nothing is re-serialised: each edit replaces, inserts or deletes a stretch of
the original text, so every byte outside the edits stays as it was (comments,
quotes, flow or block style, indentation, line endings, the other documents).
Inserted YAML copies its neighbours: their indentation, whether sequence
items are indented under their key, flow braces, quoting, and the file's line
break; a JSON object gets JSON.

An intent is refused (:class:`Refused`, so no fix is offered) where editing
text could mean more than the intent says: a span holding an anchor, alias,
merge key or template expression, a node reached through an alias, a block
scalar to rewrite, or a layout these edits do not know (a ``- - `` item).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from sidecar_lint.document import Document, NodeSpan, Pointer, RawRange, Span
from sidecar_lint.findings import Edit
from sidecar_lint.fix_intents import (
    MoveEntry,
    MoveItems,
    Operation,
    RemoveEntry,
    RemoveItem,
    RenameKey,
    SetEntry,
)
from sidecar_lint.pointers import get_at


class Refused(Exception):
    """The intent cannot be carried out by text edits safely here: no fix is offered."""


@dataclass(frozen=True, order=True)
class TextEdit:
    """Replace ``text[start:end]`` by ``replacement`` (offsets into the source text)."""

    start: int
    end: int
    replacement: str


#: Line breaks as YAML counts lines (PyYAML and the span table agree on these).
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
#: An anchor or alias where a node may start; merge keys; template expressions.
_ANCHOR = re.compile(r"(?:^|(?<=[\s\[{,]))[&*](?![&*\s])", re.MULTILINE)
_MERGE = re.compile(r"<<\s*:")
_TEMPLATE = ("{{", "{%")
_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$", re.MULTILINE)
_DASH = re.compile(r"[ \t]*-[ \t]+")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


class Lines:
    """Where each line of a text starts, counted as YAML counts lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.breaks: list[str] = []
        for match in _BREAK.finditer(text):
            self.starts.append(match.end())
            self.breaks.append(match.group())
        self.newline = "\r\n" if "\r\n" in self.breaks else "\n"

    def offset(self, line: int, column: int) -> int:
        """The offset of 0-based ``line`` and ``column`` (columns count characters)."""
        return self.starts[line] + column

    def line_text(self, line: int) -> str:
        """Line ``line`` without its break ("" past the end)."""
        if line >= len(self.starts):
            return ""
        return self.text[self.starts[line] : self.line_end(line)]

    def line_end(self, line: int) -> int:
        """The offset just before line ``line``'s break (the end of the text on the last line)."""
        if line + 1 < len(self.starts):
            return self.starts[line + 1] - len(self.breaks[line])
        return len(self.text)

    def next_line_start(self, line: int) -> int | None:
        """The offset where the line after ``line`` starts; None when ``line`` is the last."""
        return self.starts[line + 1] if line + 1 < len(self.starts) else None

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


_LAST: list[Lines] = []


def lines_of(text: str) -> Lines:
    """The line table of ``text``, kept for the last text asked about (one file at a time)."""
    if _LAST and _LAST[0].text is text:
        return _LAST[0]
    table = Lines(text)
    _LAST[:] = [table]
    return table


def to_edits(text: str, edits: list[TextEdit]) -> tuple[Edit, ...]:
    """Offsets as 1-based spans (what findings and reports carry)."""
    table = lines_of(text)
    out = []
    for e in sorted(edits):
        (a, b), (c, d) = table.position(e.start), table.position(e.end)
        out.append(Edit(Span(a, b, c, d), e.replacement))
    return tuple(out)


def to_offsets(text: str, edits: tuple[Edit, ...]) -> list[TextEdit]:
    """The inverse of :func:`to_edits` for ``text`` (the text the spans were made from)."""
    table = lines_of(text)
    return [
        TextEdit(
            table.offset(e.span.start_line - 1, e.span.start_col - 1),
            table.offset(e.span.end_line - 1, e.span.end_col - 1),
            e.replacement,
        )
        for e in edits
    ]


def build_edits(document: Document, operation: Operation) -> list[TextEdit]:
    """The text edits that carry out ``operation`` on ``document``; raises :class:`Refused`."""
    if document.duplicate_keys or document.complex_keys:
        raise Refused("the document has duplicate or complex keys")
    editor = _Editor(document)
    if isinstance(operation, SetEntry):
        return editor.set_entry(operation)
    if isinstance(operation, RenameKey):
        return editor.rename_key(operation)
    if isinstance(operation, RemoveItem):
        return editor.remove_item(operation.pointer)
    if isinstance(operation, RemoveEntry):
        return editor.remove_entry(operation.pointer[:-1], operation.pointer[-1])
    if isinstance(operation, MoveEntry):
        return editor.move_entry(operation)
    return editor.move_items(operation)


class _Editor:
    """Text edits on one document, with the guards every operation shares."""

    def __init__(self, document: Document) -> None:
        self.doc = document
        self.text = document.source.text
        self.lines = lines_of(self.text)
        root = document.node_span(())
        self.json = root is not None and document.source.path.lower().endswith(".json")

    # ----------------------------------------------------------------- spans and guards

    def span(self, pointer: Pointer) -> NodeSpan:
        """The node at ``pointer``, reached directly (no alias, merge or shared node on the way)."""
        found = self.doc.node_span(pointer)
        if found is None:
            raise Refused(f"no position for {pointer!r}")
        parent: NodeSpan | None = None
        for depth in range(len(pointer) + 1):
            current = self.doc.node_span(pointer[:depth])
            if current is None:
                raise Refused("no position on the way")
            value = current.value
            if current.key is not None and value[:2] < current.key[2:]:
                raise Refused("a node reached through an alias")
            if parent is not None and not (
                parent.value[:2] <= value[:2] and value[2:] <= parent.value[2:]
            ):
                raise Refused("a node outside its parent (an alias)")
            if depth and isinstance(pointer[depth - 1], int) and pointer[depth - 1] > 0:
                before = self.doc.node_span((*pointer[: depth - 1], pointer[depth - 1] - 1))
                if before is not None and before.value[2:] > value[:2]:
                    raise Refused("a sequence item shared through an alias")
            if self.doc.node_span((*pointer[:depth], "<<", 0)) is not None:
                raise Refused("a merge key on the way")
            parent = current
        return found

    def offsets(self, raw: RawRange) -> tuple[int, int]:
        return self.lines.offset(raw[0], raw[1]), self.lines.offset(raw[2], raw[3])

    def node_text(self, raw: RawRange) -> str:
        start, end = self.offsets(raw)
        return self.text[start:end]

    def guard(self, text: str) -> None:
        """Refuse text holding an anchor, alias, merge key or template expression."""
        if any(mark in text for mark in _TEMPLATE):
            raise Refused("a template expression")
        bare = _COMMENT.sub("", text)
        if _ANCHOR.search(bare) or _MERGE.search(bare):
            raise Refused("an anchor, alias or merge key")

    def last_line(self, raw: RawRange, floor: int) -> int:
        """The last line (0-based) holding part of the node ``raw``, at least ``floor``."""
        if raw[:2] == raw[2:]:  # an empty node (a null value)
            return floor
        return max(self.doc.source.to_span(raw).end_line - 1, floor)

    def entry_last_line(self, pointer: Pointer) -> int:
        """The last line of the mapping entry or sequence item at ``pointer``."""
        node = self.span(pointer)
        floor = node.key[2] if node.key is not None else node.value[0]
        return self.last_line(node.value, floor)

    def is_flow(self, raw: RawRange) -> bool:
        start, _ = self.offsets(raw)
        return self.text[start : start + 1] in ("{", "[")

    def data(self, pointer: Pointer) -> Any:
        return get_at(self.doc.data, pointer)

    # ----------------------------------------------------------------- rendering

    def scalar(self, value: str, like: str | None) -> str:
        """``value`` as a YAML scalar quoted as ``like`` (a neighbour's text) is."""
        if like is not None and like.startswith('"'):
            return json.dumps(value)
        if like is not None and like.startswith("'"):
            return "'" + value.replace("'", "''") + "'"
        return value if _plain_safe(value) else json.dumps(value)

    def key(self, key: str, like: str | None) -> str:
        if like is not None and like[:1] in ('"', "'"):
            return self.scalar(key, like)
        return key if _plain_safe(key) and _PLAIN_KEY.fullmatch(key) else json.dumps(key)

    def indent_step(self, mapping: Pointer) -> int:
        """How far this document indents a nested mapping (2 when nothing shows it)."""
        data = self.data(mapping)
        node = self.doc.node_span(mapping)
        if isinstance(data, dict) and data and node is not None and node.key is not None:
            first = self.doc.node_span((*mapping, next(iter(data))))
            if first is not None and first.key is not None and first.key[0] > node.key[0]:
                step = first.key[1] - node.key[1]
                if step > 0:
                    return step
        return 2

    # ----------------------------------------------------------------- SetEntry

    def set_entry(self, op: SetEntry) -> list[TextEdit]:
        depth = len(op.mapping)
        while depth and not isinstance(self.data(op.mapping[:depth]), dict):
            parent = self.data(op.mapping[: depth - 1])
            if isinstance(parent, dict) and op.mapping[depth - 1] in parent:
                raise Refused("a value where a mapping should be")
            depth -= 1
        existing = op.mapping[:depth]
        mapping = self.data(existing)
        if not isinstance(mapping, dict):
            raise Refused("no mapping to add to")
        missing = op.mapping[depth:]
        if not missing and op.key in mapping:
            return self.replace_scalar((*existing, op.key), op.value)
        node = self.span(existing)
        self.guard(self.node_text(node.value))
        keys = [k for k in mapping if isinstance(k, str)]
        if len(keys) != len(mapping):
            raise Refused("keys that are not strings")
        last = self.span((*existing, keys[-1])) if keys else None
        key_like = self.node_text(last.key) if last is not None and last.key else None
        value_like = None
        if last is not None and isinstance(mapping[keys[-1]], str):
            value_like = self.node_text(last.value)
        path = [*missing, op.key]
        if self.is_flow(node.value):
            return [self._flow_insert(node, last, path, op.value, key_like, value_like)]
        if last is None or last.key is None:
            raise Refused("an empty block mapping")
        indent = last.key[1]
        step = self.indent_step(existing)
        end = self.lines.line_end(self.entry_last_line((*existing, keys[-1])))
        nl = self.lines.newline
        out = []
        for depth_here, part in enumerate(path):
            pad = " " * (indent + depth_here * step)
            if depth_here < len(path) - 1:
                out.append(f"{nl}{pad}{self.key(part, key_like)}:")
            else:
                out.append(
                    f"{nl}{pad}{self.key(part, key_like)}: {self.scalar(op.value, value_like)}"
                )
        return [TextEdit(end, end, "".join(out))]

    def _flow_insert(
        self,
        node: NodeSpan,
        last: NodeSpan | None,
        path: list[str],
        value: str,
        key_like: str | None,
        value_like: str | None,
    ) -> TextEdit:
        """A new entry in a flow mapping (or JSON object), after its last entry."""
        json_like = self.json or (key_like is not None and key_like.startswith('"'))
        sep = ": "
        if json_like:
            inner = json.dumps(value)
            for part in reversed(path[1:]):
                inner = "{" + json.dumps(part) + sep + inner + "}"
            entry = json.dumps(path[0]) + sep + inner
        else:
            inner = self.scalar(value, value_like)
            for part in reversed(path[1:]):
                inner = "{" + self.key(part, key_like) + sep + inner + "}"
            entry = self.key(path[0], key_like) + sep + inner
        start, _ = self.offsets(node.value)
        if last is None or last.key is None:
            if self.text[start] != "{":
                raise Refused("not a flow mapping")
            return TextEdit(start + 1, start + 1, entry)
        _, after = self.offsets(last.value)
        if last.key[0] == node.value[0]:
            return TextEdit(after, after, ", " + entry)
        pad = " " * last.key[1]
        return TextEdit(after, after, "," + self.lines.newline + pad + entry)

    def replace_scalar(self, pointer: Pointer, value: str) -> list[TextEdit]:
        node = self.span(pointer)
        if isinstance(self.data(pointer), dict | list):
            raise Refused("not a scalar")
        old = self.node_text(node.value)
        if node.value[0] != node.value[2] or old[:1] in ("|", ">", "&", "*", "!"):
            raise Refused("a scalar written over several lines, or with properties")
        self.guard(old)
        start, end = self.offsets(node.value)
        return [TextEdit(start, end, self.scalar(value, old or None))]

    # ----------------------------------------------------------------- RenameKey

    def rename_key(self, op: RenameKey) -> list[TextEdit]:
        parent = self.data(op.pointer[:-1])
        if not isinstance(parent, dict) or op.new_key in parent:
            raise Refused("the new key is already there")
        node = self.span(op.pointer)
        if node.key is None or node.key[0] != node.key[2]:
            raise Refused("no single-line key")
        old = self.node_text(node.key)
        self.guard(old)
        if old[:1] in ("?", "!", "&", "*"):
            raise Refused("a key with properties")
        start, end = self.offsets(node.key)
        return [TextEdit(start, end, self.key(op.new_key, old))]

    # ----------------------------------------------------------------- RemoveItem

    def remove_item(self, pointer: Pointer) -> list[TextEdit]:
        sequence = self.data(pointer[:-1])
        if not isinstance(sequence, list):
            raise Refused("not a sequence item")
        if len(sequence) == 1:
            return self.remove_entry(pointer[:-2], pointer[-2])
        seq_node = self.span(pointer[:-1])
        item = self.span(pointer)
        self.guard(self.node_text(item.value))
        if self.is_flow(seq_node.value):
            return [self._flow_remove(pointer[:-1], pointer[-1], len(sequence))]
        start, end = self._block_item_region(pointer, lead=False)
        return [TextEdit(start, end, "")]

    def remove_entry(self, mapping: Pointer, key: Any) -> list[TextEdit]:
        """Remove the entry ``key`` (with its value) from the mapping at ``mapping``."""
        data = self.data(mapping)
        if not isinstance(data, dict) or len(data) < 2:
            raise Refused("the mapping would be left empty")
        node = self.span((*mapping, key))
        holder = self.span(mapping)
        if node.key is None:
            raise Refused("no key")
        self.guard(self.node_text((node.key[0], node.key[1], node.value[2], node.value[3])))
        if self.is_flow(holder.value):
            keys = list(data)
            return [self._flow_remove(mapping, keys.index(key), len(keys), keys)]
        line = node.key[0]
        if self.lines.line_text(line)[: node.key[1]].strip():
            raise Refused("the key shares its line with a sequence dash")
        last = self.last_line(node.value, node.key[2])
        return [self._delete_lines(line, last)]

    def _delete_lines(self, first: int, last: int) -> TextEdit:
        start = self.lines.starts[first]
        end = self.lines.next_line_start(last)
        if end is None:  # the last line of the file: take the break before it instead
            end = len(self.text)
            start = self.lines.line_end(first - 1) if first else 0
        return TextEdit(start, end, "")

    def _flow_remove(
        self, container: Pointer, index: int, count: int, keys: list[Any] | None = None
    ) -> TextEdit:
        """Remove item (or entry) ``index`` of a flow collection with its separating comma."""

        def bounds(i: int) -> tuple[int, int]:
            part = keys[i] if keys is not None else i
            node = self.span((*container, part))
            first = node.key if node.key is not None else node.value
            return self.offsets((first[0], first[1], node.value[2], node.value[3]))

        start, end = bounds(index)
        if index + 1 < count:
            return TextEdit(start, bounds(index + 1)[0], "")
        return TextEdit(bounds(index - 1)[1], end, "")

    def _block_item_region(self, pointer: Pointer, lead: bool) -> tuple[int, int]:
        """The whole lines of a block sequence item (with the comment lines just above it)."""
        first, last = self._block_item_lines(pointer, lead)
        edit = self._delete_lines(first, last)
        return edit.start, edit.end

    def _block_item_lines(self, pointer: Pointer, lead: bool) -> tuple[int, int]:
        item = self.span(pointer)
        line, column = item.value[0], item.value[1]
        if not _DASH.fullmatch(self.lines.line_text(line)[:column]):
            raise Refused("a sequence item not on its own '- ' line")
        last = self.last_line(item.value, line)
        first = line
        if lead:
            while first > 0 and self.lines.line_text(first - 1).strip().startswith("#"):
                first -= 1
        return first, last

    # ----------------------------------------------------------------- MoveEntry

    def move_entry(self, op: MoveEntry) -> list[TextEdit]:
        value = self.data(op.pointer)
        parent = self.data(op.pointer[:-1])
        key = op.pointer[-1]
        if not isinstance(value, str) or not isinstance(parent, dict) or not isinstance(key, str):
            raise Refused("only a string value under a string key moves")
        if op.target[: len(op.pointer) - 1] == op.pointer[:-1]:
            raise Refused("the target lies inside the source mapping")
        if (
            len(parent) == 1
            and op.target[:-1] == op.pointer[:-2]
            and op.target[-1] not in (self.data(op.target[:-1]) or {})
        ):  # the lone entry's mapping just changes its name (annotations: → labels:)
            return self.rename_key(RenameKey(op.pointer[:-1], str(op.target[-1])))
        if len(parent) > 1:
            removal = self.remove_entry(op.pointer[:-1], key)
        else:  # the mapping would be left empty: it goes with its key
            removal = self.remove_entry(op.pointer[:-2], op.pointer[-2])
        insertion = self.set_entry(SetEntry(op.target, key, value))
        (cut,), (put,) = removal, insertion
        if cut.start < put.start <= cut.end:  # after lines the move removes: before them
            line = bisect.bisect_right(self.lines.starts, cut.start) - 1
            if line == 0 or self.lines.starts[line] != cut.start:
                raise Refused("an insertion inside the text the move removes")
            end = self.lines.line_end(line - 1)
            put = TextEdit(end, end, put.replacement)
        return [cut, put]

    # ----------------------------------------------------------------- MoveItems

    def move_items(self, op: MoveItems) -> list[TextEdit]:
        source = op.items[0][:-1]
        holder = source[:-1]
        sequence = self.data(source)
        mapping = self.data(holder)
        if not isinstance(sequence, list) or not isinstance(mapping, dict):
            raise Refused("not items of a mapping's sequence")
        if op.target[:-1] != holder:
            raise Refused("the target is not beside the source")
        seq_node = self.span(source)
        if self.is_flow(self.span(holder).value):
            return self._flow_move(op, sequence, mapping)
        if self.is_flow(seq_node.value):
            raise Refused("a flow sequence in a block mapping")
        first_item = self.span((*source, 0))
        source_dash = self._dash_column(first_item)
        nl = self.lines.newline
        moved: list[str] = []
        removals: list[TextEdit] = []
        whole = len(op.items) == len(sequence)
        for pointer in op.items:
            item = self.data(pointer)
            if not isinstance(item, dict) or any(k in item for k, _ in op.add):
                raise Refused("an item that is no mapping, or already has the entry")
            node = self.span(pointer)
            if self.is_flow(node.value):
                raise Refused("a flow mapping item")
            first, last = self._block_item_lines(pointer, lead=True)
            text = self.text[self.lines.starts[first] : self.lines.line_end(last)]
            self.guard(text)
            pad = " " * node.value[1]
            added = "".join(f"{nl}{pad}{k}: {self.scalar(v, None)}" for k, v in op.add)
            moved.append(text + added)
            if not whole:
                removals.append(self._delete_lines(first, last))
        key = source[-1]
        if whole:
            removals = self.remove_entry(holder, key)
        target = self.data(op.target)
        if target is None and op.target[-1] in mapping:
            raise Refused("the target key holds nothing")
        if target is None:
            return [*removals, self._new_sequence(holder, key, op.target[-1], moved)]
        if not isinstance(target, list) or not target:
            raise Refused("the target is not a sequence with items")
        target_node = self.span(op.target)
        if self.is_flow(target_node.value):
            raise Refused("a flow target sequence")
        last_item = self.span((*op.target, len(target) - 1))
        self.guard(self.node_text(target_node.value))
        dash = self._dash_column(self.span((*op.target, 0)))
        body = "".join(nl + _shift(text, dash - source_dash) for text in moved)
        end = self.lines.line_end(self.last_line(last_item.value, last_item.value[0]))
        return [*removals, TextEdit(end, end, body)]

    def _flow_move(
        self, op: MoveItems, sequence: list[Any], mapping: dict[Any, Any]
    ) -> list[TextEdit]:
        """The same move in a flow mapping (a JSON object): items keep their own text."""
        source = op.items[0][:-1]
        holder = source[:-1]
        if not self.is_flow(self.span(source).value):
            raise Refused("a block sequence in a flow mapping")
        whole = len(op.items) == len(sequence)
        if not whole and len(op.items) > 1:
            raise Refused("several items out of a flow sequence")
        nl = self.lines.newline
        moved = []
        for pointer in op.items:
            item = self.data(pointer)
            if not isinstance(item, dict) or not item or any(k in item for k, _ in op.add):
                raise Refused("an item that is no mapping, or already has the entry")
            node = self.span(pointer)
            if not self.is_flow(node.value):
                raise Refused("a block mapping in a flow sequence")
            start, end = self.offsets(node.value)
            text = self.text[start:end]
            self.guard(text)
            last = self.span((*pointer, list(item)[-1]))
            if last.key is None:
                raise Refused("no key")
            like = self.node_text(last.key)
            sep = ", " if last.key[0] == node.value[0] else "," + nl + " " * last.key[1]
            added = "".join(sep + self._flow_entry(k, v, like) for k, v in op.add)
            at = self.offsets(last.value)[1] - start
            moved.append(text[:at] + added + text[at:])
        body = ", ".join(moved)
        if whole:
            removals = self.remove_entry(holder, source[-1])
        else:
            removals = [self._flow_remove(source, op.items[0][-1], len(sequence))]
        target = self.data(op.target)
        if isinstance(target, list):
            node = self.span(op.target)
            if not self.is_flow(node.value):
                raise Refused("a block target sequence")
            self.guard(self.node_text(node.value))
            if not target:
                at = self.offsets(node.value)[0] + 1
                return [*removals, TextEdit(at, at, body)]
            last_item = self.span((*op.target, len(target) - 1))
            at = self.offsets(last_item.value)[1]
            if last_item.value[0] == node.value[0]:
                return [*removals, TextEdit(at, at, ", " + body)]
            return [*removals, TextEdit(at, at, "," + nl + " " * last_item.value[1] + body)]
        if target is not None or op.target[-1] in mapping:
            raise Refused("the target is not a sequence")
        node = self.span(holder)
        last = self.span((*holder, list(mapping)[-1]))
        if last.key is None:
            raise Refused("no key")
        like = self.node_text(last.key)
        name = self.key(op.target[-1], '"' if self.json else like)
        entry = f"{name}: [{body}]"
        at = self.offsets(last.value)[1]
        if last.key[0] == node.value[0]:
            return [*removals, TextEdit(at, at, ", " + entry)]
        return [*removals, TextEdit(at, at, "," + nl + " " * last.key[1] + entry)]

    def _flow_entry(self, key: str, value: str, like: str) -> str:
        """``key: value`` for a flow mapping whose keys are written like ``like``."""
        if self.json or like.startswith('"'):
            return f"{json.dumps(key)}: {json.dumps(value)}"
        return f"{self.key(key, like)}: {self.scalar(value, None)}"

    def _new_sequence(
        self,
        holder: Pointer,
        source_key: Any,
        name: str,
        moved: list[str],
    ) -> TextEdit:
        """The target key, created just above the source key (and its comments)."""
        node = self.span((*holder, source_key))
        if node.key is None:
            raise Refused("no source key")
        line = node.key[0]
        while line > 0 and self.lines.line_text(line - 1).strip().startswith("#"):
            line -= 1
        nl = self.lines.newline
        head = " " * node.key[1] + self.key(name, self.node_text(node.key)) + ":"
        body = "".join(nl + text for text in moved)
        start = self.lines.starts[line]
        return TextEdit(start, start, head + body + nl)

    def _dash_column(self, item: NodeSpan) -> int:
        line, column = item.value[0], item.value[1]
        prefix = self.lines.line_text(line)[:column]
        if not _DASH.fullmatch(prefix):
            raise Refused("a sequence item not on its own '- ' line")
        return prefix.index("-")


def _shift(text: str, by: int) -> str:
    """``text`` with every non-blank line indented ``by`` more (or less) columns."""
    if by == 0:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        if not line.strip():
            out.append(line)
        elif by > 0:
            out.append(" " * by + line)
        elif line[:-by].strip(" "):
            raise Refused("a line indented less than the item")
        else:
            out.append(line[-by:])
    return "".join(out)


_SPECIAL = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "nan", "inf", ".nan"}
    | {".inf", "-.inf", "Y", "N", "Yes", "No", "On", "Off", "True", "False", "Null", "NULL"}
    | {"TRUE", "FALSE", "YES", "NO", "ON", "OFF"}
)


def _plain_safe(value: str) -> bool:
    """Whether ``value`` reads back as this same string when written plain."""
    if not value or value != value.strip() or value in _SPECIAL:
        return False
    if value[0] in "-?:,[]{}#&*!|>'\"%@`" or ": " in value or " #" in value:
        return False
    try:
        return bool(yaml.safe_load(value) == value)
    except yaml.YAMLError:
        return False
