"""In-source suppressions: YAML comments and object annotations.

Forms, each with an optional reason that reaches SARIF ``suppressions``:

* ``# sidecar-lint: ignore[SL401,SL402] reason`` on the flagged line, or on a
  comment line directly above it;
* ``# sidecar-lint: ignore-file`` (or ``ignore-file[SL201]``) anywhere in a file;
* annotations on the object or its pod template:
  ``sidecar-lint.io/ignore: "SL401,SL501"`` for every finding of the object,
  ``sidecar-lint.io/ignore.<container>: "SL402"`` for one container's findings,
  and ``sidecar-lint.io/ignore-reason: "…"``.

Selectors are rule codes, names, code prefixes (``SL4``) or ``all``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sidecar_lint.document import Document, ObjectRef, Span
from sidecar_lint.findings import Finding, Suppression

ANNOTATION = "sidecar-lint.io/ignore"
REASON_ANNOTATION = "sidecar-lint.io/ignore-reason"

_COMMENT = re.compile(
    r"#\s*sidecar-lint:\s*(?P<verb>ignore-file|ignore)\s*(?:\[(?P<codes>[^\]]*)\])?(?P<reason>.*)$"
)


@dataclass
class Directive:
    """One suppression written in a file, and whether any finding used it."""

    selectors: tuple[str, ...]  # empty = every rule
    reason: str | None
    kind: str  # "comment", "file", "annotation"
    span: Span
    container: str | None = None
    used: bool = False

    def covers(self, finding: Finding) -> bool:
        if self.container is not None and finding.container != self.container:
            return False
        return not self.selectors or any(_selects(s, finding) for s in self.selectors)

    def describe(self) -> str:
        what = ",".join(self.selectors) if self.selectors else "all rules"
        return f"{self.kind} suppression of {what}"


def _selects(selector: str, finding: Finding) -> bool:
    sel = selector.strip()
    if sel.lower() in ("all", "*"):
        return True
    return finding.name == sel.lower() or (len(sel) >= 2 and finding.code.startswith(sel.upper()))


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass
class FileSuppressions:
    """All directives of one file: comments by line, file-wide ones, annotations by object."""

    by_line: dict[int, list[Directive]] = field(default_factory=dict)
    whole_file: list[Directive] = field(default_factory=list)
    annotations: dict[tuple[int, ObjectRef], list[Directive]] = field(default_factory=dict)

    def all(self) -> Iterable[Directive]:
        for directives in self.by_line.values():
            yield from directives
        yield from self.whole_file
        for directives in self.annotations.values():
            yield from directives


def scan_comments(lines: Sequence[str]) -> FileSuppressions:
    """Find comment directives (a cheap substring test first: most files have none)."""
    found = FileSuppressions()
    for number, line in enumerate(lines, start=1):
        if "sidecar-lint:" not in line:
            continue
        match = _COMMENT.search(line)
        if match is None or not _in_comment(line, match.start()):
            continue
        reason = match.group("reason").strip(" -:") or None
        codes = _split(match.group("codes") or "")
        span = Span(number, match.start() + 1, number, len(line.rstrip()) + 1)
        if match.group("verb") == "ignore-file":
            found.whole_file.append(Directive(codes, reason, "file", span))
            continue
        directive = Directive(codes, reason, "comment", span)
        found.by_line.setdefault(number, []).append(directive)
        if not line[: match.start()].strip():  # a comment line covers the next line too
            found.by_line.setdefault(number + 1, []).append(directive)
    return found


def _in_comment(line: str, hash_at: int) -> bool:
    """True unless the ``#`` sits inside a quoted scalar (a rough but safe test)."""
    before = line[:hash_at]
    return before.count('"') % 2 == 0 and before.count("'") % 2 == 0


def add_annotations(
    found: FileSuppressions, doc: Document, template_pointers: Iterable[Any]
) -> None:
    """Record annotation directives of an object and of its pod templates."""
    key = (doc.index, doc.ref)
    if key in found.annotations:
        return
    directives: list[Directive] = []
    pointers = dict.fromkeys([("metadata",), *((*p, "metadata") for p in template_pointers)])
    for pointer in pointers:
        meta = _get(doc.data, pointer)
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        if not isinstance(annotations, dict):
            continue
        reason = annotations.get(REASON_ANNOTATION)
        reason = reason if isinstance(reason, str) and reason.strip() else None
        for name, value in annotations.items():
            if not isinstance(name, str) or not name.startswith(ANNOTATION):
                continue
            if name == REASON_ANNOTATION or not isinstance(value, str):
                continue
            rest = name[len(ANNOTATION) :]
            if rest and not rest.startswith("."):
                continue
            span, _ = doc.locate((*pointer, "annotations", name), "key")
            directives.append(
                Directive(_split(value), reason, "annotation", span, container=rest[1:] or None)
            )
    found.annotations[key] = directives


def apply(found: FileSuppressions, findings: list[Finding]) -> list[Finding]:
    """Mark each finding covered by a directive as suppressed (it stays in the list)."""
    out: list[Finding] = []
    for finding in findings:
        directive = _match(found, finding)
        if directive is None:
            out.append(finding)
            continue
        directive.used = True
        out.append(
            replace(
                finding,
                suppression=Suppression(
                    kind="inSource",
                    justification=directive.reason,
                    source=directive.kind,
                ),
            )
        )
    return out


def _match(found: FileSuppressions, finding: Finding) -> Directive | None:
    for directive in found.whole_file:
        if directive.covers(finding):
            return directive
    for directive in found.by_line.get(finding.span.start_line, ()):
        if directive.covers(finding):
            return directive
    if finding.document_index is not None and finding.object is not None:
        for directive in found.annotations.get((finding.document_index, finding.object), ()):
            if directive.covers(finding):
                return directive
    return None


def _get(data: Any, pointer: Sequence[Any]) -> Any:
    node = data
    for key in pointer:
        node = node.get(key) if isinstance(node, dict) else None
    return node
