"""What one linted file contributes to a run, and its JSON form.

A :class:`FileReport` is what a worker process hands back and what the
result cache keeps, so both :mod:`sidecar_lint.parallel` and
:mod:`sidecar_lint.cache` import it from here rather than from each other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sidecar_lint.document import ObjectRef, Span
from sidecar_lint.findings import Edit, Finding, Fix, Severity, Suppression
from sidecar_lint.results import Summary


@dataclass
class FileReport:
    """What one file contributed to a run."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    error: str | None = None  # set when the file could not be read
    lines: dict[int, str] = field(default_factory=dict)  # lines the text report quotes
    objects: list[tuple[int, ObjectRef]] = field(default_factory=list)  # for JUnit
    digest: str | None = None  # content hash, for the cache
    note: str | None = None  # why the file was not linted (not a manifest)
    #: Under --fix: the new content to write (for standard input, whatever it is), how
    #: many fixes were applied, why others were not, and (--diff) the diff instead.
    fixed: bytes | None = field(default=None, compare=False)
    applied: int = field(default=0, compare=False)
    fix_notes: list[str] = field(default_factory=list, compare=False)
    diff: str | None = field(default=None, compare=False)
    #: Standard input that holds ``helm template`` output: its text, to map findings back.
    helm_text: str | None = field(default=None, compare=False)


def digest_of(raw: bytes) -> str:
    """The content key of a file (BLAKE2b, 128 bits)."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def report_to_data(report: FileReport) -> dict[str, Any]:
    """A JSON-ready form of a report (for the cache)."""
    s = report.summary
    return {
        "path": report.path,
        "findings": [_finding_to_data(f) for f in report.findings],
        "summary": [s.files, s.documents, s.objects, s.workloads],
        "lines": [[n, text] for n, text in sorted(report.lines.items())],
        "objects": [[i, o.api_version, o.kind, o.namespace, o.name] for i, o in report.objects],
        "digest": report.digest,
        "note": report.note,
    }


def report_from_data(data: dict[str, Any]) -> FileReport:
    """The inverse of :func:`report_to_data`; raises on anything malformed."""
    files, documents, objects, workloads = data["summary"]
    return FileReport(
        path=str(data["path"]),
        findings=[_finding_from_data(f) for f in data["findings"]],
        summary=Summary(int(files), int(documents), int(objects), int(workloads)),
        lines={int(n): str(text) for n, text in data["lines"]},
        objects=[(int(i), ObjectRef(a, k, ns, n)) for i, a, k, ns, n in data["objects"]],
        digest=data["digest"],
        note=None if data.get("note") is None else str(data["note"]),
    )


def _span(data: list[int]) -> Span:
    a, b, c, d = data
    return Span(int(a), int(b), int(c), int(d))


def _span_data(span: Span) -> list[int]:
    return [span.start_line, span.start_col, span.end_line, span.end_col]


def _finding_to_data(f: Finding) -> dict[str, Any]:
    obj = f.object
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "path": f.path,
        "span": _span_data(f.span),
        "object": None if obj is None else [obj.api_version, obj.kind, obj.namespace, obj.name],
        "container": f.container,
        "pointer": list(f.pointer),
        "document": f.document_index,
        "fix": None
        if f.fix is None
        else {
            "description": f.fix.description,
            "applicability": f.fix.applicability,
            "edits": [[_span_data(e.span), e.replacement] for e in f.fix.edits],
        },
        "suppression": None
        if f.suppression is None
        else [f.suppression.kind, f.suppression.justification, f.suppression.source],
    }


def _finding_from_data(d: dict[str, Any]) -> Finding:
    obj = d["object"]
    fix = d["fix"]
    sup = d["suppression"]
    return Finding(
        code=d["code"],
        name=d["name"],
        severity=Severity(d["severity"]),
        message=d["message"],
        path=d["path"],
        span=_span(d["span"]),
        object=None if obj is None else ObjectRef(*obj),
        container=d["container"],
        pointer=tuple(d["pointer"]),
        document_index=d["document"],
        fix=None
        if fix is None
        else Fix(
            fix["description"],
            tuple(Edit(_span(s), r) for s, r in fix["edits"]),
            fix["applicability"],
        ),
        suppression=None if sup is None else Suppression(sup[0], sup[1], sup[2]),
    )
