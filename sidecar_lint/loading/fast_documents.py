"""What both fast first reads yield, and where a text's documents start.

:mod:`~sidecar_lint.loading.fast_read` (yaml-rs) and
:mod:`~sidecar_lint.loading.block_read` (pure Python) return the same records,
with each document's text starting where
:class:`~sidecar_lint.loading.lazy_positions.FilePositions` composes it from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: A depth well below any sensible ``--max-depth``: deeper documents take the reference path.
SAFE_DEPTH = 64

# Only spaces and line breaks are blank to YAML here (tabs, CR and the like are refused
# before): "\u00a0" or "\u3000" is content, though Python's "\s" matches it.
_HAS_CONTENT = re.compile(r"^[ \t]*[^ \t\n#]", re.MULTILINE)


@dataclass
class FastDocument:
    """One document's data and where its text starts (a ``---`` line or the file start)."""

    data: Any
    offset: int


def document_starts(text: str) -> list[int]:
    """Offsets of the ``---`` lines of ``text`` (document start markers)."""
    starts: list[int] = []
    if text.startswith("---") and text[3:4] in ("", " ", "\t", "\r", "\n"):
        starts.append(0)
    pos = text.find("\n---")
    while pos >= 0:
        if text[pos + 4 : pos + 5] in ("", " ", "\t", "\r", "\n"):
            starts.append(pos + 1)
        pos = text.find("\n---", pos + 4)
    return starts


def document_offsets(text: str) -> list[int]:
    """Where each document of ``text`` starts: its ``---`` line, or 0 for content before one.

    Text of only comments and blank lines has no document.
    """
    starts = document_starts(text)
    offsets: list[int] = []
    if not starts or starts[0] != 0:
        head = text[: starts[0]] if starts else text
        if _HAS_CONTENT.search(head):
            offsets.append(0)
    offsets.extend(starts)
    return offsets
