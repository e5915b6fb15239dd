"""The pre-pass of a run: the cluster objects of every input, before any file is linted.

A pod's findings depend on objects in other files (the Namespace that turns
an injector on, a SidecarSet that selects it), so those are gathered first,
as cheaply as possible: a file whose bytes never name one of the kinds is
not parsed at all, and in a file that does, only the documents around each
mention are (a Service beside a Deployment costs the Service's few lines).
Standard input and pipes are read once, by the linter, which adds the
objects of such a file itself.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence

from sidecar_lint.cluster import (
    ClusterObjects,
    NamespaceFacts,
    ServiceFacts,
    SidecarSetFacts,
    kind_mentions,
    objects_in,
)
from sidecar_lint.discovery import Input
from sidecar_lint.document import SourceFile
from sidecar_lint.loading import DEFAULT_LIMITS, Limits, load_bytes, load_source

#: A line with nothing of a document on it: blank, a comment, or a bare ``---``.
_EMPTY_LINE = re.compile(r"^\s*(?:#.*)?$|^---\s*(?:#.*)?$")


def collect_objects(
    items: Sequence[Input], limits: Limits = DEFAULT_LIMITS, services: bool = True
) -> ClusterObjects:
    """Every Namespace, Service and SidecarSet in the files ``items`` name, in input order.

    ``services=False`` leaves Services out (no active rule reads them): most files hold
    one, so they are most of this pass's work.

    A file that cannot be read or parsed contributes what it can; its
    problems are reported when it is linted, not here.
    """
    from sidecar_lint.parallel import read_input

    namespaces: list[NamespaceFacts] = []
    found_services: list[ServiceFacts] = []
    sidecarsets: list[SidecarSetFacts] = []
    sources: set[str] = set()
    for item in items:
        if not _regular(item):  # a pipe is read once, by the linter
            continue
        raw = read_input(item)
        if isinstance(raw, str):
            continue
        sources.add(item.path)
        if len(raw) > limits.max_file_bytes:
            continue  # not linted either; the lint reports it
        for found in _objects_of(item.path, raw, limits, services):
            namespaces += found.namespaces
            found_services += found.services
            sidecarsets += found.sidecarsets
    return ClusterObjects(
        tuple(namespaces), tuple(found_services), tuple(sidecarsets), frozenset(sources)
    )


def _objects_of(path: str, raw: bytes, limits: Limits, services: bool) -> list[ClusterObjects]:
    """The objects of one file, reading only the documents that mention a collected kind."""
    mentions = kind_mentions(raw, services)
    if not mentions:
        return []
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:  # UTF-16/32 (or broken): read the whole file the usual way
        return [objects_in(load_bytes(path, raw, limits, fast=True).documents, services=services)]
    if raw.startswith(b"\xef\xbb\xbf"):
        return [objects_in(load_bytes(path, raw, limits, fast=True).documents, services=services)]
    stretches: list[tuple[int, int]] = []
    for offset in mentions:
        if stretches and offset < stretches[-1][1]:
            continue  # another mention in the same document
        stretches.append((_document_start(raw, offset), _document_end(raw, offset)))
    found: list[ClusterObjects] = []
    for start, end in stretches:
        chunk = raw[start:end]
        if chunk.startswith(b"..."):  # the end of the previous document: not this one's
            cut = chunk.find(b"\n") + 1 or len(chunk)
            start, chunk = start + cut, chunk[cut:]
        text = chunk.decode("utf-8")
        offset_lines = raw.count(b"\n", 0, start)
        loaded = load_source(SourceFile(path, text), limits, fast=True)
        start_line = offset_lines + _first_line(text)
        found.append(objects_in(loaded.documents, offset_lines, start_line, services))
    return found


def _is_marker(raw: bytes, line_start: int) -> bool:
    """Whether the line starting at ``line_start`` is a document marker (``---``, ``...``)."""
    head = raw[line_start : line_start + 3]
    if head not in (b"---", b"..."):
        return False
    after = raw[line_start + 3 : line_start + 4]
    return after in (b"", b" ", b"\t", b"\r", b"\n")


def _document_start(raw: bytes, offset: int) -> int:
    """Where the document holding ``offset`` starts: its marker line, else the file's start."""
    own_line = raw.rfind(b"\n", 0, offset) + 1
    if _is_marker(raw, own_line):  # ``--- {kind: Service, ...}``
        return own_line
    pos = offset
    while True:
        i = max(raw.rfind(b"\n---", 0, pos), raw.rfind(b"\n...", 0, pos))
        if i < 0:
            return 0
        if _is_marker(raw, i + 1):
            return i + 1
        pos = i


def _document_end(raw: bytes, offset: int) -> int:
    """Where the document holding ``offset`` ends: the next marker line, else the file's end."""
    pos = offset
    while True:
        found = [i for i in (raw.find(b"\n---", pos), raw.find(b"\n...", pos)) if i >= 0]
        if not found:
            return len(raw)
        i = min(found)
        if _is_marker(raw, i + 1):
            return i + 1
        pos = i + 1


def _first_line(text: str) -> int:
    """The 1-based line of a stretch where its document's content starts."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not _EMPTY_LINE.match(line):
            return number
    return 1


def _regular(item: Input) -> bool:
    if item.is_stdin or item.problem is not None:
        return False
    try:
        return stat.S_ISREG(os.stat(item.path).st_mode)
    except (OSError, ValueError):
        return False
