"""What a kustomization reads, found by reading its files ourselves (no tool needed).

The run needs this whether or not Kustomize is installed: to know which files
a rendered kustomization covers (they are not linted a second time on their
own), which files are patches (partial objects, judged as such when nothing
is rendered), which entries point at remote bases (never fetched), and which
files decide a render's result (its cache key).

Each kustomization file is read with the project's loader, so an entry can be
reported at its own line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sidecar_lint.document import Document, Pointer, Span
from sidecar_lint.loading import LoadedSource, load_bytes

#: The file names Kustomize looks for, in its own order.
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

#: Fields whose entries are files or directories of resources.
_RESOURCE_FIELDS = ("resources", "bases", "components")
#: Fields whose entries (or whose entries' ``path``) are patch files.
_PATCH_FIELDS = ("patches", "patchesStrategicMerge", "patchesJson6902")
#: Fields whose entries name other files the build reads (path or list of paths).
_OTHER_FILE_FIELDS = ("crds", "configurations", "generators", "transformers", "validators")
_GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory``, or None when it holds none."""
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def is_remote(entry: str) -> bool:
    """Whether a resource entry names something fetched over the network."""
    lowered = entry.lower()
    return (
        "://" in lowered
        or lowered.startswith(("github.com/", "gitlab.com/", "bitbucket.org/", "git@"))
        or "?ref=" in lowered
    )


@dataclass(frozen=True)
class PatchFile:
    """A patch file and the kustomization that lists it (with the entry's target, if any)."""

    path: Path
    kustomization: Path
    target: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    json6902: bool = False


@dataclass(frozen=True)
class Entry:
    """One entry of a kustomization file, and where it is written."""

    kustomization: Path
    value: str
    span: Span


@dataclass
class Tree:
    """Everything reachable from one kustomization: its files, patches and problems."""

    root: Path  # the kustomization file
    kind: str = "Kustomization"
    kustomizations: list[Path] = field(default_factory=list)
    files: set[Path] = field(default_factory=set)  # every file it reads, kustomizations too
    patches: list[PatchFile] = field(default_factory=list)
    remote: list[Entry] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # every file entry, for error positions

    @property
    def directory(self) -> Path:
        return self.root.parent

    def is_component(self) -> bool:
        """A Component is only built through a kustomization that lists it."""
        return self.kind == "Component"


def read_tree(root: Path) -> Tree:
    """The files reachable from the kustomization file ``root`` (each read once).

    Missing files are left for the tool to report; cycles end where they begin.
    """
    root = root.resolve()
    tree = Tree(root)
    seen: set[Path] = set()
    stack = [root]
    while stack:
        kfile = stack.pop()
        if kfile in seen:
            continue
        seen.add(kfile)
        tree.kustomizations.append(kfile)
        tree.files.add(kfile)
        loaded = _load(kfile)
        doc = next((d for d in loaded.documents if isinstance(d.data, dict)), None)
        if doc is None:
            continue
        data: dict[str, Any] = doc.data
        if kfile == root and isinstance(data.get("kind"), str):
            tree.kind = data["kind"]
        for entry in _entries(doc, kfile, _RESOURCE_FIELDS):
            if is_remote(entry.value):
                tree.remote.append(entry)
                continue
            tree.entries.append(entry)
            target = (kfile.parent / entry.value).resolve()
            if target.is_dir():
                nested = kustomization_file(target)
                if nested is not None:
                    stack.append(nested.resolve())
            else:
                tree.files.add(target)
        for patch in _patches(doc, kfile):
            tree.patches.append(patch)
            tree.files.add(patch.path)
        for entry in _entries(doc, kfile, _OTHER_FILE_FIELDS):
            tree.entries.append(entry)
            tree.files.add((kfile.parent / entry.value).resolve())
        for entry in _generator_files(doc, kfile):
            tree.entries.append(entry)
            tree.files.add((kfile.parent / entry.value).resolve())
    return tree


def _load(path: Path) -> LoadedSource:
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    return load_bytes(str(path), raw)


def _span(doc: Document, pointer: Pointer) -> Span:
    span, _ = doc.locate(pointer)
    return span


def _entries(doc: Document, kfile: Path, fields: tuple[str, ...]) -> Iterator[Entry]:
    data = doc.data
    for name in fields:
        values = data.get(name)
        if isinstance(values, str):
            yield Entry(kfile, values, _span(doc, (name,)))
        elif isinstance(values, list):
            for i, value in enumerate(values):
                if isinstance(value, str):
                    yield Entry(kfile, value, _span(doc, (name, i)))
                elif isinstance(value, dict) and isinstance(value.get("path"), str):
                    yield Entry(kfile, value["path"], _span(doc, (name, i, "path")))


def _patches(doc: Document, kfile: Path) -> Iterator[PatchFile]:
    data = doc.data
    for name in _PATCH_FIELDS:
        values = data.get(name)
        if not isinstance(values, list):
            continue
        for value in values:
            path: Any = value
            target: Any = {}
            if isinstance(value, dict):
                path, target = value.get("path"), value.get("target") or {}
            if not isinstance(path, str) or "\n" in path:  # inline patches live in kfile
                continue
            yield PatchFile(
                (kfile.parent / path).resolve(),
                kfile,
                target if isinstance(target, dict) else {},
                json6902=name == "patchesJson6902",
            )


def _generator_files(doc: Document, kfile: Path) -> Iterator[Entry]:
    for name in _GENERATOR_FIELDS:
        generators = doc.data.get(name)
        if not isinstance(generators, list):
            continue
        for i, generator in enumerate(generators):
            if not isinstance(generator, dict):
                continue
            for key in ("files", "envs", "env"):
                values = generator.get(key)
                items = [values] if isinstance(values, str) else values
                if not isinstance(items, list):
                    continue
                for j, item in enumerate(items):
                    if isinstance(item, str):
                        file = item.rpartition("=")[2]  # files: [key=path]
                        pointer = (name, i, key) if isinstance(values, str) else (name, i, key, j)
                        yield Entry(kfile, file, _span(doc, pointer))


def relative_entry(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` with forward slashes (what a kustomization writes)."""
    return Path(os.path.relpath(path, start)).as_posix()
