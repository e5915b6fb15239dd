"""Reading YAML text stretch by stretch: every document read, every error placed, none lost.

A document that fails to parse becomes a :class:`~sidecar_lint.loading.loaded.ParseProblem`;
parsing then resumes at the next ``---`` line or after the next ``...`` line
(YAML allows neither at column 0 inside a node), so one broken document hides
nothing else. After the first error, reading goes on in windows that end at a
bare ``---`` line, so a file of many broken documents costs about its size.

Unless the text is surely shallow, each stretch is first scanned by the
nesting guard (:mod:`sidecar_lint.loading.nesting`) and cut before the first
document past a limit; that document is reported where it passes the limit.
libyaml reads; pure PyYAML re-reads a stretch with a syntax error for its
clearer messages, and :class:`~sidecar_lint.loading.parsers.DeepLoader` one
that libyaml refused for nesting past its own ceiling.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml
import yaml.reader
from yaml.nodes import Node

from sidecar_lint.document import Document, SourceFile
from sidecar_lint.loading import nesting, parsers
from sidecar_lint.loading.documents import TooDeep, build_document, first_too_deep
from sidecar_lint.loading.loaded import (
    DEFAULT_LIMITS,
    Limits,
    ParseProblem,
    line_column,
    too_deep,
    too_many,
)

#: A ``---`` line (a document starts at it) or a ``...`` line, perhaps with a comment (the
#: next document starts after it): YAML allows neither at column 0 inside a node.
_RESTART = re.compile(
    r"^(?:---(?:[ \t][^\r\n]*)?|(?P<end>\.\.\.)(?:[ \t]+(?:#[^\r\n]*)?)?)\r?$", re.MULTILINE
)


def read_yaml(
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
    guarded = not nesting.shallow(text)
    max_depth, why = limits.max_depth, "limit"
    if max_depth > parsers.MAX_READ_DEPTH:
        max_depth, why = parsers.MAX_READ_DEPTH, "ceiling"
    at = 0
    size = 0  # after the first syntax error, read on window by window
    while True:
        room = limits.max_documents - first_index
        window = _window_end(text, at, size) if size else None
        end = len(text) if window is None else window[0]
        stop, levels = None, 0
        if guarded:
            levels, stop = nesting.scan(text, at, max_depth, room, end)
        phantom: int | None = None
        if stop is not None:
            head = text[at : at + stop.start]
        elif window is not None:
            head, phantom = text[at : window[1]], nesting.line_breaks(text, at, window[0])
        else:
            head = text[at:]
        before = len(documents), len(problems)
        try:
            outcome = nesting.on_stack(
                levels,
                functools.partial(
                    read_stretch,
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
        except nesting.NoStack:
            max_depth, why = nesting.DIRECT_DEPTH, "stack"
            continue
        if isinstance(outcome, Failure) and not guarded:
            # A document that passes the depth limit before the error is reported as too
            # deep, as it is when the scan meets it first (in text that is not shallow).
            _, stop = nesting.scan(text, at, max_depth, room, end)
            if stop is not None and not stop.too_many:
                del documents[before[0] :], problems[before[1] :]
                head = text[at : at + stop.start]
                outcome = read_stretch(
                    source, head, line_offset, first_index, documents, problems, limits
                )
        if isinstance(outcome, Failure):
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
            size = WINDOW
            continue
        if stop is None:
            if window is None or outcome.full:
                return
            line_offset += nesting.line_breaks(text, at, window[0])
            at = window[0]
            first_index = outcome.next_index
            size *= 2
            continue
        line, index = stop.line + line_offset, first_index + stop.document
        if stop.too_many:
            problems.append(too_many(limits.max_documents, line, stop.column, index))
            return
        problems.append(too_deep(max_depth, line, stop.column, index, why))
        # libyaml ends every document at a "---" or "..." line: read on from the next one.
        passed = at + stop.offset
        restart = nesting.next_document(text, passed)
        if restart is None:
            return
        line_offset = line + nesting.line_breaks(text, passed, restart)
        at = restart
        first_index = index + 1


@dataclass(frozen=True)
class Failure:
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
class Done:
    """A stretch read to its end: the index the next document gets, and whether to stop.

    ``full`` is set when the document limit was reached (reported already).
    """

    next_index: int
    full: bool = False


#: After a syntax error, reading goes on in windows that start at about this many
#: characters and double while they read cleanly, each ending at a bare ``---`` line: a
#: file of many broken documents costs about its size, not its size for every error.
WINDOW = 4 * 1024

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
    while match is not None and match.start() > 0 and text[match.start() - 1] not in nesting.BREAKS:
        match = _BARE_START.search(text, match.start() + 1)
    if match is None:
        return None
    end = match.end()
    if text.startswith("\r\n", end):
        end += 2
    elif end < len(text) and text[end] in nesting.BREAKS:
        end += 1
    return match.start(), end


def read_stretch(
    source: SourceFile,
    text: str,
    line_offset: int,
    first_index: int,
    documents: list[Document],
    problems: list[ParseProblem],
    limits: Limits,
    phantom: int | None = None,
) -> Failure | Done:
    """Read ``text`` with libyaml; on a syntax error, read it again with pure PyYAML.

    Pure PyYAML is the reference for error texts and positions (errors are
    rare, so speed is moot), but it recurses per nesting level and refuses
    the whole text for one bad character: when it cannot read the stretch
    at all, libyaml's reading and its own error stand, so a document is
    never reported twice or placed away from its error.

    Where libyaml refuses nesting past a ceiling of its own, the pure parser
    that reads any depth (:class:`parsers.DeepLoader`) reads the stretch, and its
    reading stands (the depth limit is checked on it as on libyaml's).
    """

    def read(loader_class: type[yaml.SafeLoader]) -> Failure | Done:
        return read_with(
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
    failure = read(parsers.Loader)
    if isinstance(failure, Done) or not failure.marked or parsers.Loader is yaml.SafeLoader:
        return failure
    kept = documents[docs_before:], problems[problems_before:]
    del documents[docs_before:], problems[problems_before:]
    if failure.ceiling:
        return read(parsers.DeepLoader)
    again = read(yaml.SafeLoader)
    if isinstance(again, Done) or again.marked:
        return again
    documents[docs_before:], problems[problems_before:] = kept
    return failure


def read_with(
    loader_class: type[yaml.SafeLoader],
    source: SourceFile,
    text: str,
    line_offset: int,
    first_index: int,
    documents: list[Document],
    problems: list[ParseProblem],
    limits: Limits,
    phantom: int | None = None,
) -> Failure | Done:
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
                    too_many(
                        limits.max_documents,
                        (mark.line if mark else 0) + line_offset,
                        mark.column if mark else 0,
                        index,
                    )
                )
                return Done(index, full=True)
            if node is not None:
                try:
                    documents.append(
                        build_document(source, node, index, line_offset, limits.max_depth)
                    )
                except TooDeep as deep:
                    # The walk goes last child first: name the first node past the limit.
                    first = first_too_deep(node, limits.max_depth) or deep.node
                    mark = first.start_mark
                    problems.append(
                        too_deep(limits.max_depth, mark.line + line_offset, mark.column, index)
                    )
            index += 1
        return Done(index)
    except yaml.MarkedYAMLError as err:
        ceiling = loader_class is parsers.Loader and parsers.past_ceiling(err)
        return Failure(*_marked(err, text, line_offset), index, marked=True, ceiling=ceiling)
    except RecursionError:
        return Failure("nesting is too deep to read", 0, 0, index)
    except yaml.reader.ReaderError as err:  # control characters and the like
        # libyaml counts bytes of the UTF-8 encoding, pure PyYAML characters.
        position = err.position
        if loader_class is not yaml.SafeLoader:
            position = _char_index(text, position)
        char = err.character if isinstance(err.character, str) else chr(err.character)
        message = f"unacceptable character {char!r} (#x{ord(char):04x}): {err.reason}"
        return Failure(message, *line_column(text, position), index)
    except (ValueError, OverflowError):  # an escape past U+10FFFF: the scanners call chr()
        return Failure(*_bad_escape(text), index)
    except yaml.YAMLError as err:  # pragma: no cover - every other error is marked
        return Failure(str(err).splitlines()[0], 0, 0, index)
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
                *line_column(text, match.start()),
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


def _char_index(text: str, byte_offset: int) -> int:
    """The index in ``text`` of the character at ``byte_offset`` of its UTF-8 encoding."""
    # Each character takes at least one byte, so the prefix holds the offset.
    encoded = text[:byte_offset].encode("utf-8", "surrogatepass")
    return len(encoded[:byte_offset].decode("utf-8", "ignore"))


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
    """Where the next document starts, at or after ``error_line`` (0-based).

    That is the first ``---`` line or just after the first ``...`` line. The
    parser often reports a broken document at the next ``---`` or ``...``, so
    that line is a valid restart; offset 0 is not (it would fail the same way again).
    """
    pos = 0
    for _ in range(error_line):
        nl = text.find("\n", pos)
        if nl < 0:
            return None
        pos = nl + 1
    match = _RESTART.search(text, pos)
    if match is not None and match.start() == 0 and match["end"] is None:
        match = _RESTART.search(text, 1)
    if match is None:
        return None
    if match["end"] is None:
        return match.start()
    end = match.end()
    return end + 1 if text.startswith("\n", end) else end


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
