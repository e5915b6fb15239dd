"""Paths as the run sees them: repository-relative paths and glob matching.

A finding's identity must not depend on the directory the linter ran from,
so every consumer maps reported paths through one :class:`RepoPaths`.

Globs (``exclude``, ``--exclude``, overrides' ``files``) are gitignore-style
patterns matched by :mod:`pathspec`, with one difference: a pattern is never
anchored to the start of the path unless it begins with ``/``, so
``charts/*/templates`` prunes such a directory at any depth, as a bare name
does. A pattern that matches a directory matches everything below it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

STDIN_PATH = "-"


def repository_root(cwd: str | None = None) -> str:
    """The git top-level of ``cwd`` (default: the current directory).

    When git cannot answer (not installed, or not a repository it can read),
    the nearest directory upwards holding a ``.git`` entry; else ``cwd``.
    """
    base = os.path.abspath(cwd or os.getcwd())
    try:
        proc = subprocess.run(
            ["git", "-C", base, "rev-parse", "--show-toplevel"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        top = proc.stdout.decode("utf-8", "surrogateescape").strip()
        if proc.returncode == 0 and top:
            return os.path.abspath(top)
    except (OSError, subprocess.SubprocessError):
        pass
    directory = base
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return base
        directory = parent


@dataclass
class RepoPaths:
    """Maps reported file paths to POSIX paths relative to the repository root.

    A path is first resolved through symlinks (GitHub does not show results
    in symlinked files); when the real file lies outside the root, the path
    as given is tried. ``-`` (standard input without a name) and files
    outside the root have no repository path.
    """

    root: str
    cwd: str = field(default_factory=os.getcwd)
    _cache: dict[str, str | None] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        absolute = os.path.abspath(os.path.join(self.cwd, self.root))
        self._roots = tuple(dict.fromkeys((os.path.realpath(absolute), absolute)))

    def absolute(self, path: str) -> str:
        return os.path.abspath(os.path.join(self.cwd, path))

    def relative(self, path: str) -> str | None:
        """``deploy/web.yaml`` for a file inside the root; None for stdin or outside it."""
        if path in self._cache:
            return self._cache[path]
        rel = None if path == STDIN_PATH else self._relative(path)
        self._cache[path] = rel
        return rel

    def _relative(self, path: str) -> str | None:
        given = self.absolute(path)
        for candidate in dict.fromkeys((os.path.realpath(given), given)):
            for root in self._roots:
                try:
                    rel = os.path.relpath(candidate, root)
                except ValueError:  # another drive on Windows
                    continue
                if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
                    continue
                return Path(rel).as_posix()
        return None


def matches_any(path: str, globs: Iterable[str]) -> bool:
    """Whether ``path`` (relative, either separator) or a directory above it matches a glob.

    ``**`` crosses directories; ``*`` and ``?`` stay within one name.
    """
    spec = _compiled(tuple(globs))
    if spec is None:
        return False
    posix = PurePosixPath(path.replace(os.sep, "/")).as_posix().lstrip("/")
    return spec.match_file(posix)


@lru_cache(maxsize=256)
def _compiled(globs: tuple[str, ...]) -> pathspec.PathSpec[pathspec.Pattern] | None:
    """One matcher per set of globs (a run has a few: the excludes, each override's files)."""
    import pathspec  # only runs with globs need it

    lines = [line for line in map(_gitignore_line, globs) if line]
    return pathspec.PathSpec.from_lines("gitignore", lines) if lines else None


def _gitignore_line(glob: str) -> str:
    """``glob`` as a gitignore line that matches it at any depth.

    A trailing ``/`` is dropped (a glob names files and directories alike),
    trailing spaces are kept, and a glob not already starting with ``**/`` or
    ``/`` gets that prefix, so it is not anchored: gitignore anchors any
    pattern with an inner slash. The prefix also keeps a leading ``!`` or
    ``#`` literal.
    """
    line = glob.rstrip("/")
    if not line:
        return ""
    stripped = line.rstrip(" ")
    if stripped != line:
        line = stripped + "\\ " * (len(line) - len(stripped))
    if line == "**" or line.startswith(("**/", "/")):
        return line
    return "**/" + line


__all__ = ["STDIN_PATH", "RepoPaths", "matches_any", "repository_root"]
