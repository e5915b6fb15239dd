"""GitHub Actions workflow commands: findings as annotations on the changed files.

GitHub keeps at most 10 error, 10 warning and 10 notice annotations per step
(and 50 per job), so this reporter chooses: in a pull request, findings on
the lines it changes first, then in the files it changes, then the rest;
within each, the most severe first. At most :data:`LIMITS` of each kind are
sent, and one closing notice says how many were left out and where they all
are. The whole block sits in a collapsed log group, so a job log that also
shows the text report stays readable.

What the pull request changes is data (:class:`~sidecar_lint.changes.Changes`,
``context.changes``) that the run gets from git; this module only formats.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sidecar_lint.findings import Finding, Severity

if TYPE_CHECKING:
    from sidecar_lint.changes import Changes
    from sidecar_lint.report_context import ReportContext
    from sidecar_lint.results import RunResult

#: Annotations emitted per kind. One slot of each kind is left free: the runner
#: adds its own error when the step fails, and the overflow notice needs one.
LIMITS = {"error": 9, "warning": 9, "notice": 9}
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (``%``, CR and LF), as the Actions toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: the data escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: object) -> str:
    """One workflow command line, e.g. ``::error file=a.yaml,line=3::message``."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


@dataclass(frozen=True)
class Annotation:
    kind: str
    line: str


def _finding_annotation(f: Finding, relpath: Callable[[str], str | None]) -> Annotation:
    kind = _COMMAND[f.severity]
    span = f.span
    file = relpath(f.path)
    title = f"sidecar-lint {f.code} ({f.name})"
    if file is None:
        # No repository path (stdin, or a file outside the root): GitHub shows the
        # annotation on the run only, so the message carries the location.
        message = f"{f.path}:{span.start_line}:{span.start_col}: {f.message}"
        return Annotation(kind, command(kind, message, title=title))
    same_line = span.start_line == span.end_line
    line = command(
        kind,
        f.message,
        file=file,
        line=span.start_line,
        endLine=span.end_line,
        # Columns are only allowed on single-line annotations.
        col=span.start_col if same_line else None,
        endColumn=span.end_col if same_line else None,
        title=title,
    )
    return Annotation(kind, line)


@dataclass(frozen=True)
class Selection:
    """The annotations to emit and what was left out (for the notice and the summary)."""

    kept: list[Annotation]
    left_out: int
    #: Of those left out, how many are on files the pull request changes.
    left_out_changed: int = 0


def annotation_order(
    findings: list[Finding], relpath: Callable[[str], str | None], changes: Changes | None
) -> list[Finding]:
    """Findings in the order they claim annotation slots.

    With ``changes``: findings on changed lines, then in changed files, then
    the rest; most severe first within each, then by file and position.
    Without: most severe first.
    """

    def tier(f: Finding) -> int:
        if changes is None:
            return 0
        rel = relpath(f.path)
        if rel is None or rel not in changes.files:
            return 2
        return 0 if changes.touches(rel, f.span.start_line, f.span.end_line) else 1

    return sorted(findings, key=lambda f: (tier(f), -f.severity.rank, f.sort_key()))


def select_annotations(
    result: RunResult,
    relpath: Callable[[str], str | None],
    changes: Changes | None = None,
) -> Selection:
    """The annotations to emit, in :func:`annotation_order`, and how many were left out.

    Files that could not be read come before every finding. Suppressed
    findings are never annotated.
    """
    candidates = [
        (Annotation("error", command("error", text, title="sidecar-lint: file not read")), False)
        for text in result.errors
    ]
    active = [f for f in result.findings if f.suppression is None]
    for f in annotation_order(active, relpath, changes):
        changed = changes is not None and relpath(f.path) in changes.files
        candidates.append((_finding_annotation(f, relpath), changed))
    used = dict.fromkeys(LIMITS, 0)
    kept: list[Annotation] = []
    left_out_changed = 0
    for item, changed in candidates:
        if used[item.kind] < LIMITS[item.kind]:
            used[item.kind] += 1
            kept.append(item)
        elif changed:
            left_out_changed += 1
    return Selection(kept, len(candidates) - len(kept), left_out_changed)


def not_annotated_note(selection: Selection, changes: Changes | None) -> str | None:
    """One sentence on what was not annotated and where to see everything (else None)."""
    left_out = selection.left_out
    if not left_out:
        return None
    noun = "finding was" if left_out == 1 else "findings were"
    where = ""
    if changes is not None:
        where = (
            f" ({selection.left_out_changed} of them in files this pull request changes)"
            if selection.left_out_changed
            else " (none of them in files this pull request changes)"
        )
    return (
        f"{left_out} more {noun} not annotated{where}: GitHub shows at most 10 errors, "
        "10 warnings and 10 notices per step. Every finding is in the full text log of this "
        "step, and in the job summary (Markdown report) and the code scanning results "
        "(SARIF upload) when the workflow writes them."
    )


def render(result: RunResult, context: ReportContext) -> str:
    """Workflow commands for the run; empty when there is nothing to report.

    ``context.changes`` (a pull request's changed files and lines) decides
    which findings get the limited annotation slots first.
    """
    changes = context.changes
    selection = select_annotations(result, context.paths.relative, changes)
    kept = selection.kept
    if not kept:
        return ""
    total = sum(1 for f in result.findings if f.suppression is None) + len(result.errors)
    out = [f"::group::sidecar-lint: {len(kept)} of {total} annotated"]
    out += [item.line for item in kept]
    note = not_annotated_note(selection, changes)
    if note:
        out.append(command("notice", note, title="sidecar-lint"))
    out.append("::endgroup::")
    return "\n".join(out) + "\n"


def guard_commands(text: str) -> str:
    """Wrap log text so the runner does not act on ``::`` lines inside it.

    Messages quote manifest content; a key such as ``"x\\n::error::y"`` must
    not turn into a command. The resume token is derived from the text
    itself, so it is stable across runs and cannot be embedded in the text.
    """
    if "::" not in text:
        return text
    token = "sidecar-lint-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    body = text if text.endswith("\n") else text + "\n"
    return f"::stop-commands::{token}\n{body}::{token}::\n"
