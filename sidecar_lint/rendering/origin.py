"""From a finding on a rendered object back to the line of the file a person edits.

Kustomize's build metadata says which file each object came from
(``config.kubernetes.io/origin``) and which kustomizations transformed it
(``alpha.config.kubernetes.io/transformations``). That file is read again
with the project's loader, and the finding's field is followed into it:

* list items are matched by their merge key (a container's ``name``…), not
  by index, since a strategic merge may reorder them;
* a field a patch sets (its value equal to the rendered one) is reported in
  the patch, the last patch applied winning;
* a field the source file holds unchanged is reported there;
* anything else (a ``namePrefix``, a value a transformer made) is reported
  at the object's first line in its source file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sidecar_lint.document import Document, Pointer, Span, Target
from sidecar_lint.findings import Finding
from sidecar_lint.loading import LoadedSource, load_bytes
from sidecar_lint.pointers import get_at
from sidecar_lint.rendering.kustomization import PatchFile

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
#: The annotations the build metadata adds, which the user never wrote.
BUILD_ANNOTATIONS = (ORIGIN, TRANSFORMATIONS)

#: Keys that identify an item of a Kubernetes list (the strategic-merge keys that matter here).
MERGE_KEYS = ("name", "mountPath", "containerPort", "devicePath", "ip")


@dataclass(frozen=True)
class Place:
    """Where a finding is reported: a source file, a span and the document it is in."""

    path: Path
    span: Span
    document_index: int | None


class Sources:
    """Source files read with the loader, each once per render."""

    def __init__(self) -> None:
        self._loaded: dict[Path, LoadedSource | None] = {}

    def get(self, path: Path) -> LoadedSource | None:
        if path not in self._loaded:
            try:
                raw = path.read_bytes()
            except OSError:
                self._loaded[path] = None
            else:
                self._loaded[path] = load_bytes(str(path), raw)
        return self._loaded[path]

    def known(self) -> list[Path]:
        """Every file read so far that could be read."""
        return [p for p, loaded in self._loaded.items() if loaded is not None]


def annotations_of(doc: Document) -> dict[str, Any]:
    meta = doc.data.get("metadata") if isinstance(doc.data, dict) else None
    found = meta.get("annotations") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


def _annotation_yaml(doc: Document, key: str) -> Any:
    text = annotations_of(doc).get(key)
    if not isinstance(text, str):
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def origin_file(doc: Document, base: Path) -> Path | None:
    """The file an object was read from (or the kustomization whose generator made it)."""
    origin = _annotation_yaml(doc, ORIGIN)
    if not isinstance(origin, dict) or origin.get("repo"):
        return None
    path = origin.get("path") or origin.get("configuredIn")
    return (base / path).resolve() if isinstance(path, str) else None


def patching_kustomizations(doc: Document, base: Path) -> set[Path] | None:
    """The kustomizations whose patch transformers ran on an object (None: not recorded)."""
    steps = _annotation_yaml(doc, TRANSFORMATIONS)
    if not isinstance(steps, list):
        return None
    found: set[Path] = set()
    for step in steps:
        if not isinstance(step, dict) or not isinstance(step.get("configuredIn"), str):
            continue
        by = step.get("configuredBy")
        if isinstance(by, dict) and "Patch" in str(by.get("kind", "")):
            found.add((base / step["configuredIn"]).resolve())
    return found


def pointed(doc: Document, finding: Finding) -> tuple[Pointer, Target]:
    """The field a finding's span belongs to in ``doc``, and whether it marks its key or value."""
    pointer = tuple(finding.pointer)
    targets: tuple[Target, ...] = ("value", "key")
    for target in targets:
        span, actual = doc.locate(pointer, target)
        if span == finding.span:
            return actual, "value" if target == "value" and actual == pointer else "key"
    return pointer, "value"


def same_object(loaded: LoadedSource, kind: str, name: str) -> Document | None:
    """The document of ``kind`` whose name the rendered ``name`` carries (prefixes aside)."""
    best: Document | None = None
    best_len = -1
    for doc in loaded.documents:
        if not doc.is_kubernetes_object or doc.data.get("kind") != kind:
            continue
        own = doc.ref.name or ""
        score = 10_000 if own == name else len(own) if own and own in name else -1
        if best is None or score > best_len:
            best, best_len = doc, score
    return best


