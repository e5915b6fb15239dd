"""Where containers of one pod see the same files: volumes, mounts, sub-paths and the paths
their commands name.

Two mounts share files when they name the same volume (or volumes backed by the
same ConfigMap, Secret, claim or host path) and their ``subPath`` values overlap: one
is empty or a directory above the other. A path is on a mount when it is the
mount path or below it; the deepest such mount is the one that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sidecar_lint.model import ContainerView

_SOURCE_KEYS = (
    ("configMap", "name"),
    ("secret", "secretName"),
    ("persistentVolumeClaim", "claimName"),
    ("hostPath", "path"),
)

#: Volume types the app only reads: nothing it writes (logs) lands there.
READ_ONLY_TYPES = frozenset({"configMap", "secret", "projected", "downwardAPI"})

#: Path prefixes that are never files a sidecar should find on a volume.
_SYSTEM_PATHS = ("/dev/", "/proc/", "/sys/")


@dataclass(frozen=True)
class Mount:
    """One well-formed volume mount of a container, with its volume's identities."""

    volume: str
    path: str
    sub_path: str | None  # None: subPathExpr, whose value only the kubelet knows
    read_only: bool
    identities: frozenset[tuple[str, str]]
    volume_type: str | None

    def covers(self, path: str) -> bool:
        """Whether ``path`` (a file, directory or glob) lies on this mount."""
        base = self.path.rstrip("/") or "/"
        return base == "/" or path == base or path.startswith(base + "/")

    def shares_with(self, other: Mount) -> bool:
        """Whether both mounts see some of the same files."""
        if not self.identities & other.identities:
            return False
        if self.sub_path is None or other.sub_path is None:
            return True
        mine, theirs = self.sub_path.strip("/"), other.sub_path.strip("/")
        return (
            not mine
            or not theirs
            or mine == theirs
            or mine.startswith(theirs + "/")
            or theirs.startswith(mine + "/")
        )

    def describe(self) -> str:
        """``'app-logs' at /var/log/app (subPath 'web')``."""
        text = f"'{self.volume}' at {self.path}"
        return f"{text} (subPath '{self.sub_path}')" if self.sub_path else text


def volume_identities(
    spec: Mapping[str, Any],
) -> dict[str, tuple[frozenset[tuple[str, str]], str | None]]:
    """Each volume's identities (its name, what backs it when that is named) and its type."""
    out: dict[str, tuple[frozenset[tuple[str, str]], str | None]] = {}
    volumes = spec.get("volumes")
    if not isinstance(volumes, list):
        return out
    for volume in volumes:
        if not isinstance(volume, dict) or not isinstance(volume.get("name"), str):
            continue
        found = {("volume", volume["name"])}
        found |= _backing(volume)
        projected = volume.get("projected")
        if isinstance(projected, dict) and isinstance(projected.get("sources"), list):
            for item in projected["sources"]:
                if isinstance(item, dict):
                    found |= _backing(item)
        kind = next((k for k in volume if k != "name" and isinstance(volume[k], dict)), None)
        out[volume["name"]] = (frozenset(found), kind)
    return out


