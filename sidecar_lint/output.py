"""Write output files atomically: a crash never leaves a truncated report behind.

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
import os
import re
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
    """Write ``text`` to a temporary file beside ``path``, then rename it into place.

    Raises :class:`OSError` when the file cannot be written; nothing is left
    behind then, and an existing file at ``path`` is unchanged.
    """
    target = Path(path)
    data = escape_surrogates(text).encode("utf-8")
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, 0o666 & ~_umask())  # as a plain open() would: reports are for sharing
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cannot_write(path: str, exc: OSError) -> str:
    """``reports/r.json: cannot write: No such file or directory``."""
    return f"{path}: cannot write: {exc.strerror or exc}"


def _umask() -> int:
    """The process umask (read by setting it, then restoring it at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
