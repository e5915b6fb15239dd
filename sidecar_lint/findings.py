"""What checks yield (violations) and what reporters print (findings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from sidecar_lint.document import Document, ObjectRef, Pointer, Span, Target
from sidecar_lint.workload import ContainerView


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


@dataclass(frozen=True)
class Violation:
    """What a check reports: a message and where, by pointer or (rarely) by span.

    Checks never compute positions; the engine resolves ``pointer`` against
    the document's span table. ``span`` is only for problems that have no
    node to point at (a parse error).
    """

    message: str
    pointer: Pointer | None = None
    target: Target = "value"
    container: ContainerView | None = None
    span: Span | None = None
    document: Document | None = None
    fix: Fix | None = None


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
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple[Any, ...]:
        """File, position, then code and message: stable whatever the run order."""
        return (self.path, self.span, self.code, self.message, self.container or "")

    def json_pointer_text(self) -> str:
        """``spec.template.spec.containers[1].image`` — how Kubernetes writes field paths."""
        return format_pointer(self.pointer)


def format_pointer(pointer: Pointer) -> str:
    out = ""
    for part in pointer:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