def _backing(item: Mapping[str, Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for key, field in _SOURCE_KEYS:
        source = item.get(key)
        if isinstance(source, dict):
            value = source.get(field) or source.get("name")
            if isinstance(value, str):
                found.add((key, value))
    return found


def mounts(
    container: ContainerView,
    volumes: Mapping[str, tuple[frozenset[tuple[str, str]], str | None]],
) -> list[Mount]:
    """The container's well-formed mounts (a mount of an undeclared volume is its own identity)."""
    items = container.spec.get("volumeMounts")
    if not isinstance(items, list):
        return []
    out: list[Mount] = []
    for m in items:
        if not isinstance(m, dict) or not isinstance(m.get("name"), str):
            continue
        path = m.get("mountPath")
        sub = m.get("subPath")
        identities, kind = volumes.get(m["name"], (frozenset({("volume", m["name"])}), None))
        out.append(
            Mount(
                volume=m["name"],
                path=path if isinstance(path, str) else "",
                sub_path=None if m.get("subPathExpr") else (sub if isinstance(sub, str) else ""),
                read_only=m.get("readOnly") is True,
                identities=identities,
                volume_type=kind,
            )
        )
    return out


def holding(path: str, candidates: Iterable[Mount]) -> Mount | None:
    """The deepest mount that holds ``path``, if any does."""
    found = [m for m in candidates if m.path and m.covers(path)]
    return max(found, key=lambda m: len(m.path.rstrip("/")), default=None)


def real_path(token: str) -> str | None:
    """An absolute path a command names, cut before any glob or variable; None for others."""
    token = token.strip("'\"")
    if not token.startswith("/") or token.startswith(_SYSTEM_PATHS) or token == "/":
        return None
    cut = re.split(r"[*?\[{$]", token, maxsplit=1)[0]
    if cut != token:
        cut = cut.rsplit("/", 1)[0] or "/"
    return cut.rstrip("/") or None


_TAIL = re.compile(r"\btail\b([^|;&]*)")
_FLUENT_BIT_PATH = re.compile(r"-p\s+[\"']?path=([^\s\"']+)", re.IGNORECASE)
_FLUENT_BIT_INPUT = re.compile(r"\[INPUT\].*?\bPath\s+(\S+)", re.DOTALL)


def tailed_paths(command_line: str) -> list[str]:
    """Files a log shipper's own command reads: ``tail -F`` arguments, Fluent Bit ``path``."""
    found: list[str] = []
    for match in _TAIL.finditer(command_line):
        found.extend(p for t in match.group(1).split() if (p := real_path(t)))
    for pattern in (_FLUENT_BIT_PATH, _FLUENT_BIT_INPUT):
        found.extend(p for m in pattern.finditer(command_line) if (p := real_path(m.group(1))))
    return list(dict.fromkeys(found))


_INOTIFY = re.compile(r"\binotifywait\b([^|;&]*)")


def watched_paths(command_line: str) -> list[str]:
    """Paths an ``inotifywait`` in the command waits on."""
    return list(
        dict.fromkeys(
            p
            for m in _INOTIFY.finditer(command_line)
            for t in m.group(1).split()
            if (p := real_path(t))
        )
    )


def flag_paths(command_line: str, flags: Sequence[str]) -> list[str]:
    """Paths given to any of ``flags`` (``--flag=/p`` or ``--flag /p``), in order."""
    names = "|".join(re.escape(f) for f in flags)
    pattern = re.compile(rf"(?:^|\s)(?:{names})(?:=|\s+)(\S+)")
    return list(dict.fromkeys(p for m in pattern.finditer(command_line) if (p := real_path(m[1]))))


def env_paths(container: ContainerView, names: Sequence[str]) -> list[str]:
    """Paths set in any of the environment variables ``names``."""
    env = container.spec.get("env")
    if not isinstance(env, list):
        return []
    return [
        p
        for e in env
        if isinstance(e, dict)
        and e.get("name") in names
        and isinstance(e.get("value"), str)
        and (p := real_path(e["value"]))
    ]


_LOG_FLAG = re.compile(
    r"(?:^|\s)--?(?:[a-z0-9]+[-_.])*logs?[-_.]?(?:file|dir|directory|path|folder)(?:=|\s+)(\S+)",
    re.IGNORECASE,
)
_LOG_ENV = re.compile(r"^(?:[A-Z0-9]+_)*LOGS?_?(?:FILE|DIR|DIRECTORY|PATH|FOLDER)$")


def log_setting_paths(container: ContainerView, command_line: str) -> list[str]:
    """Where an app is told to write logs: ``--log-file=…``, ``--log_dir …``, ``LOG_DIR``."""
    found = [p for m in _LOG_FLAG.finditer(command_line) if (p := real_path(m.group(1)))]
    env = container.spec.get("env")
    if isinstance(env, list):
        found.extend(
            p
            for e in env
            if isinstance(e, dict)
            and isinstance(e.get("name"), str)
            and _LOG_ENV.match(e["name"].upper())
            and isinstance(e.get("value"), str)
            and (p := real_path(e["value"]))
        )
    return list(dict.fromkeys(found))


def looks_like_log_mount(mount: Mount) -> bool:
    """A writable mount under /var/log, at a ``log``/``logs`` directory, or of a logs volume."""
    if mount.read_only or mount.volume_type in READ_ONLY_TYPES:
        return False
    path = mount.path.rstrip("/")
    if path == "/var/log" or path.startswith("/var/log/"):
        return True
    if any(part in ("log", "logs") for part in path.split("/")):
        return True
    words = re.split(r"[-_.]", mount.volume.lower())
    return mount.volume.lower() == "varlog" or any(w in ("log", "logs") for w in words)