def translate(rendered: Any, pointer: Pointer, other: Any) -> Pointer | None:
    """``pointer`` into ``rendered`` as the same field of ``other`` (None: it has no such field)."""
    out: list[Any] = []
    r, o = rendered, other
    for step in pointer:
        if isinstance(r, dict) and isinstance(o, dict):
            if step not in r or step not in o:
                return None
            r, o = r[step], o[step]
            out.append(step)
        elif isinstance(r, list) and isinstance(o, list) and isinstance(step, int):
            if not 0 <= step < len(r):
                return None
            j = _same_item(r[step], o, step)
            if j is None:
                return None
            r, o = r[step], o[j]
            out.append(j)
        else:
            return None
    return tuple(out)


def in_source_order(rendered: Any, pointer: Pointer, other: Any) -> Pointer:
    """``pointer`` with its list indices renumbered as far as ``other`` holds the same items.

    A JSON patch's indices count the items as the patched file lists them, which
    a strategic merge may have reordered in the render.
    """
    out: list[Any] = list(pointer)
    r, o = rendered, other
    for i, step in enumerate(pointer):
        if isinstance(r, dict) and isinstance(o, dict) and step in r and step in o:
            r, o = r[step], o[step]
        elif isinstance(r, list) and isinstance(o, list) and isinstance(step, int):
            j = _same_item(r[step], o, step) if 0 <= step < len(r) else None
            if j is None:
                break
            out[i] = j
            r, o = r[step], o[j]
        else:
            break
    return tuple(out)


def _same_item(item: Any, items: Sequence[Any], index: int) -> int | None:
    if isinstance(item, dict):
        for key in MERGE_KEYS:
            if key in item:
                return next(
                    (
                        j
                        for j, c in enumerate(items)
                        if isinstance(c, dict) and c.get(key) == item[key]
                    ),
                    None,
                )
        return index if index < len(items) and isinstance(items[index], dict) else None
    if index < len(items) and items[index] == item:
        return index
    equal = [j for j, c in enumerate(items) if c == item]
    return equal[0] if len(equal) == 1 else None


def _names_item(pointer: Pointer) -> bool:
    """Whether ``pointer`` is a list item's merge key (``containers[1].name``)."""
    return len(pointer) >= 2 and isinstance(pointer[-2], int) and pointer[-1] in MERGE_KEYS


def _supplies(rendered: Any, other: Any, target: Target) -> bool:
    """Whether ``other`` (a source or patch value) is what the rendered field shows."""
    if target == "key" or isinstance(rendered, dict | list):
        return True
    return bool(rendered == other and type(rendered) is type(other))


