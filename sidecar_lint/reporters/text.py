"""Human output: ``path:line:col: severity CODE [name] message``, source line, caret.

A finding ``--fix`` would fix ends in ``[*]``, and a line above the summary says
how many are fixable (and how many more with ``--unsafe-fixes``), unless ``--quiet``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sidecar_lint.findings import Finding, Severity

if TYPE_CHECKING:
    from sidecar_lint.report_context import FixOptions, ReportContext
    from sidecar_lint.results import RunResult

_COLORS = {"error": "\033[31;1m", "warning": "\033[33;1m", "note": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render(result: RunResult, context: ReportContext) -> str:
    """The whole report, with source lines and carets from ``context.lines``.

    ``context.text`` says how it looks where it goes: color, ``--quiet``,
    ``--statistics``, whether each path that could not be read gets its own
    ``error:`` line (the summary line counts them either way) and whether it
    is guarded against GitHub Actions workflow commands.
    """
    options = context.text
    color = options.color

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    def read_line(path: str, number: int) -> str:
        return context.lines.get(path, {}).get(number, "")

    fixes = context.fixes

    out: list[str] = []
    if options.statistics:
        counts = Counter((f.code, f.name, f.severity.value) for f in result.findings)
        for (code, name, severity), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(
                f"{n:>5}  {paint(_BOLD, code)}  {paint(_COLORS[severity], severity):<7}  {name}"
            )
    else:
        for finding in result.findings:
            out.append(_headline(finding, paint, fixes))
            if not options.quiet:
                out.extend(
                    _snippet(finding, read_line(finding.path, finding.span.start_line), paint)
                )
    for error in result.errors if options.list_errors else ():
        out.append(f"{paint(_COLORS['error'], 'error')}: {error}")
    if not options.quiet or result.findings or result.errors:
        if fixes.applied:
            out.append(f"Fixed {fixes.applied} problem{'s' if fixes.applied != 1 else ''}.")
        hint = "" if options.quiet else fix_hint(result.findings, fixes)
        if hint:
            out.append(hint)
        out.append(summary_line(result))
    text = "\n".join(out) + "\n" if out else ""
    if options.guard_commands:
        from sidecar_lint.reporters.github import guard_commands

        text = guard_commands(text)
    return text


def _headline(f: Finding, paint: Callable[[str, str], str], fixes: FixOptions) -> str:
    sev = paint(_COLORS[f.severity.value], f.severity.value)
    where = f"{f.path}:{f.span.start_line}:{f.span.start_col}"
    mark = " [*]" if f.fix is not None and fixes.applies(f.fix.applicability) else ""
    return f"{paint(_BOLD, where)}: {sev} {paint(_BOLD, f.code)} [{f.name}] {f.message}{mark}"


def fix_hint(findings: Iterable[Finding], fixes: FixOptions) -> str:
    """``[*] 2 fixable with --fix (1 more with --unsafe-fixes).``, or "" when none is."""
    offered = [f.fix.applicability for f in findings if f.fix is not None]
    fixable = sum(1 for a in offered if fixes.applies(a))
    more = len(offered) - fixable
    if not offered:
        return ""
    if not fixable:
        return f"[*] {more} fixable with --fix --unsafe-fixes."
    text = f"[*] {fixable} fixable with --fix"
    if more:
        text += f" ({more} more with --unsafe-fixes)"
    return text + "."


#: Source characters shown around a finding on a long line (minified JSON is one line).
SNIPPET_WIDTH = 120
#: Of those, how many at most come before the finding's column.
SNIPPET_LEAD = 40
ELLIPSIS = "..."


def _snippet(f: Finding, line: str, paint: Callable[[str, str], str]) -> list[str]:
    if not line.strip():
        return []
    number = str(f.span.start_line)
    gutter = " " * len(number)
    start = f.span.start_col - 1
    end = f.span.end_col - 1 if f.span.end_line == f.span.start_line else len(line.rstrip())
    width = max(1, min(end, len(line)) - start)
    # Tabs show as one space, so a character's index is also its column on screen.
    shown, start, width = clip_line(line.expandtabs(1), min(start, len(line)), width)
    caret = " " * start + "^" * width
    return [
        paint(_DIM, f"  {number} | ") + shown,
        paint(_DIM, f"  {gutter} | ") + paint(_COLORS[f.severity.value], caret),
    ]


def clip_line(line: str, start: int, width: int) -> tuple[str, int, int]:
    """At most :data:`SNIPPET_WIDTH` characters of ``line`` around ``start``, and the caret.

    Returns the text to show, with :data:`ELLIPSIS` on each cut side, and the
    caret's start and width within it (cut at the window's end too). A line
    that fits is returned as it is.
    """
    if len(line) <= SNIPPET_WIDTH:
        return line, start, width
    low = max(0, min(start - SNIPPET_LEAD, len(line) - SNIPPET_WIDTH))
    high = low + SNIPPET_WIDTH
    head = ELLIPSIS if low > 0 else ""
    tail = ELLIPSIS if high < len(line) else ""
    caret_start = min(max(start, low), high - 1)
    caret_end = max(caret_start + 1, min(start + width, high))
    return head + line[low:high] + tail, len(head) + caret_start - low, caret_end - caret_start


def summary_line(result: RunResult) -> str:
    """``Found 4 problems (2 errors, 2 warnings) in 3 files.`` or an all-clear line.

    Paths that could not be read end the line (``; 1 path could not be read``):
    an all-clear over fewer files than were asked for must not read as one.
    """
    s = result.summary
    files = f"{s.files} file{'s' if s.files != 1 else ''}"
    tail = f" ({len(result.suppressed)} suppressed)" if result.suppressed else ""
    if result.errors:
        n = len(result.errors)
        tail += f"; {n} path{'s' if n != 1 else ''} could not be read"
    if not result.findings:
        return f"No problems found in {files}, {s.objects} Kubernetes objects{tail}."
    counts = Counter(f.severity for f in result.findings)
    parts = [
        f"{counts[sev]} {sev.value}{'s' if counts[sev] != 1 else ''}"
        for sev in (Severity.ERROR, Severity.WARNING, Severity.NOTE)
        if counts[sev]
    ]
    n = len(result.findings)
    affected = len({f.path for f in result.findings})
    return (
        f"Found {n} problem{'s' if n != 1 else ''} ({', '.join(parts)}) in {affected} of "
        f"{files}{tail}."
    )
