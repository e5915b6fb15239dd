"""Where keys sit in a configuration file, and what the user wrote there.

pydantic validates values; the messages about them point at a line and
column and echo the user's own text, which only the source knows. YAML files
are re-read with the reference loader's span table; pyproject.toml is
scanned (tomllib keeps no positions).
"""

from __future__ import annotations

import bisect
import contextlib
import re
from typing import Any

from sidecar_lint.document import Document, Pointer, SourceFile

PYPROJECT_TABLE = ("tool", "sidecar-lint")


class Locator:
    """Where keys sit in a configuration file, and what the user wrote for a value.

    Picklable (settings travel to worker processes): subclasses keep only
    the text and rebuild what they derive from it on demand.
    """

    #: What reads the file, for messages about how it read a value ("YAML", "TOML").
    language = ""

    def position(self, pointer: Pointer) -> tuple[int, int] | None:
        """1-based (line, column) of the key at ``pointer``, else of its nearest ancestor."""
        return None

    def written(self, pointer: Pointer) -> str | None:
        """The source text of the scalar at exactly ``pointer`` (one line), if known."""
        return None

    def __call__(self, pointer: Pointer) -> str:
        """``line:col`` of ``pointer`` (see :meth:`position`), or ``""``."""
        where = self.position(tuple(pointer))
        return f"{where[0]}:{where[1]}" if where else ""


class _YamlLocator(Locator):
    """Positions from the reference YAML loader's span table (re-read after unpickling)."""

    language = "YAML"

    def __init__(self, path: str, text: str, doc: Document | None = None) -> None:
        self.path, self.text = path, text
        self._doc = doc

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "text": self.text, "_doc": None}

    @property
    def doc(self) -> Document | None:
        if self._doc is None:
            from sidecar_lint.loading import load_source

            loaded = load_source(SourceFile(self.path, self.text))
            self._doc = loaded.documents[0] if loaded.documents else None
        return self._doc

    def position(self, pointer: Pointer) -> tuple[int, int] | None:
        doc = self.doc
        if doc is None:
            return None
        span, _ = doc.locate(pointer, "key")
        return span.start_line, span.start_col

    def written(self, pointer: Pointer) -> str | None:
        doc = self.doc
        spans = doc.node_span(pointer) if doc is not None else None
        if spans is None:
            return None
        line, col, end_line, end_col = spans.value
        if line != end_line or end_col <= col:
            return None
        lines = doc.source.lines if doc is not None else []
        return lines[line][col:end_col] if line < len(lines) else None


class _TomlLocator(Locator):
    """Positions found by scanning pyproject.toml's text (tomllib keeps none)."""

    language = "TOML"

    def __init__(self, text: str) -> None:
        self.text = text
        self._scan: _TomlScan | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"text": self.text, "_scan": None}

    @property
    def scan(self) -> _TomlScan:
        if self._scan is None:
            self._scan = _TomlScan(self.text)
        return self._scan

    def position(self, pointer: Pointer) -> tuple[int, int] | None:
        full = PYPROJECT_TABLE + tuple(pointer)
        keys = self.scan.keys
        for end in range(len(full), len(PYPROJECT_TABLE) - 1, -1):
            if full[:end] in keys:
                return keys[full[:end]]
        return self.scan.first_under(PYPROJECT_TABLE)

    def written(self, pointer: Pointer) -> str | None:
        return self.scan.values.get(PYPROJECT_TABLE + tuple(pointer))


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")