class Mapper:
    """Maps the findings of one render to source files."""

    def __init__(
        self, base: Path, patches: Sequence[PatchFile], sources: Sources, fallback: Path
    ) -> None:
        self.base = base  # what the build metadata's relative paths are relative to
        self.fallback = fallback  # where an object without a recorded origin is reported
        self.patches = list(patches)
        self.sources = sources

    def place(self, doc: Document, finding: Finding) -> Place | None:
        """Where ``finding`` (on rendered ``doc``) belongs; None when the origin is unknown."""
        source_path = origin_file(doc, self.base)
        if source_path is None:
            return None
        loaded = self.sources.get(source_path)
        if loaded is None:
            return None
        kind = str(doc.data.get("kind"))
        name = doc.ref.name or ""
        source = same_object(loaded, kind, name)
        pointer, target = pointed(doc, finding)
        rendered_value = get_at(doc.data, pointer)
        in_source: Place | None = None
        unchanged = False
        if source is not None:
            mapped = translate(doc.data, pointer, source.data)
            held = get_at(source.data, mapped) if mapped is not None else None
            if mapped is not None and _supplies(rendered_value, held, target):
                span, _ = source.locate(mapped, target)
                in_source = Place(source_path, span, source.index)
                unchanged = held == rendered_value or _names_item(pointer)
        # What the source holds exactly as rendered (or an item's name, which a patch only
        # repeats to find the item) is the source's; what a patch changed is the patch's.
        if in_source is not None and unchanged:
            return in_source
        ordered = in_source_order(doc.data, pointer, source.data) if source else pointer
        if pointer:
            for patch in self._patches_for(doc):
                place = self._in_patch(
                    patch, doc, kind, name, (pointer, ordered), target, rendered_value
                )
                if place is not None:
                    return place
        if in_source is not None:
            return in_source
        if source is None:
            return Place(source_path, Span(1, 1, 1, 2), None)
        return Place(source_path, first_line(source), source.index)

    def place_object(self, doc: Document) -> Place:
        """Where a rendered object itself comes from (its first line in its source file)."""
        source_path = origin_file(doc, self.base)
        loaded = self.sources.get(source_path) if source_path is not None else None
        if source_path is None or loaded is None:
            return Place(self.fallback, Span(1, 1, 1, 2), None)
        source = same_object(loaded, str(doc.data.get("kind")), doc.ref.name or "")
        if source is None:
            return Place(source_path, Span(1, 1, 1, 2), None)
        return Place(source_path, first_line(source), source.index)

    def _patches_for(self, doc: Document) -> Iterable[PatchFile]:
        """Patches that may have touched ``doc``, the last applied first."""
        allowed = patching_kustomizations(doc, self.base)
        chosen = [p for p in self.patches if allowed is None or p.kustomization in allowed]
        order: dict[Path, int] = {}
        for p in chosen:
            order.setdefault(p.kustomization, len(order))
        # the outermost kustomization (listed first) patches last; within one, the later entry
        return sorted(
            reversed(chosen), key=lambda p: order[p.kustomization]
        )  # stable: later entries stay first

    def _in_patch(
        self,
        patch: PatchFile,
        doc: Document,
        kind: str,
        name: str,
        pointers: tuple[Pointer, Pointer],
        target: Target,
        rendered_value: Any,
    ) -> Place | None:
        pointer = pointers[0]
        loaded = self.sources.get(patch.path)
        if loaded is None:
            return None
        for pdoc in loaded.documents:
            if isinstance(pdoc.data, list):  # a JSON 6902 patch: a list of operations
                place = self._in_operations(patch, pdoc, doc, pointers, target)
                if place is not None:
                    return place
                continue
            if not _targets(patch, pdoc, kind, name):
                continue
            mapped = translate(doc.data, pointer, pdoc.data)
            if mapped is None:
                continue
            if _supplies(rendered_value, get_at(pdoc.data, mapped), target):
                span, _ = pdoc.locate(mapped, target)
                return Place(patch.path, span, pdoc.index)
        return None

    def _in_operations(
        self,
        patch: PatchFile,
        pdoc: Document,
        doc: Document,
        pointers: tuple[Pointer, Pointer],
        target: Target,
    ) -> Place | None:
        """The operation of a JSON patch that writes the field (paths in the file's order)."""
        pointer, ordered = pointers
        if patch.target and not _target_matches(
            patch.target, str(doc.data.get("kind")), doc.ref.name or ""
        ):
            return None
        for i, op in enumerate(pdoc.data):
            if not isinstance(op, dict) or op.get("op") not in ("add", "replace"):
                continue
            steps = _json_pointer(op.get("path"))
            if steps is None or len(steps) > len(pointer):
                continue
            if any(
                s != p and not (s == "-" and isinstance(p, int))
                for s, p in zip(steps, ordered, strict=False)
            ):
                continue
            at = pointer[: len(steps)]
            rest = translate(get_at(doc.data, at), pointer[len(steps) :], op.get("value"))
            where = (i, "value", *rest) if rest is not None else (i, "value")
            span, _ = pdoc.locate(where, target if rest is not None else "value")
            return Place(patch.path, span, pdoc.index)
        return None


def _json_pointer(text: Any) -> list[Any] | None:
    if not isinstance(text, str) or not text.startswith("/"):
        return None
    steps: list[Any] = []
    for part in text[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        steps.append(int(part) if part.isdigit() else part)
    return steps


def _targets(patch: PatchFile, pdoc: Document, kind: str, name: str) -> bool:
    """Whether a strategic-merge patch document applies to the object ``kind``/``name``."""
    if patch.target:
        return _target_matches(patch.target, kind, name)
    if not isinstance(pdoc.data, dict) or pdoc.data.get("kind") != kind:
        return False
    own = pdoc.ref.name
    return bool(own) and own is not None and own in name


def _target_matches(target: dict[str, Any], kind: str, name: str) -> bool:
    want_kind, want_name = target.get("kind"), target.get("name")
    if isinstance(want_kind, str) and want_kind != kind:
        return False
    return not (isinstance(want_name, str) and want_name not in name)


def first_line(doc: Document) -> Span:
    """The object's first line (where a value no file holds is reported)."""
    start = doc.start_range()
    line = start[0] + 1
    text = doc.source.line(line)
    return Span(line, start[1] + 1, line, max(len(text.rstrip()) + 1, start[1] + 2))
