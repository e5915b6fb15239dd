"""What a pull request changes, from git: which files, and which lines of them.

GitHub shows only 10 annotations of each level per step, so the GitHub
reporter puts findings on the pull request's own lines first. The reporter
only formats; this module asks git, and answers ``None`` whenever git cannot
(no repository, a shallow clone without the base branch, no git at all), so
the reporter falls back to its plain order.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sidecar_lint.paths import RepoPaths

#: Seconds any one git command may take.
GIT_TIMEOUT = 60
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {
    ord("a"): 7,
    ord("b"): 8,
    ord("t"): 9,
    ord("n"): 10,
    ord("v"): 11,
    ord("f"): 12,
    ord("r"): 13,
    ord('"'): 34,
    ord("\\"): 92,
}


@dataclass(frozen=True)
class Changes:
    """Files a pull request changes and the line ranges it adds or rewrites in each.

    Paths are POSIX and relative to the report root (as annotations use
    them); ranges are 1-based and inclusive, as lines of the new file.
    """

    files: frozenset[str]
    lines: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def touches(self, path: str, first: int, last: int) -> bool:
        """Whether lines ``first``..``last`` of ``path`` overlap a changed range."""
        return any(low <= last and first <= high for low, high in self.lines.get(path, ()))


def pull_request_changes(env: Mapping[str, str], paths: RepoPaths) -> Changes | None:
    """The pull request's changes when ``GITHUB_BASE_REF`` names its base, else None.

    The base is the merge base of ``HEAD`` and ``origin/<base ref>``, else of
    ``HEAD`` and ``<base ref>``, else the first parent of ``HEAD`` when that
    is the merge commit GitHub checks out for a pull request; the changes
    are those of ``git diff <base>...HEAD``.
    """
    ref = env.get("GITHUB_BASE_REF", "").strip()
    if not ref or ref.startswith("-"):  # never let a ref read as an option
        return None
    top = _git(paths.absolute(paths.root), "rev-parse", "--show-toplevel")
    if top is None:
        return None
    top_dir = os.fsdecode(top.rstrip(b"\n"))
    base = _base(top_dir, ref)
    if base is None:
        return None
    names = _git(top_dir, "diff", "--name-only", "-z", "--no-ext-diff", f"{base}...HEAD")
    if names is None:
        return None
    patch = _git(
        top_dir,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        f"{base}...HEAD",
    )
    files: set[str] = set()
    for raw in names.split(b"\0"):
        rel = _report_path(raw, top_dir, paths)
        if rel is not None:
            files.add(rel)
    lines: dict[str, tuple[tuple[int, int], ...]] = {}
    for raw, ranges in parse_added_lines(patch or b"").items():
        rel = _report_path(raw, top_dir, paths)
        if rel is not None and ranges:
            lines[rel] = tuple(ranges)
    return Changes(frozenset(files), lines)


def _base(top: str, ref: str) -> str | None:
    for candidate in (f"origin/{ref}", ref):
        if _git(top, "merge-base", "HEAD", candidate) is not None:
            return candidate
    parents = _git(top, "rev-list", "--parents", "-n", "1", "HEAD")
    if parents is not None and len(parents.split()) == 3:  # HEAD merges the PR into its base
        return "HEAD^1"
    return None


def _report_path(raw: bytes, top: str, paths: RepoPaths) -> str | None:
    if not raw:
        return None
    return paths.relative(os.path.join(top, os.fsdecode(raw)))


def parse_added_lines(patch: bytes) -> dict[bytes, list[tuple[int, int]]]:
    """Git path (bytes, relative to the top level) → ranges of new lines, from a ``-U0`` diff.

    Deleted files and pure deletions add no range.
    """
    out: dict[bytes, list[tuple[int, int]]] = {}
    current: bytes | None = None
    in_header = False
    for line in patch.split(b"\n"):
        if line.startswith(b"diff --git "):
            current, in_header = None, True
        elif in_header and line.startswith(b"+++ "):
            # git ends a name holding a space with a tab; a name's own tab would be quoted.
            name = _unquote(line[4:].rstrip(b"\r").removesuffix(b"\t"))
            current = name[2:] if name.startswith(b"b/") else None  # /dev/null: deleted
            if current is not None:
                out.setdefault(current, [])
        elif line.startswith(b"@@ "):  # content lines start with +, -, space or backslash
            in_header = False
            match = _HUNK.match(line)
            if current is None or match is None:
                continue
            start, count = int(match.group(1)), int(match.group(2) or b"1")
            if count:
                out[current].append((start, start + count - 1))
    return out


def _unquote(name: bytes) -> bytes:
    """A path as git prints it: C-style quoted (``"b/a\\tb"``, octal bytes) or plain."""
    if len(name) < 2 or not (name.startswith(b'"') and name.endswith(b'"')):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char != ord("\\") or i + 1 == len(body):
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1]
        octal = body[i + 1 : i + 4]
        if len(octal) == 3 and all(ord("0") <= c <= ord("7") for c in octal):
            out.append(int(octal, 8) & 0xFF)
            i += 4
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return bytes(out)


def _git(cwd: str, *args: str) -> bytes | None:
    """Standard output of one git command, or None when it fails or git is missing."""
    command: Sequence[str] = ["git", "-C", cwd, "-c", "core.quotePath=true", *args]
    try:
        proc = subprocess.run(
            command,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


__all__ = ["Changes", "parse_added_lines", "pull_request_changes"]