class _TomlScan:
    """A position-only reading of TOML text: where every key and array item starts.

    tomllib has already checked the syntax, so this scanner only follows the
    structure: table headers (``[a.b]``, ``[[a.b]]`` with their item
    numbers), dotted keys, inline tables, arrays (across lines) and strings
    of all four kinds. ``keys`` maps a full key path to its 1-based (line,
    column); ``values`` maps a scalar's path to its source text. A scan that
    meets something unexpected simply stops: positions then fall back to
    the nearest key found so far, or the table's header.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.keys: dict[Pointer, tuple[int, int]] = {}
        self.values: dict[Pointer, str] = {}
        self._starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self._arrays: dict[tuple[str, ...], int] = {}
        with contextlib.suppress(IndexError, ValueError):  # stop where the reading stops
            self._document()

    def first_under(self, prefix: Pointer) -> tuple[int, int] | None:
        """The earliest position recorded at or below ``prefix`` (a table's first line)."""
        found = [pos for key, pos in self.keys.items() if key[: len(prefix)] == prefix]
        return min(found) if found else None

    def _at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def _mark(self, pointer: Pointer, offset: int) -> None:
        self.keys.setdefault(pointer, self._at(offset))

    def _blank(self, newlines: bool) -> None:
        text = self.text
        while self.i < len(text):
            ch = text[self.i]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.i += 1
            elif ch == "#" and newlines:
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            else:
                return

    def _document(self) -> None:
        text = self.text
        table: Pointer = ()
        while True:
            self._blank(newlines=True)
            if self.i >= len(text):
                return
            if text.startswith("[[", self.i):
                self.i += 2
                table = self._header(self.i - 2, array=True)
                self._expect("]]")
            elif text[self.i] == "[":
                self.i += 1
                table = self._header(self.i - 1, array=False)
                self._expect("]")
            else:
                pointer = self._key(table)
                self._blank(newlines=False)
                self._expect("=")
                self._value(pointer)
            self._blank(newlines=False)
            if self.i < len(text) and text[self.i] == "#":
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end

    def _header(self, start: int, array: bool) -> Pointer:
        """Read a table header's key; the table itself is placed at its opening bracket."""
        parts = self._key_parts()
        names = tuple(name for name, _ in parts)
        if array:
            self._arrays[names] = self._arrays.get(names, -1) + 1
        pointer: list[Any] = []
        for n, (name, offset) in enumerate(parts):
            pointer.append(name)
            if n == len(parts) - 1:
                offset = start
            if names[: n + 1] in self._arrays:
                pointer.append(self._arrays[names[: n + 1]])
            self._mark(tuple(pointer), offset)
            if names[: n + 1] in self._arrays:
                self._mark(tuple(pointer[:-1]), offset)
        return tuple(pointer)

    def _key(self, base: Pointer) -> Pointer:
        pointer = base
        for name, offset in self._key_parts():
            pointer = (*pointer, name)
            self._mark(pointer, offset)
        return pointer

    def _key_parts(self) -> list[tuple[str, int]]:
        parts: list[tuple[str, int]] = []
        text = self.text
        while True:
            self._blank(newlines=False)
            start = self.i
            if text[start] in "\"'":
                raw = self._string()
                parts.append((_unquote(raw), start))
            else:
                match = _BARE_KEY.match(text, start)
                if match is None:
                    raise ValueError(f"no key at offset {start}")
                parts.append((match.group(), start))
                self.i = match.end()
            self._blank(newlines=False)
            if self.i < len(text) and text[self.i] == ".":
                self.i += 1
                continue
            return parts

    def _expect(self, token: str) -> None:
        if not self.text.startswith(token, self.i):
            raise ValueError(f"expected {token!r} at offset {self.i}")
        self.i += len(token)

    def _value(self, pointer: Pointer) -> None:
        self._blank(newlines=False)
        text = self.text
        start = self.i
        ch = text[start]
        if ch == "{":
            self.i += 1
            while True:
                self._blank(newlines=True)
                if text[self.i] == "}":
                    self.i += 1
                    return
                key = self._key(pointer)
                self._blank(newlines=False)
                self._expect("=")
                self._value(key)
                self._blank(newlines=True)
                if text[self.i] == ",":
                    self.i += 1
        elif ch == "[":
            self.i += 1
            index = 0
            while True:
                self._blank(newlines=True)
                if text[self.i] == "]":
                    self.i += 1
                    return
                self._mark((*pointer, index), self.i)
                self._value((*pointer, index))
                self._blank(newlines=True)
                if text[self.i] == ",":
                    self.i += 1
                    index += 1
        elif ch in "\"'":
            self._string()
            self.values[pointer] = text[start : self.i]
        else:
            match = _SCALAR_END.search(text, start)
            self.i = len(text) if match is None else match.start()
            self.values[pointer] = text[start : self.i].strip()

    def _string(self) -> str:
        """Skip one string of any kind; return its source text (quotes included)."""
        text = self.text
        start = self.i
        quote = text[start]
        if text.startswith(quote * 3, start):
            end = start + 3
            while True:
                end = text.index(quote * 3, end)
                if quote == "'" or not _escaped(text, end):
                    break
                end += 1
            end += 3
            while end < len(text) and text[end] == quote:  # up to two quotes may close it
                end += 1
        else:
            end = start + 1
            while text[end] != quote or (quote == '"' and _escaped(text, end)):
                if text[end] == "\n":
                    raise ValueError("unterminated string")
                end += 1
            end += 1
        self.i = end
        return text[start:end]


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd number of backslashes."""
    count = 0
    while at - count - 1 >= 0 and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _unquote(raw: str) -> str:
    if raw.startswith('"'):
        import json

        try:
            value = json.loads(raw)
        except ValueError:
            return raw[1:-1]
        return value if isinstance(value, str) else raw[1:-1]
    return raw[1:-1]
