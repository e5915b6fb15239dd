"""Decide which files to lint from the paths given on the command line.

Directories are walked recursively for ``*.yaml``, ``*.yml`` and ``*.json``,
skipping hidden directories, never looping on symlinks, and honouring
``.gitignore`` when the directory is inside a git work tree (git itself is
asked, so nested ignore files, negations and global excludes all count).
A file named explicitly is always linted, whatever its name. A walked file
that turns out not to be a manifest (see :mod:`sidecar_lint.loading.not_manifest`)
is passed over, as one without objects is; named, it gets a note.

Nothing is dropped without a word: a path on the command line that does not
exist becomes an input that reports "does not exist" (exit 2, after every
report is written), a dangling or looping symlink with a manifest name is
read and reported as unreadable, and a named pipe, socket or device met
while walking is skipped, because reading it could block forever, with a
note for the caller to show. Named explicitly, such a file is read.

Standard input with no YAML content at all (no bytes, or nothing but
whitespace, comments and document markers) is what a failed ``helm template``
piped in without ``pipefail`` leaves; linting it would be a green run on
nothing, so the command line makes it an error unless ``--allow-empty``.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sidecar_lint.paths import matches_any

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


@dataclass(frozen=True)
class Input:
    """One thing to lint: a file on disk, or standard input under a display name."""

    path: str  # as reported (relative when it was given relative)
    is_stdin: bool = False
    #: Why it cannot be read, when that is known before reading (a path that does not exist).
    problem: str | None = None
    #: Standard input that must hold some YAML content (the command line without --allow-empty).
    require_content: bool = False
    #: Found by walking a directory, not named: a file there that is no manifest is passed over.
    walked: bool = False

    def unreadable(self) -> str | None:
        """The line to report instead of linting, when discovery already knows it."""
        return f"{self.path}: {self.problem}" if self.problem is not None else None

    def content_problem(self, raw: bytes) -> str | None:
        """The line to report instead of linting ``raw``, when it must hold content and does not."""
        if self.require_content and not has_content(raw):
            return f"{self.path}: {EMPTY_STDIN}"
        return None


#: Why empty standard input is not linted (after the reported name and a colon).
EMPTY_STDIN = "standard input is empty (pass --allow-empty to accept it)"


def has_content(raw: bytes) -> bool:
    """Whether ``raw`` holds anything but whitespace, comments and document markers.

    A marker line followed by content (``--- {a: 1}``) is content. Bytes that
    are not UTF-8 are content too: they are for the loader to report.
    """
    if not raw.strip():
        return False
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    return not all(_without_content(line) for line in text.splitlines())


def _without_content(line: str) -> bool:
    """A blank line, a comment, or a bare ``---`` or ``...`` (with a comment at most)."""
    stripped = line.strip()
    if stripped.startswith(("---", "...")):
        rest = stripped[3:]
        if rest and rest[0] not in " \t":
            return False  # ``---foo`` is a plain scalar
        stripped = rest.strip()
    return not stripped or stripped.startswith("#")


class DiscoveryError(Exception):
    """A path on the command line that cannot be linted at all (exit 2).

    :func:`discover` no longer raises it: a missing path is an :class:`Input`
    with a :attr:`~Input.problem`. Kept for code that catches it.
    """


def discover(
    paths: Iterable[str],
    excludes: Iterable[str] = (),
    stdin_name: str = "-",
    skipped: list[str] | None = None,
    allow_empty_stdin: bool = True,
) -> list[Input]:
    """Expand command-line paths into a sorted, de-duplicated list of inputs.

    With ``allow_empty_stdin`` False, standard input must hold some YAML
    content (see :meth:`Input.content_problem`).

    A path that does not exist is kept as an input whose :attr:`Input.problem`
    says so, so that the run still lints and reports everything else. Files a
    walk passes over because they are not regular files (named pipes, sockets,
    devices) are described in ``skipped``, one line each, when a list is given.
    """
    patterns = tuple(excludes)
    notes = skipped if skipped is not None else []
    found: dict[str, Input] = {}
    for raw in paths:
        if raw == STDIN:
            stdin = Input(stdin_name, is_stdin=True, require_content=not allow_empty_stdin)
            found.setdefault(STDIN, stdin)
            continue
        path = Path(raw)
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except ValueError:  # a NUL byte: not a path any system call takes
            found.setdefault("\0" + raw, Input(raw, problem="not a valid path"))
            continue
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR) and not os.path.lexists(path):
                found.setdefault(_key(path), Input(_display(path), problem="does not exist"))
                continue
            is_dir = False  # a dangling or looping link, a denied lookup: reading says which
        if is_dir:
            for file, problem in _walk(path, patterns, notes):
                found.setdefault(_key(file), Input(_display(file), problem=problem, walked=True))
        else:  # named explicitly: read whatever it is (a pipe, /dev/stdin...)
            found.setdefault(_key(path), Input(_display(path)))
    inputs = list(found.values())
    inputs.sort(key=lambda i: (i.is_stdin, i.path))
    return inputs


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return os.path.abspath(path)


def _display(path: Path) -> str:
    text = os.path.normpath(str(path))
    return text.replace(os.sep, "/") if os.sep != "/" else text


def _is_manifest_name(name: str) -> bool:
    return name.lower().endswith(MANIFEST_SUFFIXES)


#: What a walk calls the files it does not open (see :func:`_special`).
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _special(shown: Path, mode: int) -> str:
    """The note for a file a walk skips because opening it could block or never end."""
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file")
    return f"{_display(shown)}: skipped, {kind} (name it explicitly to read it)"


#: A file a walk found, with the reason it cannot be read when the walk already knows it.
Found = tuple[Path, str | None]


def _unlistable(directory: Path, reason: str) -> Found:
    return directory, f"cannot read directory: {reason}"


def _walk(root: Path, patterns: tuple[str, ...], skipped: list[str]) -> Iterator[Found]:
    git = _git_listed(root)
    if git is not None:
        listed, unlistable = git
        for rel, reason in unlistable:
            if not _hidden(rel + "/x") and not matches_any(rel, patterns):
                yield _unlistable(root / rel, reason)
        for rel in listed:
            if _hidden(rel) or not _is_manifest_name(rel) or matches_any(rel, patterns):
                continue
            file = root / rel
            try:
                mode = file.stat().st_mode
            except OSError:
                if os.path.lexists(file):  # a dangling or looping link is reported, not skipped
                    yield file, None
                continue  # still in git's index, but deleted from the work tree
            if stat.S_ISREG(mode):
                yield file, None
            elif not stat.S_ISDIR(mode):  # git does not follow a link to a directory either
                skipped.append(_special(file, mode))
        return
    seen: set[tuple[int, int]] = set()
    yield from _walk_plain(root, root, patterns, seen, skipped)


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in rel.split("/")[:-1])


def _walk_plain(
    root: Path,
    directory: Path,
    patterns: tuple[str, ...],
    seen: set[tuple[int, int]],
    skipped: list[str],
) -> Iterator[Found]:
    """Walk without git, following directory symlinks at most once per real directory.

    A directory that cannot be listed is reported like an unreadable file:
    the manifests in it would otherwise vanish from the run without a word.
    """
    try:
        info = directory.stat()
        ident = (info.st_dev, info.st_ino)
        if ident in seen:
            return
        seen.add(ident)
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as err:
        yield _unlistable(directory, err.strerror or type(err).__name__)
        return
    for entry in entries:
        rel = os.path.relpath(entry.path, root)
        if matches_any(rel, patterns):
            continue
        try:
            mode = entry.stat().st_mode  # through symlinks
        except OSError:  # a dangling or looping link: read, so that it is reported
            if _is_manifest_name(entry.name):
                yield Path(entry.path), None
            continue
        if stat.S_ISDIR(mode):
            if not entry.name.startswith("."):
                yield from _walk_plain(root, Path(entry.path), patterns, seen, skipped)
        elif _is_manifest_name(entry.name):
            if stat.S_ISREG(mode):
                yield Path(entry.path), None
            else:
                skipped.append(_special(Path(entry.path), mode))


#: How git reports a directory it cannot list (it goes on without it, exit status 0).
_GIT_UNLISTABLE = re.compile(r"^warning: could not open directory '(.*)/': (.*)$", re.MULTILINE)


def _git_listed(root: Path) -> tuple[list[str], list[tuple[str, str]]] | None:
    """Files below ``root`` that git does not ignore, relative to ``root``; None outside git.

    Also the directories git could not list (relative, with the reason), which
    git only mentions as a warning.
    """
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
    warnings = proc.stderr.decode("utf-8", "surrogateescape")
    return sorted(names), _GIT_UNLISTABLE.findall(warnings)
