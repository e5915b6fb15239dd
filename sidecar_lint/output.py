"""Write reports: files atomically (a crash never leaves a truncated report), devices and
pipes in place.

Also the one place that decides how text no encoder accepts is written. A file
name that is not valid UTF-8 reaches Python as a string holding lone
surrogates (PEP 383: byte ``0xff`` becomes ``U+DCFF``); so can a surrogate
escape quoted from a manifest. Every report is valid UTF-8 all the same:

- text formats (text, github, markdown, junit) show such a character as
  ``\\xff`` (an undecodable byte) or ``\\udXXX`` (any other lone surrogate),
  as Python itself prints them;
- JSON formats (json, sarif, baselines) write it as the JSON escape
  ``\\udcff``, which JSON parsers read back as the same string;
- hashes and URIs use the original bytes (:func:`utf8_bytes`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from pathlib import Path

_SURROGATE = re.compile("[\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def escape_surrogates(text: str) -> str:
    """``text`` with every lone surrogate shown as a backslash escape (valid UTF-8)."""
    return _SURROGATE.sub(_shown, text)


def json_escape_surrogates(serialized: str) -> str:
    """Serialized JSON with lone surrogates written as ``\\uXXXX`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` copies them through; they can only
    stand inside strings, where the escape means exactly the same character.
    """
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", serialized)


def utf8_bytes(text: str) -> bytes:
    """The bytes a path or message stands for: undecodable bytes restored (for hashes, URIs)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte: keep it distinct
        return text.encode("utf-8", "surrogatepass")


def write_atomic(path: str | Path, text: str) -> None:
    """Write a report to ``path`` the way its kind of file needs.

    - a regular file, or a name that does not exist yet: a temporary file
      beside it, then a rename, so a crash never leaves a truncated report;
      an existing file keeps its permission bits (and, where allowed, owner);
    - a symlink: its final target is written that way; the link stays;
    - anything else (a character device, a FIFO, ``/dev/fd/N``,
      ``/dev/stdout``): opened and written in place, as a shell's ``>``
      would, since renaming over it would replace the device or pipe.

    Raises :class:`OSError` when the report cannot be written; a file written
    by rename is then unchanged and no temporary file is left behind.
    """
    data = escape_surrogates(text).encode("utf-8")
    where, in_place = _resolve_target(os.fspath(path))
    if in_place:
        _write_in_place(where, data)
    else:
        _replace_atomically(where, data)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write a fixed input file: its final target (through symlinks) replaced atomically.

    The file keeps its permission bits and, where allowed, its owner; a file
    that is not a regular file (a device, a pipe) is refused, never written.
    """
    where, in_place = _resolve_target(os.fspath(path))
    if in_place:
        raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
    _replace_atomically(where, data)


#: The directory of a process's open file descriptors on Linux (``/dev/fd`` leads here).
_PROC_FD = re.compile(r"/proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd")
#: Symlink hops followed before giving up, as the kernel does (``ELOOP``).
_MAX_LINKS = 40


def _resolve_target(path: str) -> tuple[str, bool]:
    """Where to write and whether in place: symlinks followed one hop at a time.

    ``/dev/fd/N`` (and ``/dev/stdout``, which leads there) are links whose
    text is no path (``pipe:[123]``); they are written in place, never followed.
    """
    current = path
    for _ in range(_MAX_LINKS):
        try:
            info = os.lstat(current)
        except OSError:  # missing, or a reason the atomic write will name
            return current, False
        if stat.S_ISLNK(info.st_mode):
            if _is_descriptor_link(current):
                return current, True
            current = os.path.join(os.path.dirname(current), os.readlink(current))
            continue
        return current, not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode))
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)


def _is_descriptor_link(path: str) -> bool:
    parent = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    return parent == "/dev/fd" or _PROC_FD.fullmatch(parent) is not None


def _write_in_place(path: str, data: bytes) -> None:
    """Open an existing non-regular file (or descriptor link) and write ``data`` to it.

    A descriptor that leads to a regular file (``-o /dev/stdout >> log``) is
    appended to, so what the shell opened is neither truncated nor overwritten.
    """
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    with contextlib.suppress(OSError):
        if stat.S_ISREG(os.stat(path).st_mode):
            flags |= os.O_APPEND
    fd = os.open(path, flags)
    try:
        view = memoryview(data)
        while view:  # pipes may take less than asked
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _replace_atomically(path: str, data: bytes) -> None:
    """Temporary file beside ``path``, flushed to disk, then renamed over it."""
    target = Path(path)
    try:
        existing: os.stat_result | None = os.stat(target)
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        existing = None  # a directory: the rename below names the reason
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            if existing is None:  # as a plain open() would: reports are for sharing
                os.chmod(tmp, 0o666 & ~_umask())
            else:  # as a plain open() would: an existing file keeps its mode and owner
                _keep_owner(handle.fileno(), existing)
                os.chmod(tmp, stat.S_IMODE(existing.st_mode))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _keep_owner(fd: int, existing: os.stat_result) -> None:
    """Give the new file the old one's owner and group, where the process may."""
    chown = getattr(os, "fchown", None)
    if chown is None:
        return
    if (existing.st_uid, existing.st_gid) == (os.geteuid(), os.getegid()):
        return
    with contextlib.suppress(OSError):
        chown(fd, existing.st_uid, existing.st_gid)


def cannot_write(path: str, exc: OSError) -> str:
    """``reports/r.json: cannot write: No such file or directory``."""
    return f"{path}: cannot write: {exc.strerror or exc}"


def _umask() -> int:
    """The process umask (read by setting it, then restoring it at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
