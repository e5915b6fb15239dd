"""Results of earlier runs, so an unchanged file is not parsed or linted again.

One cache file per *run key*: the tool version (and the installed package's
files, so an edited checkout never reuses stale results), the version of
every library that can change a result (see :func:`library_versions`), the effective
settings (rules, severities, parameters, Kubernetes version and feature
gates, overrides, sidecar patterns, limits), the bytes of every rule file, and the working
directory (reported paths and override globs are relative to it). Inside,
each file's entry is keyed by its reported path and holds the BLAKE2b digest
of its content and the digest of the run's cluster objects (Namespaces,
SidecarSets and Services in any input, which change what a pod's findings
are): a file whose bytes changed, or a run whose cluster objects did, lints
it again.

The cache lives outside the linted tree (``--cache-dir``,
``$SIDECAR_LINT_CACHE_DIR``, ``$XDG_CACHE_HOME/sidecar-lint`` or
``~/.cache/sidecar-lint``), is written atomically, and may be deleted at any
time. A corrupt or partial file, or an entry that does not read back, is
ignored: the file is simply linted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sidecar_lint import __version__
from sidecar_lint.file_report import FileReport, digest_of, report_from_data, report_to_data
from sidecar_lint.output import write_atomic

if TYPE_CHECKING:
    from sidecar_lint.settings import Settings

CACHE_ENV = "SIDECAR_LINT_CACHE_DIR"
#: Bumped when the entry format changes (2: findings no longer carry ``extra``).
FORMAT = 2


def default_cache_dir(env: dict[str, str] | None = None) -> Path:
    """``$SIDECAR_LINT_CACHE_DIR``, else the user's cache directory (never the linted tree)."""
    environ = os.environ if env is None else env
    explicit = environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "sidecar-lint"


def run_key(settings: Settings, cwd: str | None = None) -> str:
    """The hash of everything besides a file's own bytes that decides its findings."""
    h = hashlib.blake2b(digest_size=16)

    def add(label: str, value: bytes) -> None:
        h.update(label.encode() + b"\0" + len(value).to_bytes(8, "big") + value)

    add("format", str(FORMAT).encode())
    add("version", __version__.encode())
    add("package", _package_fingerprint().encode())
    add("libraries", json.dumps(library_versions(), sort_keys=True).encode())
    from sidecar_lint.loading import fast_path_available

    add("fast path", str(fast_path_available()).encode())  # yaml-rs may be switched off
    add("settings", json.dumps(settings.describe(), sort_keys=True, default=str).encode())
    add("active", ",".join(r.code for r in settings.active).encode())
    add("cwd", os.path.abspath(cwd or os.getcwd()).encode())
    from sidecar_lint.rule_catalogue import builtin_rules_dir, first_document

    for directory in [builtin_rules_dir(), *settings.loaded.rule_dirs()]:
        for path in sorted(Path(directory).glob("*.yaml")):
            try:  # what the catalogue reads: a rule file's test cases decide no finding
                add(str(path), first_document(path.read_bytes()))
            except OSError:
                add(str(path), b"<unreadable>")
    return h.hexdigest()


#: Distributions read through :mod:`importlib.metadata`: not imported by every run,
#: so their modules are not imported just to learn the version.
_DISTRIBUTIONS = ("yaml-rs", "jsonpath-ng")


@cache
def library_versions() -> dict[str, str]:
    """Versions of Python and of every library whose behaviour can change a finding.

    A parser release can read the same bytes differently (a position, a
    resolved tag), so results computed under one must not be served to
    another. PyYAML and pydantic are already imported by any run; the
    optional and lazily imported ones are looked up once per process.
    """
    import pydantic
    import pydantic_core
    import yaml

    versions = {
        "python": f"{sys.implementation.name} {'.'.join(map(str, sys.version_info))}",
        "pyyaml": yaml.__version__,
        "libyaml": _libyaml_version(yaml),
        "pydantic": pydantic.VERSION,
        "pydantic-core": pydantic_core.__version__,
    }
    from importlib import metadata

    for name in _DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _libyaml_version(yaml: Any) -> str:
    """libyaml's version when PyYAML uses its C extension, else ``unused``."""
    if not getattr(yaml, "__with_libyaml__", False):
        return "unused"
    try:
        return str(yaml._yaml.get_version_string())
    except (AttributeError, ImportError):  # pragma: no cover - a partial build
        return "unknown"


def _package_fingerprint() -> str:
    """Names, sizes and modification times of the installed package's files."""
    root = Path(__file__).resolve().parent
    parts: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(directory, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            parts.append(f"{os.path.relpath(path, root)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


class Cache:
    """Entries of one run key: read at start, written back once at the end."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.file = directory / f"v{FORMAT}" / f"{key}.json"
        self.entries: dict[str, Any] = self._read()
        self.changed = False
        self.hits = 0
        #: The digest of the run's cluster objects (Namespaces, SidecarSets, Services in
        #: any input): a file's findings depend on them, so an entry counts only under the same.
        self.context = ""

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        entries = data.get("files")
        return entries if isinstance(entries, dict) else {}

    def lookup(self, path: str) -> FileReport | None:
        """The cached report for ``path`` if its content is unchanged, else None."""
        entry = self.entries.get(path)
        if not isinstance(entry, dict):
            return None
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            return None
        if entry.get("digest") != digest_of(raw) or entry.get("context", "") != self.context:
            return None
        try:
            report = report_from_data(entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if report.path != path:
            return None
        self.hits += 1
        return report

    def store(self, report: FileReport) -> None:
        """Remember a fresh report, if it survives the trip through JSON unchanged."""
        data = report_to_data(report)
        try:
            text = json.dumps(data, allow_nan=False)
            back = report_from_data(json.loads(text))
        except (TypeError, ValueError, KeyError):
            return
        if back != report:
            return  # e.g. a pointer through a date key: not representable, not cached
        if self.context:
            data["context"] = self.context
        self.entries[report.path] = data
        self.changed = True

    def save(self) -> None:
        """Write the entries atomically; a failure to write only costs speed next time."""
        if not self.changed:
            return
        payload = json.dumps(
            {"format": FORMAT, "files": self.entries}, separators=(",", ":"), allow_nan=False
        )
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.file, payload)  # a report's writer: no reader sees half a file
