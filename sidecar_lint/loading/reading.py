"""One file's bytes to a :class:`~sidecar_lint.loading.loaded.LoadedSource`: decode, then read.

Bytes past the size limit, undecodable or binary input become one placed
problem, never a crash. Text is read as JSON or YAML; with ``fast=True``
(what the command line uses) the fast first read
(:mod:`sidecar_lint.loading.fast_read`) is tried first and kept only when it
is provably what the reference read builds, with positions made on demand
(:mod:`sidecar_lint.loading.lazy_positions`). Everything else takes the
reference read (:mod:`sidecar_lint.loading.yaml_stream`).
"""

from __future__ import annotations

from sidecar_lint.document import Document, SourceFile
from sidecar_lint.loading import fast_read
from sidecar_lint.loading.documents import expand_lists
from sidecar_lint.loading.json_text import looks_like_json, read_json
from sidecar_lint.loading.lazy_positions import read_fast
from sidecar_lint.loading.loaded import (
    DEFAULT_LIMITS,
    Limits,
    LoadedSource,
    ParseProblem,
    line_column,
)
from sidecar_lint.loading.yaml_stream import read_yaml

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _encoding(raw: bytes) -> tuple[str, int]:
    """The codec YAML reads ``raw`` with (UTF-8 unless a BOM says otherwise), and the BOM's size."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec, len(bom)
    return "utf-8", 0


def encoding_of(raw: bytes) -> tuple[str, bytes]:
    """The codec a file's bytes are read with and the BOM they start with (b"" for none).

    Writing a fixed file back encodes its text the same way, BOM first.
    """
    codec, bom = _encoding(raw)
    return codec, raw[:bom]


def decode(raw: bytes) -> str:
    """Decode file bytes as YAML allows (UTF-8, or UTF-16/32 with a BOM).

    The BOM is dropped so that it never shifts a column. Raises
    :class:`UnicodeDecodeError` for anything else, which the caller reports.
    """
    codec, bom = _encoding(raw)
    return raw[bom:].decode(codec) if bom else raw.decode(codec)


def load_source(
    source: SourceFile, limits: Limits = DEFAULT_LIMITS, fast: bool = False
) -> LoadedSource:
    """Parse every document of ``source``; never raises for bad input.

    ``fast`` allows the fast first read (see the module docstring); the
    result is the same, positions included, whichever read is taken.
    """
    text = source.text
    if text.startswith("\ufeff"):
        source.text = text = text[1:]
    documents: list[Document] = []
    problems: list[ParseProblem] = []
    is_json = looks_like_json(source.path, text)
    if fast and fast_read.available():
        if is_json:
            done = read_json(source, documents, problems, limits, lazy=True)
        else:
            done = read_fast(source, text, documents, limits)
        if done:
            return LoadedSource(source, expand_lists(documents), problems)
        documents.clear()
        problems.clear()
    if is_json:
        read_json(source, documents, problems, limits)
    else:
        read_yaml(source, text, 0, 0, documents, problems, limits)
    return LoadedSource(source, expand_lists(documents), problems)


def fast_path_available() -> bool:
    """Whether ``fast=True`` can take the fast first read (not switched off by the environment)."""
    return fast_read.available()


def load_bytes(
    path: str, raw: bytes, limits: Limits = DEFAULT_LIMITS, fast: bool = False
) -> LoadedSource:
    """Decode and parse one file's bytes; undecodable or binary input is a problem, not a crash."""
    if len(raw) > limits.max_file_bytes:
        message = (
            f"file is {_size(len(raw))}, above the {_size(limits.max_file_bytes)} limit: not "
            "read (raise it with --max-file-size)"
        )
        return LoadedSource(
            SourceFile(path, ""), [], [ParseProblem(message, 0, 0, 0, syntax=False)]
        )
    try:
        text = decode(raw)
    except UnicodeDecodeError as err:
        return LoadedSource(SourceFile(path, ""), [], [_undecodable(raw, err)])
    nul = text.find("\x00")
    if nul >= 0:
        line, column = line_column(text, nul)
        problem = ParseProblem(
            "contains a NUL character (binary file?)", line, column, 0, syntax=False
        )
        return LoadedSource(SourceFile(path, text), [], [problem])
    return load_source(SourceFile(path, text), limits, fast)


def _undecodable(raw: bytes, err: UnicodeDecodeError) -> ParseProblem:
    """The encoding the file claims, the first byte it cannot decode, and where that byte is.

    ``err`` counts from after the BOM; the text before the bad byte decodes,
    so its line and column are in characters, like every other position.
    """
    codec, bom = _encoding(raw)
    offset = bom + err.start
    before = raw[bom:offset].decode(codec, "replace")
    line, column = line_column(before, len(before))
    bad = raw[offset : offset + 1].hex()
    message = f"not {codec.upper()} text: byte 0x{bad} cannot be decoded (binary file?)"
    return ParseProblem(message, line, column, 0, syntax=False)


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n} bytes"
