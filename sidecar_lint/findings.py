"""What reporters print: findings, with their severity, fix and suppression.

Only document-level types appear here (spans, pointers, object identities),
so every layer above the document may import findings; what checks yield
is :class:`sidecar_lint.model.Violation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from sidecar_lint.document import ObjectRef, Pointer, Span
from sidecar_lint.fix_intents import Operation
from sidecar_lint.pointers import format_pointer


class Severity(str, Enum):
    """Finding severities, ordered: ``error`` > ``warning`` > ``note``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Edit:
    """Replace the text of ``span`` by ``replacement`` (an empty span inserts)."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A machine-applicable fix: edits applied together, or not at all.

    ``applicability`` follows the usual split: ``safe`` fixes may be applied
    without review, ``unsafe`` ones change behaviour and need a human.
    """

    description: str
    edits: tuple[Edit, ...]
    applicability: Literal["safe", "unsafe"] = "unsafe"
    #: What the edits mean, on the data of the document ``(index, base)`` (``--fix``
    #: checks the edited file against it); not part of the fix's identity or reports.
    operation: Operation | None = field(default=None, compare=False)
    where: tuple[int, Pointer] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not counted: an in-source directive or a baseline entry."""

    kind: Literal["inSource", "external"]
    justification: str | None = None
    source: str = "comment"  # "comment", "file", "annotation", "baseline"


@dataclass(frozen=True)
class Finding:
    """One reported problem, fully resolved: rule, place, object and container."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span
    object: ObjectRef | None = None
    container: str | None = None
    pointer: Pointer = ()
    document_index: int | None = None
    fix: Fix | None = None
    suppression: Suppression | None = None
    #: The rendered kustomizations (or charts) whose output holds this finding, when it was
    #: found by rendering; one finding stands for all of them.
    renders: tuple[str, ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        """File, position, then code and message: stable whatever the run order."""
        return (self.path, self.span, self.code, self.message, self.container or "")

    @property
    def fingerprint(self) -> str:
        """Stable identity across edits that move lines: rule, object, container, path.

        Used by SARIF ``partialFingerprints`` and by baselines, so a finding
        stays "the same finding" when unrelated lines are added above it.
        A file name that is not valid UTF-8 is hashed as its bytes on disk.
        """
        import hashlib

        from sidecar_lint.output import utf8_bytes

        obj = self.object
        parts = [
            self.code,
            self.path,
            obj.api_version if obj else "",
            obj.kind if obj else "",
            (obj.namespace or "") if obj else "",
            (obj.name or "") if obj else "",
            self.container or "",
            format_pointer(self.pointer),
        ]
        if obj is None:  # file-level problems (parse errors) have nothing better than text
            parts.append(self.message)
        return hashlib.sha256(utf8_bytes("\x1f".join(parts))).hexdigest()[:32]

    def json_pointer_text(self) -> str:
        """``spec.template.spec.containers[1].image`` — how Kubernetes writes field paths."""
        return format_pointer(self.pointer)
