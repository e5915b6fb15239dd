"""The nesting guard: find, before composing, the first document that nests past a limit.

libyaml's composer recurses in C once per nesting level, with no check: a
document some 25,000 levels deep (``[`` repeated, 50 KB) overflows an 8 MiB
stack and kills the process. Text that is not surely shallow (a cheap bound,
:func:`shallow`) is therefore first run through a *parser*, which keeps its
own stacks on the heap, up to the first document that nests past
``--max-depth`` (:func:`scan`): nothing more of that document is read, and
reading resumes at the next ``---`` line or after the next ``...`` line
(:func:`next_document`). Documents within a raised limit but deeper than the
calling thread's stack surely holds are composed on a thread of their own
with a stack sized for them (:func:`on_stack`).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from yaml.events import (
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from sidecar_lint.loading import parsers
from sidecar_lint.loading.parsers import DeepLoader

#: Levels libyaml's composer may nest on the calling thread. It recurses in C, about 350
#: bytes of stack a level (measured: a segfault near 25,000 levels on an 8 MiB stack and
#: 3,000 on 1 MiB): 1,000 levels fit a 512 KiB stack (a secondary thread's on some
#: systems) with room for the frames below.
DIRECT_DEPTH = 1_000
#: The stack of a thread that composes deeper documents: about three times the measured need.
_STACK_BASE = 1 << 20
_STACK_PER_LEVEL = 1 << 10
_STACK_LOCK = threading.Lock()  # threading.stack_size() is process-wide

#: Characters libyaml ends a line at, besides "\n" ("\r\n" counts once).
BREAKS = "\n\r\x85\u2028\u2029"
#: A "---" that starts a document, or a "..." (perhaps with a comment) that ends one, if it
#: starts a line (checked apart: a lookbehind is slow). YAML allows neither at column 0
#: inside a node, so libyaml ends any document at either.
_MARKERS = re.compile(
    r"---(?=[ \t\r\n\x85\u2028\u2029]|\Z)"
    r"|\.\.\.(?:[ \t]+(?:#[^\r\n\x85\u2028\u2029]*)?)?(?=[\r\n\x85\u2028\u2029]|\Z)"
)
#: The long prefixes looked for are multiples of this (a few patterns serve every file).
_PREFIX_STEP = 50


@functools.lru_cache(maxsize=64)
def _long_prefix(length: int, any_break: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns for the first line and for any other line that starts with ``length``
    characters of indentation or indicators (a pattern that starts with a line feed is
    found much faster than one that starts with ``^``).
    """
    run = f"[ \\t?:-]{{{length}}}"
    after = f"[{BREAKS}]" if any_break else "\n"
    return re.compile(run), re.compile(after + run)


def shallow(text: str) -> bool:
    """Whether ``text`` surely nests at most ``DIRECT_DEPTH`` levels (cheap and conservative).

    A flow collection adds one level per ``[`` or ``{``, so at most as many as
    the text has. A block collection starts at the end of its line's run of
    spaces and ``- ``/``? ``/``: `` indicators (a ``-`` after an anchor or tag is
    refused) and deeper than its parent, but for a sequence at its mapping's
    column: a text whose lines all start with runs of at most ``w`` such
    characters nests at most ``2 * (w + 1)`` block levels.
    """
    brackets = text.count("[") + text.count("{")
    widest = ((DIRECT_DEPTH - brackets) // 2 - 1) // _PREFIX_STEP * _PREFIX_STEP
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
class Stop:
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


class Chunks:
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


def scan(
    text: str, start: int, max_depth: int, max_documents: int, end: int | None = None
) -> tuple[int, Stop | None]:
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
        return scan_with(parsers.Loader, text, start, max_depth, max_documents, end)
    except _CeilingHit as hit:
        settled = hit.settled
        # A document after the first starts a line ("---" or a directive): scan from there.
        begins, document, line = (
            (hit.begins, hit.document, hit.line) if hit.document > 0 else (0, 0, 0)
        )
    levels, stop = scan_with(
        DeepLoader, text, start + begins, max_depth, max_documents - document, end
    )
    if stop is not None:
        stop = Stop(
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
    in :class:`Stop`), ``settled`` how deep the documents before it nest.
    """

    def __init__(self, begins: int, line: int, document: int, settled: int) -> None:
        self.begins, self.line, self.document, self.settled = begins, line, document, settled


def scan_with(
    loader_class: type[yaml.SafeLoader],
    text: str,
    start: int,
    max_depth: int,
    max_documents: int,
    end: int | None = None,
) -> tuple[int, Stop | None]:
    """:func:`scan` with one parser; raises :class:`_CeilingHit` if libyaml's ceiling ends it."""
    loader = loader_class(Chunks(text, start, end))  # type: ignore[arg-type]
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
                    return settled, Stop(begins, document, mark.index, mark.line, mark.column)
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
                    return settled, Stop(
                        begins, document, mark.index, mark.line, mark.column, too_many=True
                    )
    except yaml.MarkedYAMLError as err:
        if loader_class is parsers.Loader and parsers.past_ceiling(err):
            raise _CeilingHit(begins, line, document, settled) from None
    except (yaml.YAMLError, ValueError, OverflowError):  # the read reports what it was
        pass
    finally:
        loader.dispose()
    return deepest, None


def next_document(text: str, offset: int) -> int | None:
    """Where the next document may start after ``offset``: at the first ``---`` line, or
    just after the first ``...`` line, whichever comes first (libyaml ends any document
    at either). None when there is neither.
    """
    for match in _MARKERS.finditer(text, offset):
        at = match.start()
        if at == 0 or text[at - 1] in BREAKS:
            return at if text.startswith("-", at) else _after_line(text, match.end())
    return None


def _after_line(text: str, end: int) -> int:
    """The offset after the line break at ``end`` (CR LF is one), if there is one."""
    if text.startswith("\r\n", end):
        return end + 2
    return end + 1 if end < len(text) and text[end] in BREAKS else end


def line_breaks(text: str, start: int, end: int) -> int:
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


class NoStack(Exception):
    """No thread with the stack a deep document needs could be started."""


_T = TypeVar("_T")


def on_stack(levels: int, call: Callable[[], _T]) -> _T:
    """``call()``, on a thread with a stack for ``levels`` of libyaml's composer if needed.

    Up to ``DIRECT_DEPTH`` levels it runs here; deeper (a raised
    ``--max-depth``), on a new thread sized for them, waited for. Raises
    :class:`NoStack` when that thread cannot be started (too large a stack).
    """
    if levels <= DIRECT_DEPTH:
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
            raise NoStack from err
        try:
            worker = threading.Thread(target=run, name="sidecar-lint-deep-yaml", daemon=True)
            worker.start()
        except (RuntimeError, MemoryError) as err:
            raise NoStack from err
        finally:
            threading.stack_size(previous)
    worker.join()
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]
