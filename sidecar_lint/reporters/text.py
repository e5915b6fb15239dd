"""Human output: ``path:line:col: severity CODE [name] message``, source line, caret."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sidecar_lint.engine import RunResult
from sidecar_lint.findings import Finding, Severity

_COLORS = {"error": "\033[31;1m", "warning": "\033[33;1m", "note": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render_text(
    result: RunResult,
    read_line: Callable[[str, int], str],
    color: bool = False,
    quiet: bool = False,
    statistics: bool = False,
) -> str:
    """The whole report; ``read_line(path, n)`` supplies source lines for carets."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    out: list[str] = []
    if statistics:
        counts = Counter((f.code, f.name, f.severity.value) for f in result.findings)
        for (code, name, severity), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(
                f"{n:>5}  {paint(_BOLD, code)}  {paint(_COLORS[severity], severity):<7}  {name}"
            )
    else:
        for finding in result.findings:
            out.append(_headline(finding, paint))
            if not quiet:
                out.extend(
                    _snippet(finding, read_line(finding.path, finding.span.start_line), paint)
                )
    for error in result.errors:
        out.append(f"{paint(_COLORS['error'], 'error')}: {error}")
    if not quiet or result.findings or result.errors:
        out.append(summary_line(result))
    return "\n".join(out) + "\n" if out else ""


def _headline(f: Finding, paint: Callable[[str, str], str]) -> str:
    sev = paint(_COLORS[f.severity.value], f.severity.value)
    where = f"{f.path}:{f.span.start_line}:{f.span.start_col}"
    return f"{paint(_BOLD, where)}: {sev} {paint(_BOLD, f.code)} [{f.name}] {f.message}"


def _snippet(f: Finding, line: str, paint: Callable[[str, str], str]) -> list[str]:
    if not line.strip():
        return []
    number = str(f.span.start_line)
    gutter = " " * len(number)
    start = f.span.start_col - 1
    end = f.span.end_col - 1 if f.span.end_line == f.span.start_line else len(line.rstrip())
    width = max(1, min(end, len(line)) - start)
    caret = " " * _display_width(line[:start]) + "^" * width
    return [
        paint(_DIM, f"  {number} | ") + line.expandtabs(1),
        paint(_DIM, f"  {gutter} | ") + paint(_COLORS[f.severity.value], caret),
    ]


def _display_width(prefix: str) -> int:
    return len(prefix.expandtabs(1))


def summary_line(result: RunResult) -> str:
    """``Found 4 problems (2 errors, 2 warnings) in 3 files.`` or an all-clear line."""
    s = result.summary
    files = f"{s.files} file{'s' if s.files != 1 else ''}"
    extra = []
    if result.errors:
        extra.append(f"{len(result.errors)} unreadable")
    if result.suppressed:
        extra.append(f"{len(result.suppressed)} suppressed")
    tail = f" ({', '.join(extra)})" if extra else ""
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
