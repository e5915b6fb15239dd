"""What reading a file yields: its documents and problems, the limits, and the problems' words.

Every module of :mod:`sidecar_lint.loading` shares these records; the
limit problems are worded here once, so each reader reports a passed limit alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sidecar_lint.document import Document, SourceFile


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


@dataclass(frozen=True)
class ParseProblem:
    """Why (part of) a file could not be read as YAML/JSON, and where."""

    message: str
    line: int  # 0-based
    column: int  # 0-based
    document_index: int
    hint: str | None = None
    #: False when the text was not read at all (a limit, an encoding): only a syntax
    #: problem lets the file's words tell whether it is a manifest.
    syntax: bool = True


@dataclass
class LoadedSource:
    """Everything read from one file: its documents and its parse problems.

    Every document answers span lookups, however it was read (see
    :mod:`sidecar_lint.loading.lazy_positions`).
    """

    source: SourceFile
    documents: list[Document]
    problems: list[ParseProblem]


def iter_documents(loaded: LoadedSource) -> Iterator[Document]:
    """The Kubernetes objects of a loaded file, in file order."""
    return (doc for doc in loaded.documents if doc.is_kubernetes_object)


def too_deep(
    max_depth: int, line: int, column: int, index: int, why: str = "limit"
) -> ParseProblem:
    """The problem for a document that nests deeper than the limit, at the first node past it.

    ``why`` is "limit" for ``--max-depth``; "ceiling" when the limit is
    ``MAX_READ_DEPTH``, below a raised ``--max-depth``; "stack" when it is
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
        syntax=False,
    )


def too_many(max_documents: int, line: int, column: int, index: int) -> ParseProblem:
    """The problem for the first document past the document limit, at its root node."""
    return ParseProblem(
        f"more than {max_documents} documents in one file: the "
        "rest is not read (raise the limit with --max-documents)",
        line,
        column,
        index,
        syntax=False,
    )


def line_column(text: str, offset: int) -> tuple[int, int]:
    """0-based (line, column) of the character at ``offset`` of ``text``."""
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)
