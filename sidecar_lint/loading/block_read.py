"""A pure-Python first read of block-style YAML, exact to the reference loader or not used.

Without the ``fast`` extra every file used to be composed node by node with
libyaml and walked in Python: the reference read, at about 1.5 times the cost
of libyaml's ``compose_all`` alone. Manifests, though, are written in a small
part of YAML: block mappings and sequences, one key or entry per line, plain
or single-line quoted scalars, literal block scalars. This module reads that
part line by line, about three times faster, and gives up (returns None) on
anything else, so that the caller takes the reference read for the whole file.

Exactness comes from what it refuses rather than from what it handles:

* plain scalars are typed by PyYAML's own implicit resolvers and built by its
  own constructor; one that resolves to anything but a string, integer,
  float, boolean or null (a timestamp, ``=``, ``<<``) is refused, and so are
  keys that are not strings;
* a line that does not fit (a multi-line plain or quoted scalar, a flow
  collection other than ``[]`` or ``{}``, a folded or kept block scalar, an
  anchor, alias, tag, directive or ``...``, a ``?`` or ``:`` at the start of a
  node, an escape in a double-quoted scalar, an indentation that closes no
  open collection, a duplicate key) refuses the whole file;
* text with tabs, carriage returns, Unicode line breaks, non-printable
  characters or Helm's ``{{`` is refused before reading.

Every document's offset is where :func:`~sidecar_lint.loading.fast_documents.document_offsets`
puts it, so positions are made on demand the same way for both fast reads.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
import yaml.constructor
import yaml.nodes
import yaml.resolver

from sidecar_lint.loading.fast_documents import SAFE_DEPTH, FastDocument, document_offsets

_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_CONSTRUCT = yaml.constructor.SafeConstructor()
#: Tags whose value is a plain Python scalar the reference loader builds alike.
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null"))
_STR_TAG = "tag:yaml.org,2002:str"
#: Characters that may not start a plain scalar here (``-`` is checked apart).
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")
#: First characters of a value read on the quick path: a plain scalar for sure.
_PLAIN_FIRST = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+=~$^();<\\"
)
#: A plain mapping key followed by ``:`` and a blank or the line's end.
_PLAIN_KEY = re.compile(r"([A-Za-z0-9_./][A-Za-z0-9_./+@~=%-]*):(?: +|$)")
_BLOCK_HEADER = re.compile(r"\|(-?)(?: +#.*)?$")
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]")
#: Longer lines are left to the reference (libyaml limits simple keys to 1,024 characters).
_MAX_LINE = 1000

#: Scalars inside a one-line flow collection: no ",:?#", brackets, escapes or inner quotes.
_FLOW_QUOTED = r"""(?:"[^"\\\n#,:]*"|'[^'\n#,:]*')"""
_FLOW_PLAIN = r"""(?:[^\s,\[\]{}#:?'"!&*|>%@`-]|-(?=[^\s,\[\]{}#:?]))[^,\[\]{}#:?'"\n]*"""
_FLOW_KEY = r"(?:[A-Za-z0-9_./][A-Za-z0-9_./+@~=%-]*|" + _FLOW_QUOTED + ")"
_FLOW_ITEM = f"(?:{_FLOW_PLAIN}|{_FLOW_QUOTED} *)"
_FLOW_ENTRY = f"{_FLOW_KEY}: +{_FLOW_ITEM}"
_FLOW_SEQUENCE = re.compile(rf"\[ *(?:{_FLOW_ITEM}(?:, *{_FLOW_ITEM})*)?\]")
_FLOW_MAPPING = re.compile(rf"\{{ *(?:{_FLOW_ENTRY}(?:, *{_FLOW_ENTRY})*)?\}}")

_NONE = object()
_plain_cache: dict[str, Any] = {}
_key_cache: dict[str, bool] = {}


class _Refused(Exception):
    """The text leaves the subset this module reads exactly."""


def read(text: str, max_documents: int, max_depth: int) -> list[FastDocument] | None:
    """The documents of ``text`` as the reference loader builds their data, or None.

    None means "not provably the same": the caller must use the reference loader.
    """
    if "{{" in text or _UNSAFE.search(text):
        return None
    offsets = document_offsets(text)
    if not offsets:
        return []  # only comments and blank lines: no document
    if len(offsets) > max_documents:
        return None
    depth = min(SAFE_DEPTH, max_depth)
    ends = [*offsets[1:], len(text)]
    documents: list[FastDocument] = []
    try:
        for start, end in zip(offsets, ends, strict=True):
            documents.append(FastDocument(_document(text, start, end, depth), start))
    except _Refused:
        return None
    return documents


def _document(text: str, start: int, end: int, depth: int) -> Any:
    """One document's data: from ``start`` (a ``---`` line or the text's start) to ``end``."""
    lines = text[start:end].split("\n")
    if text.startswith("---", start):
        marker = lines[0][3:].lstrip(" ")
        if marker and not (marker.startswith("#") and lines[0][3] == " "):
            raise _Refused  # content on the "---" line
        lines[0] = ""
    final_break = end < len(text) or text.endswith("\n")
    return _read_lines(lines, final_break, depth)


def _read_lines(lines: list[str], final_break: bool, depth: int) -> Any:
    """One document's lines read into data; :class:`_Refused` when they leave the subset.

    One function with local names, for speed: a line costs a few string
    operations and, for most, one regular expression. ``stack`` holds the
    open collections, innermost last, as ``[column, container, is_mapping]``;
    a key or ``-`` with nothing after it on its line leaves its value pending
    until the next line shows whether a collection starts there (deeper, or a
    list at its key's column) or the value is null.
    """
    stack: list[list[Any]] = []
    root: Any = _NONE
    pending: tuple[Any, Any, int, bool] | None = None
    key_match = _PLAIN_KEY.match
    plain_cache = _plain_cache
    plain_first = _PLAIN_FIRST
    i = 0
    count = len(lines)
    while i < count:
        line = lines[i]
        i += 1
        rest = line.lstrip(" ")
        if not rest or rest[0] == "#":
            continue
        if len(line) >= _MAX_LINE:
            raise _Refused
        column = len(line) - len(rest)
        entry = rest[0] == "-" and (len(rest) == 1 or rest[1] == " ")
        frame: list[Any] | None = None
        if pending is not None:
            parent, key, at, in_mapping = pending
            pending = None
            if column > at or (in_mapping and entry and column == at):
                frame = _push(stack, depth, column, entry, parent, key)
        if frame is None:
            if not stack:
                if root is not _NONE:
                    raise _Refused  # a second node at the top of one document
                root = [] if entry else {}
                frame = [column, root, not entry]
                stack.append(frame)
            else:
                frame = stack[-1]
                while frame[0] > column:
                    stack.pop()
                    if not stack:
                        raise _Refused
                    frame = stack[-1]
                if frame[0] != column:
                    raise _Refused  # an indentation that closes no open collection
                if frame[2] == entry:
                    if entry or len(stack) < 2:
                        raise _Refused  # an entry where a key belongs, or a key after a list
                    stack.pop()  # a list at its key's column ends where the next key starts
                    frame = stack[-1]
                    if frame[0] != column or not frame[2]:
                        raise _Refused
        while True:
            container = frame[1]
            if entry:  # "- " and what follows it on this line
                after = rest[1:]
                rest = after.lstrip(" ")
                inner = column + 1 + len(after) - len(rest)
                container.append(None)
                index = len(container) - 1
                if not rest or rest[0] == "#":
                    pending = (container, index, column, False)
                    break
                if rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
                    frame = _push(stack, depth, inner, True, container, index)
                    column = inner
                    continue
                match = key_match(rest)
                if match is None and not _quoted_key(rest):
                    container[index], i = _value(rest, i, column, lines, final_break)
                    break
                frame = _push(stack, depth, inner, False, container, index)
                column = inner
                entry = False
                continue
            match = key_match(rest)
            if match is not None:
                key = match.group(1)
                ok = _key_cache.get(key)
                if ok is None:
                    ok = _plain_key(key)
                if not ok:
                    raise _Refused  # a key PyYAML would type (1, true, on, null, ~, a date)
                value = rest[match.end() :]
            else:
                key, value = _other_key(rest)
            if key in container:
                raise _Refused  # duplicate keys: the reference records them
            if not value or value[0] == "#":
                container[key] = None
                pending = (container, key, column, True)
                break
            if value[0] in plain_first:
                cut = value.find(" #")
                if cut >= 0:
                    value = value[:cut]
                value = value.rstrip(" ")
                if ": " in value or value[-1] == ":":
                    raise _Refused
                got = plain_cache.get(value, _NONE)
                container[key] = _plain(value) if got is _NONE else got
            else:
                container[key], i = _value(value, i, column, lines, final_break)
            break
    return None if root is _NONE else root


def _push(
    stack: list[list[Any]], depth: int, column: int, entry: bool, parent: Any, key: Any
) -> list[Any]:
    """Open a list (``entry``) or mapping at ``column`` as ``parent[key]``."""
    if len(stack) >= depth:
        raise _Refused
    container: Any = [] if entry else {}
    parent[key] = container
    frame = [column, container, not entry]
    stack.append(frame)
    return frame


def _quoted_key(rest: str) -> bool:
    """Whether ``rest`` starts with a quoted key (``"a b": 1``); refused if it looks like one."""
    if rest[0] not in "\"'":
        if ": " in rest or rest.endswith(":"):
            raise _Refused  # a key this module does not read
        return False
    text, end = _quoted(rest)
    if text is None:
        raise _Refused
    return rest[end : end + 1] == ":"


def _other_key(rest: str) -> tuple[str, str]:
    """A quoted key at the start of ``rest`` and the text after it (refused if none)."""
    if rest[0] not in "\"'":
        raise _Refused  # a scalar where a key belongs, or a key this module does not read
    text, end = _quoted(rest)
    if text is None or rest[end : end + 1] != ":":
        raise _Refused
    after = rest[end + 1 :]
    if after and after[0] != " ":
        raise _Refused
    return text, after.lstrip(" ")


def _value(value: str, i: int, indent: int, lines: list[str], final_break: bool) -> tuple[Any, int]:
    """A scalar, ``[]``-style flow collection or literal block starting at ``value``.

    ``indent`` is the column of the collection it belongs to; ``i`` the next
    line's index, returned past a literal block's lines.
    """
    first = value[0]
    if first == '"' or first == "'":
        text, end = _quoted(value)
        if text is None:
            raise _Refused
        tail = value[end:]
        if tail and (tail[0] != " " or tail.lstrip(" ")[:1] not in ("", "#")):
            raise _Refused
        return text, i
    if first == "|":
        header = _BLOCK_HEADER.match(value)
        if header is None:
            raise _Refused
        return _literal(lines, i, indent + 1, header.group(1) == "-", final_break)
    if first == "[" or first == "{":
        return _flow(value), i
    if first in _INDICATORS or (first == "-" and value[1:2] in ("", " ")):
        raise _Refused
    cut = value.find(" #")
    if cut >= 0:
        value = value[:cut]
    value = value.rstrip(" ")
    if ": " in value or value.endswith(":"):
        raise _Refused
    return _plain(value), i


def _literal(
    lines: list[str], i: int, min_indent: int, strip: bool, final_break: bool
) -> tuple[str, int]:
    """A ``|`` or ``|-`` block scalar whose lines start at ``lines[i]``, and the line after it."""
    count = len(lines)
    j = i
    widest_blank = 0
    while j < count and not lines[j].strip(" "):
        widest_blank = max(widest_blank, len(lines[j]))
        j += 1
    if j >= count:
        raise _Refused  # no content line: an empty block
    first = lines[j]
    indent = len(first) - len(first.lstrip(" "))
    if indent < min_indent or widest_blank > indent:
        raise _Refused
    margin = " " * indent
    body: list[str] = [""] * (j - i)
    last = j
    while j < count:
        line = lines[j]
        if line.startswith(margin):
            body.append(line[indent:])
            if len(line) > indent:  # spaces past the indentation are content too
                last = j
        elif not line.strip(" "):
            body.append("")
        else:
            break
        j += 1
    if last == count - 1 and not final_break:
        raise _Refused  # the text ends inside the block, without a line break
    text = "\n".join(body[: last - i + 1])
    return (text if strip else text + "\n"), last + 1


def _flow(value: str) -> Any:
    """A one-line flow sequence or mapping of scalars (``[a, "b"]``, ``{cpu: 1, memory: 2Gi}``).

    Items are plain or quoted scalars without ``,:?#``, brackets or escapes
    (so splitting at commas and colons is exact); anything else is refused.
    """
    mapping = value[0] == "{"
    match = (_FLOW_MAPPING if mapping else _FLOW_SEQUENCE).match(value)
    if match is None:
        raise _Refused
    tail = value[match.end() :]
    if tail and (tail[0] != " " or tail.lstrip(" ")[:1] not in ("", "#")):
        raise _Refused
    inner = value[1 : match.end() - 1].strip(" ")
    if not inner:
        return {} if mapping else []
    items = [item.strip(" ") for item in inner.split(",")]
    if not mapping:
        return [_flow_scalar(item) for item in items]
    data: dict[str, Any] = {}
    for item in items:
        key, _, text = item.partition(":")
        key = key.rstrip(" ")
        if key[0] in "\"'":
            key = key[1:-1]
        elif not _plain_key(key):
            raise _Refused
        if key in data:
            raise _Refused
        data[key] = _flow_scalar(text.strip(" "))
    return data


def _flow_scalar(item: str) -> Any:
    if item[0] in "\"'":
        return item[1:-1]
    return _plain(item)


def _quoted(text: str) -> tuple[str | None, int]:
    """A single-line quoted scalar at the start of ``text`` and the index after it.

    (None, 0) for one this module does not read: not closed on its line, or
    with an escape (double quotes).
    """
    quote = text[0]
    if quote == '"':
        end = text.find('"', 1)
        if end < 0:
            return None, 0
        inner = text[1:end]
        if "\\" in inner:
            return None, 0
        return inner, end + 1
    pos = 1
    while True:
        end = text.find("'", pos)
        if end < 0:
            return None, 0
        if text[end + 1 : end + 2] == "'":
            pos = end + 2
            continue
        return text[1:end].replace("''", "'"), end + 1


def _plain_key(key: str) -> bool:
    """Whether the plain key ``key`` is a string to PyYAML (not 1, true, on, null or a date)."""
    ok = _key_cache.get(key)
    if ok is None:
        ok = _key_cache[key] = _tag(key) == _STR_TAG
    return ok


def _tag(value: str) -> str:
    """The tag PyYAML's implicit resolvers give the plain scalar ``value``."""
    for tag, pattern in _RESOLVERS.get(value[:1], ()):
        if pattern.match(value):
            return str(tag)
    return _STR_TAG


def _plain(value: str) -> Any:
    """A plain scalar typed and built as the reference loader builds it (or refused)."""
    got = _plain_cache.get(value, _NONE)
    if got is not _NONE:
        return got
    tag = _tag(value)
    if tag == _STR_TAG:
        got = value
    elif tag in _SCALAR_TAGS:
        node = yaml.nodes.ScalarNode(tag, value)
        try:
            got = _CONSTRUCT.yaml_constructors[tag](_CONSTRUCT, node)
        except (ValueError, OverflowError, TypeError) as err:
            raise _Refused from err
    else:
        raise _Refused  # timestamps, "=", "<<": the reference reads these its own way
    if len(_plain_cache) < 50_000:
        _plain_cache[value] = got
    return got
