"""JUnit XML for GitLab, Jenkins and Azure Pipelines test reports.

Layout: one ``<testsuite>`` per file (named by its repository path). In it,
one failing ``<testcase>`` per object and rule that has findings (all of that
rule's findings on that object in one ``<failure>``), and one passing
``<testcase>`` per object without any finding. So the report grows with the
manifests, not with manifests times rules, and never claims that a rule
"passed" on an object it does not apply to. Findings accepted by a suppression
(in source or by a baseline) make their case ``<skipped>`` instead of failed.
Files that could not be read are ``<error>`` test cases in a suite of their own.

``xml.etree`` is imported only when this format is requested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sidecar_lint.document import ObjectRef
from sidecar_lint.findings import Finding
from sidecar_lint.output import escape_surrogates

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from sidecar_lint.report_context import ReportContext
    from sidecar_lint.results import RunResult

SUITES_NAME = "sidecar-lint"
#: Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """``text`` with characters XML cannot represent shown as ``\\xNN`` escapes.

    An undecodable byte of a file name shows as itself (``\\xff``), as in text output.
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", escape_surrogates(text))


@dataclass
class _Case:
    sort_key: tuple[int, str, str]
    name: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def active(self) -> list[Finding]:
        """The findings that count (suppressed ones only make the case skipped)."""
        return [f for f in self.findings if f.suppression is None]


def _object_label(ref: ObjectRef | None, document_index: int | None) -> str:
    if ref is not None:
        return ref.display()
    return "file" if document_index is None else f"document {document_index + 1}"


def _detail(f: Finding, file: str) -> str:
    span = f.span
    where = f"{file}:{span.start_line}:{span.start_col}"
    extra = f" (container {f.container})" if f.container else ""
    return f"{where}: {f.severity.value} {f.code} [{f.name}] {f.message}{extra}"


def render(result: RunResult, context: ReportContext) -> str:
    """The run as a JUnit XML document (UTF-8, stable order, no timestamps).

    Passing objects come from ``context.objects``: every object the run linted.
    """
    import xml.etree.ElementTree as ET

    suites: dict[str, dict[tuple[object, ...], _Case]] = {}
    relpath = context.paths.relative

    def file_of(path: str) -> str:
        return relpath(path) or path

    for obj in context.objects:
        label = _object_label(obj.ref, obj.document_index)
        cases = suites.setdefault(file_of(obj.path), {})
        cases.setdefault(
            ("object", obj.document_index, obj.ref),
            _Case((obj.document_index, label, ""), label),
        )
    for f in sorted([*result.findings, *result.suppressed], key=Finding.sort_key):
        file = file_of(f.path)
        index = -1 if f.document_index is None else f.document_index
        label = _object_label(f.object, f.document_index)
        cases = suites.setdefault(file, {})
        if f.suppression is None:
            # The object itself no longer passes: it has at least one failing rule.
            cases.pop(("object", f.document_index, f.object), None)
        key = ("rule", f.document_index, f.object, f.code)
        case = cases.setdefault(key, _Case((index, label, f.code), f"{label}: {f.code} {f.name}"))
        case.findings.append(f)

    root = ET.Element("testsuites", name=SUITES_NAME)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for file in sorted(suites):
        ordered = sorted(suites[file].values(), key=lambda c: c.sort_key)
        failures = sum(1 for c in ordered if c.active)
        skipped = sum(1 for c in ordered if c.findings and not c.active)
        suite = ET.SubElement(root, "testsuite")
        _set(suite, name=file, tests=len(ordered), failures=failures, errors=0, skipped=skipped)
        for case in ordered:
            element = ET.SubElement(suite, "testcase")
            shown = case.active or case.findings
            line = shown[0].span.start_line if shown else None
            _set(element, classname=file, name=case.name, file=file, line=line)
            if case.active:
                _failure(element, case.active, file)
            elif case.findings:
                _skipped(element, case.findings, file)
        totals["tests"] += len(ordered)
        totals["failures"] += failures
        totals["skipped"] += skipped
    if result.errors:
        suite = ET.SubElement(root, "testsuite")
        n = len(result.errors)
        _set(
            suite,
            name=f"{SUITES_NAME}: unreadable files",
            tests=n,
            failures=0,
            errors=n,
            skipped=0,
        )
        for text in result.errors:
            element = ET.SubElement(suite, "testcase")
            _set(element, classname=SUITES_NAME, name=text)
            error = ET.SubElement(element, "error")
            _set(error, type="read-error", message=text)
        totals["tests"] += n
        totals["errors"] += n
    _set(root, **totals)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _failure(element: Element, findings: list[Finding], file: str) -> None:
    import xml.etree.ElementTree as ET

    worst = max(findings, key=lambda f: f.severity.rank)
    first = findings[0].message
    message = first if len(findings) == 1 else f"{len(findings)} findings; first: {first}"
    failure = ET.SubElement(element, "failure")
    _set(failure, type=worst.severity.value, message=message)
    failure.text = clean("\n".join(_detail(f, file) for f in findings))


def _skipped(element: Element, findings: list[Finding], file: str) -> None:
    import xml.etree.ElementTree as ET

    reasons = sorted({f.suppression.justification or "" for f in findings if f.suppression})
    why = "; ".join(r for r in reasons if r)
    skipped = ET.SubElement(element, "skipped")
    _set(skipped, message=f"suppressed: {why}" if why else "suppressed")
    skipped.text = clean("\n".join(_detail(f, file) for f in findings))


def _set(element: Element, **attributes: object) -> None:
    for key, value in attributes.items():
        if value is not None:
            element.set(key, clean(str(value)))
