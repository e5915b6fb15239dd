"""In-source suppressions: YAML comments and object annotations.

Forms, each with an optional reason that reaches SARIF ``suppressions``:

* ``# sidecar-lint: ignore[SL401,SL402] reason`` on the flagged line, or on a
  comment line directly above it;
* ``# sidecar-lint: ignore-file`` (or ``ignore-file[SL201]``) anywhere in a file;
* annotations on the object or its pod template:
  ``sidecar-lint.io/ignore: "SL401,SL501"`` for every finding of the object,
  ``sidecar-lint.io/ignore.<container>: "SL402"`` for one container's findings,
  and ``sidecar-lint.io/ignore-reason: "…"``.

Selectors are rule codes, names, code prefixes (``SL4``) or ``all``. A
selector that names no rule at all (``SL5O1``, with a letter O) would
suppress nothing without a word, so :func:`unknown_selectors` finds them for
SL002 to report, at the selector itself.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sidecar_lint.document import Document, ObjectRef, Span
from sidecar_lint.findings import Finding, Suppression
from sidecar_lint.pointers import get_at

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
    #: Where each selector is written (parallel to ``selectors``; empty: at ``span``).
    selector_spans: tuple[Span, ...] = ()

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


def _split_at(text: str, line: int, column: int) -> tuple[tuple[str, ...], tuple[Span, ...]]:
    """Selectors of ``text`` and their spans, ``text`` starting at 1-based ``column``."""
    selectors: list[str] = []
    spans: list[Span] = []
    offset = 0
    for part in text.split(","):
        stripped = part.strip()
        if stripped:
            start = column + offset + (len(part) - len(part.lstrip()))
            selectors.append(stripped)
            spans.append(Span(line, start, line, start + len(stripped)))
        offset += len(part) + 1
    return tuple(selectors), tuple(spans)


@dataclass(frozen=True)
class KnownRules:
    """The codes and names a selector may name: every rule of the run, selected or not."""

    codes: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> KnownRules:
        """From ``(code, name)`` pairs."""
        unique = sorted(set(pairs))
        return cls(tuple(c for c, _ in unique), tuple(n for _, n in unique))

    def selects_any(self, selector: str) -> bool:
        """Whether ``selector`` would cover some rule (the test :func:`_selects` applies)."""
        sel = selector.strip()
        if sel.lower() in ("all", "*") or sel.lower() in self.names:
            return True
        return len(sel) >= 2 and any(code.startswith(sel.upper()) for code in self.codes)

    def nearest(self, selector: str) -> str | None:
        """The code or name ``selector`` most likely meant, if one is close enough."""
        best: tuple[float, str] | None = None
        for wanted, candidates in ((selector.upper(), self.codes), (selector.lower(), self.names)):
            for candidate in candidates:
                ratio = difflib.SequenceMatcher(None, wanted, candidate).ratio()
                if ratio >= _CLOSE and (best is None or ratio > best[0]):
                    best = (ratio, candidate)
        return best[1] if best is not None else None


#: How alike a selector and a rule code or name must be to suggest the one for the other.
_CLOSE = 0.6


def unknown_selectors(directive: Directive, known: KnownRules) -> Iterator[tuple[str, Span]]:
    """Selectors of ``directive`` that name no rule, with where each is written."""
    for i, selector in enumerate(directive.selectors):
        if not known.selects_any(selector):
            spans = directive.selector_spans
            yield selector, spans[i] if i < len(spans) else directive.span


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
        codes, spans = _split_at(match.group("codes") or "", number, match.start("codes") + 1)
        span = Span(number, match.start() + 1, number, len(line.rstrip()) + 1)
        kind = "file" if match.group("verb") == "ignore-file" else "comment"
        directive = Directive(codes, reason, kind, span, selector_spans=spans)
        if kind == "file":
            found.whole_file.append(directive)
            continue
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
        meta = get_at(doc.data, pointer, through_lists=False)
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
            at = (*pointer, "annotations", name)
            span, _ = doc.locate(at, "key")
            selectors = _split(value)
            directives.append(
                Directive(
                    selectors,
                    reason,
                    "annotation",
                    span,
                    container=rest[1:] or None,
                    selector_spans=_in_value(doc, at, value, selectors),
                )
            )
    found.annotations[key] = directives


def _in_value(
    doc: Document, pointer: tuple[Any, ...], value: str, selectors: tuple[str, ...]
) -> tuple[Span, ...]:
    """Where each selector of an annotation's value is written, when it is on one line as is.

    A folded, multi-line or escaped value leaves the positions unknown (the
    caller then points at the annotation's key).
    """
    span, at = doc.locate(pointer, "value")
    if at != pointer or span.start_line != span.end_line:
        return ()
    line = doc.source.line(span.start_line)
    start = line.find(value, span.start_col - 1, max(span.end_col - 1, span.start_col - 1))
    if start < 0:
        return ()
    found_selectors, spans = _split_at(value, span.start_line, start + 1)
    return spans if found_selectors == selectors else ()


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
