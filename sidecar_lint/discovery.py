"""Decide which files to lint from the paths given on the command line.

Directories are walked recursively for ``*.yaml``, ``*.yml`` and ``*.json``,
skipping hidden directories, never looping on symlinks, and honouring
``.gitignore`` when the directory is inside a git work tree (git itself is
asked, so nested ignore files, negations and global excludes all count).
A file named explicitly is always linted, whatever its name.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


@dataclass(frozen=True)
class Input:
    """One thing to lint: a file on disk, or standard input under a display name."""

    path: str  # as reported (relative when it was given relative)
    is_stdin: bool = False


class DiscoveryError(Exception):
    """A path on the command line that cannot be linted at all (exit 2)."""


def discover(
    paths: Iterable[str], excludes: Iterable[str] = (), stdin_name: str = "-"
) -> list[Input]:
    """Expand command-line paths into a sorted, de-duplicated list of inputs."""
    patterns = tuple(excludes)
    found: dict[str, Input] = {}
    for raw in paths:
        if raw == STDIN:
            found.setdefault(STDIN, Input(stdin_name, is_stdin=True))
            continue
        path = Path(raw)
        if path.is_dir():
            for file in _walk(path, patterns):
                found.setdefault(_key(file), Input(_display(file)))
        elif path.exists() or path.is_symlink():
            found.setdefault(_key(path), Input(_display(path)))
        else:
            raise DiscoveryError(f"{raw}: no such file or directory")
    inputs = list(found.values())
    inputs.sort(key=lambda i: (i.is_stdin, i.path))
    return inputs


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:  # pragma: no cover - resolve only fails on exotic file systems
        return str(path.absolute())


def _display(path: Path) -> str:
    text = os.path.normpath(str(path))
    return text.replace(os.sep, "/") if os.sep != "/" else text


def is_excluded(path: str, patterns: tuple[str, ...]) -> bool:
    """Match exclude globs against the whole relative path and every trailing part.

    ``--exclude 'charts/*/templates'`` and ``--exclude '*.tmpl.yaml'`` both do
    what people expect, with ``**`` crossing directories.
    """
    parts = PurePosixPath(path.replace(os.sep, "/")).parts
    for pattern in patterns:
        pat = pattern.rstrip("/")
        loose = pat.replace("**/", "")
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                run = "/".join(parts[i:j])
                if fnmatch.fnmatchcase(run, pat) or fnmatch.fnmatchcase(run, loose):
                    return True
    return False


def _is_manifest_name(name: str) -> bool:
    return name.lower().endswith(MANIFEST_SUFFIXES)


def _walk(root: Path, patterns: tuple[str, ...]) -> Iterator[Path]:
    listed = _git_listed(root)
    if listed is not None:
        for rel in listed:
            if _hidden(rel) or not _is_manifest_name(rel) or is_excluded(rel, patterns):
                continue
            file = root / rel
            if file.is_file() or file.is_symlink():  # a dangling link is reported, not skipped
                yield file
        return
    seen: set[tuple[int, int]] = set()
    yield from _walk_plain(root, root, patterns, seen)


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in rel.split("/")[:-1])


def _walk_plain(
    root: Path, directory: Path, patterns: tuple[str, ...], seen: set[tuple[int, int]]
) -> Iterator[Path]:
    """Walk without git, following directory symlinks at most once per real directory."""
    try:
        stat = directory.stat()
    except OSError:
        return
    ident = (stat.st_dev, stat.st_ino)
    if ident in seen:
        return
    seen.add(ident)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        rel = os.path.relpath(entry.path, root)
        if is_excluded(rel, patterns):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            if not entry.name.startswith("."):
                yield from _walk_plain(root, Path(entry.path), patterns, seen)
        elif _is_manifest_name(entry.name):
            yield Path(entry.path)


def _git_listed(root: Path) -> list[str] | None:
    """Files below ``root`` that git does not ignore, relative to ``root``; None outside git."""
    try:
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    names = {n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n}
    return sorted(names)
