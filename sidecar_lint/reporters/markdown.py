"""A Markdown summary for ``$GITHUB_STEP_SUMMARY``, merge-request notes and PR comments.

Counts by severity and by rule, then the findings with links to the exact
lines: blob links pinned to the commit when the GitHub environment names one,
otherwise links relative to the repository root. The report stays under
:data:`MAX_CHARS`, the size of a GitHub comment; findings that do not fit are
counted, not dropped silently.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from sidecar_lint.findings import Finding, Severity
from sidecar_lint.output import utf8_bytes

if TYPE_CHECKING:
    from sidecar_lint.report_context import ReportContext
    from sidecar_lint.results import RunResult

#: GitHub rejects comments longer than 65,536 characters; step summaries allow 1 MiB.
MAX_CHARS = 60_000
_SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~@&$])")


def escape(text: str) -> str:
    """Plain text for a Markdown table cell: punctuation escaped, one line."""
    flat = " ".join(text.split())
    return _SPECIAL.sub(r"\\\1", flat)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _location(f: Finding, relpath: Callable[[str], str | None], base: str | None) -> str:
    span = f.span
    rel = relpath(f.path)
    label = escape(f"{rel or f.path}:{span.start_line}:{span.start_col}")
    if rel is None:
        return label
    anchor = f"#L{span.start_line}"
    if span.end_line != span.start_line:
        anchor += f"-L{span.end_line}"
    target = quote(utf8_bytes(rel), safe="/") + anchor  # the name's own bytes, percent-encoded
    return f"[{label}]({base}/{target})" if base else f"[{label}]({target})"


def _object(f: Finding) -> str:
    if f.object is None:
        return ""
    text = f.object.display()
    if f.container:
        text += f", container {f.container}"
    return escape(text)


def render(result: RunResult, context: ReportContext) -> str:
    """The summary as GitHub-flavoured Markdown.

    Links point at ``context.blob_url`` when set, else are relative to the
    repository root; rule codes link to their documentation. When GitHub
    annotations are among the run's outputs, their reporter's sentence on
    findings left without one is quoted under the totals, so a reader of the
    pull request learns that the annotations are not everything.
    """
    relpath = context.paths.relative
    rule_urls = {rule.code: rule.help_uri for rule in context.rules}
    not_annotated = _not_annotated(result, context) if context.annotating else None
    s = result.summary
    findings = [f for f in result.findings if f.suppression is None]
    suppressed = len(result.suppressed) + len(result.findings) - len(findings)
    counts = Counter(f.severity for f in findings)
    out = ["## sidecar-lint", ""]
    scope = (
        f"{_plural(s.files, 'file')}, {_plural(s.objects, 'Kubernetes object')}, "
        f"Kubernetes {context.kubernetes_version}"
    )
    if findings:
        parts = [_plural(counts[sev], sev.value) for sev in _SEVERITIES if counts[sev]]
        affected = len({f.path for f in findings})
        out.append(
            f"**{_plural(len(findings), 'problem')}** ({', '.join(parts)}) "
            f"in {affected} of {scope}."
        )
    else:
        out.append(f"**No problems** in {scope}.")
    if suppressed:
        out[-1] += f" {_plural(suppressed, 'finding')} suppressed in source or by the baseline."
    if not_annotated:
        out += ["", f"> {escape(not_annotated)}"]
    if result.errors:
        out += ["", f"**{_plural(len(result.errors), 'file')} could not be read:**", ""]
        out += [f"- {escape(e)}" for e in result.errors]
    if findings:
        out += ["", "| Severity | Count |", "|---|---:|"]
        out += [f"| {sev.value} | {counts[sev]} |" for sev in _SEVERITIES if counts[sev]]
        out += ["", *_rule_table(findings, rule_urls)]
        out += ["", "### Findings", ""]
        out += _finding_rows(findings, relpath, context.blob_url, budget=MAX_CHARS - _size(out))
        out += _diagrams(context, budget=MAX_CHARS - _size(out))
    return "\n".join(out) + "\n"


#: Pods drawn at most: a summary with more pictures than that is read as a table anyway.
MAX_DIAGRAMS = 20


def _diagrams(context: ReportContext, budget: int) -> list[str]:
    """Each flagged pod as a Mermaid flowchart (GitHub draws it), folded, while room is left."""
    rows: list[str] = []
    shown = 0
    for diagram in context.diagrams[:MAX_DIAGRAMS]:
        block = [
            "<details><summary>" + html.escape(diagram.title) + "</summary>",
            "",
            "```mermaid",
            diagram.mermaid.rstrip("\n"),
            "```",
            "",
            "</details>",
        ]
        if _size(rows) + _size(block) + 200 > budget:
            break
        rows += block
        shown += 1
    if not rows:
        return []
    head = ["", "### Pods", ""]
    head.append(
        "Containers by role, volumes and mounts; dashed: what a finding says is missing "
        "(a mount, a Service that skips the proxy)."
    )
    left = len(context.diagrams) - shown
    tail = ["", f"_{left} more pods not drawn._"] if left else []
    return [*head, "", *rows, *tail]


def _not_annotated(result: RunResult, context: ReportContext) -> str | None:
    """The GitHub reporter's sentence on findings it left without an annotation."""
    from sidecar_lint.reporters.github import not_annotated_note, select_annotations

    selection = select_annotations(result, context.paths.relative, context.changes)
    return not_annotated_note(selection, context.changes)


def _rule_table(findings: list[Finding], rule_urls: Mapping[str, str | None]) -> list[str]:
    per_rule = Counter((f.code, f.name, f.severity) for f in findings)
    rows = ["| Rule | Name | Severity | Findings |", "|---|---|---|---:|"]
    ordered = sorted(per_rule.items(), key=lambda kv: (-kv[0][2].rank, -kv[1], kv[0][0]))
    for (code, name, severity), n in ordered:
        url = rule_urls.get(code)
        cell = f"[{code}]({url})" if url else code
        rows.append(f"| {cell} | `{name}` | {severity.value} | {n} |")
    return rows


def _finding_rows(
    findings: list[Finding],
    relpath: Callable[[str], str | None],
    base: str | None,
    budget: int,
) -> list[str]:
    rows = ["| Severity | Location | Rule | Object | Message |", "|---|---|---|---|---|"]
    used = _size(rows)
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))
    for shown, f in enumerate(ordered):
        row = (
            f"| {f.severity.value} | {_location(f, relpath, base)} | {f.code} "
            f"| {_object(f)} | {escape(f.message)} |"
        )
        if used + len(row) + 1 > budget - 200:
            rest = len(ordered) - shown
            rows += [
                "",
                f"…and {_plural(rest, 'more finding')} not listed here (size limit); "
                "the SARIF report or the job log has all of them.",
            ]
            break
        rows.append(row)
        used += len(row) + 1
    return rows


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)
