"""GitHub Actions workflow commands: findings as annotations on the changed files.

GitHub keeps at most 10 error, 10 warning and 10 notice annotations per step
(and 50 per job), so this reporter sends the most severe findings first, at
most :data:`LIMITS` of each kind, and closes with one notice saying how many
were left out. The whole block sits in a collapsed log group, so a job log
that also shows the text report stays readable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sidecar_lint.engine import RunResult
from sidecar_lint.findings import Finding, Severity

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


def select_annotations(
    result: RunResult, relpath: Callable[[str], str | None]
) -> tuple[list[Annotation], int]:
    """The annotations to emit, most severe first, and how many were left out.

    Suppressed findings are never annotated.
    """
    candidates = [
        Annotation("error", command("error", text, title="sidecar-lint: file not read"))
        for text in result.errors
    ]
    active = [f for f in result.findings if f.suppression is None]
    ordered = sorted(active, key=lambda f: (-f.severity.rank, f.sort_key()))
    candidates += [_finding_annotation(f, relpath) for f in ordered]
    used = dict.fromkeys(LIMITS, 0)
    kept: list[Annotation] = []
    for item in candidates:
        if used[item.kind] < LIMITS[item.kind]:
            used[item.kind] += 1
            kept.append(item)
    return kept, len(candidates) - len(kept)


def render_github(result: RunResult, relpath: Callable[[str], str | None]) -> str:
    """Workflow commands for the run; empty when there is nothing to report."""
    kept, left_out = select_annotations(result, relpath)
    if not kept:
        return ""
    total = sum(1 for f in result.findings if f.suppression is None) + len(result.errors)
    out = [f"::group::sidecar-lint: {len(kept)} of {total} annotated"]
    out += [item.line for item in kept]
    if left_out:
        noun = "finding was" if left_out == 1 else "findings were"
        out.append(
            command(
                "notice",
                f"{left_out} more {noun} not annotated: GitHub shows at most 10 errors, "
                "10 warnings and 10 notices per step. The job log, the SARIF report or "
                "the Markdown summary has all of them.",
                title="sidecar-lint",
            )
        )
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
