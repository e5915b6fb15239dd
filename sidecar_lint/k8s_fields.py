"""Kubernetes API field tables for minors 1.25 ... 1.37, read from bundled package data.

The linter has to tell a misspelt or not-yet-existing field (``restartPolicy`` on a container
for a 1.27 cluster) from a valid one without shipping the 100+ MB of upstream schemas, so
``scripts/generate_k8s_fields.py`` distils them into ``sidecar_lint/data/k8s_fields.json``
and this module reads that file with the standard library only.

Type names are short: the last component of the OpenAPI definition id (``PodSpec``,
``Container``, ``ObjectMeta``). Versions are Kubernetes minors such as ``"1.28"`` and are
always compared numerically.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

__all__ = ["FieldInfo", "FieldTables", "TypeFields"]

_DATA_FILE = "k8s_fields.json"
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")

SHAPES = frozenset({"object", "list", "map", "scalar", "list-scalar", "map-scalar", "any"})
"""Every value :attr:`FieldInfo.shape` can take."""


@dataclass(frozen=True)
class FieldInfo:
    """One property of one API type, across all covered minors.

    ``type_name`` is set only when the value (or each list item / map value) is an object
    whose keys can be checked; scalars and free-form objects have ``None`` so a consumer
    knows to stop descending. ``shape`` and ``type_name`` describe the newest minor that has
    the field (two PersistentVolumeClaimSpec fields changed type in 1.26 and 1.29).
    """

    name: str
    type_name: str | None
    shape: str
    since: str
    until: str | None


class TypeFields(NamedTuple):
    """One type's fields in one minor: the valid names, and every field it ever had."""

    valid: frozenset[str]
    table: Mapping[str, FieldInfo]


@functools.lru_cache(maxsize=256)
def _parse_version(version: str) -> tuple[int, int]:
    """``"1.28"``, ``"v1.28"`` or ``"1.28.3"`` -> ``(1, 28)``; numeric, so 1.9 < 1.25."""
    match = _VERSION_RE.match(version.strip())
    if match is None:
        raise ValueError(f"not a Kubernetes version: {version!r}")
    return int(match[1]), int(match[2])


def _read_data() -> Any:
    """Parse the bundled JSON; importlib.resources finds it in a wheel, zip or checkout."""
    package = __name__.rpartition(".")[0]
    resource = resources.files(package) / "data" / _DATA_FILE
    return json.loads(resource.read_text(encoding="utf-8"))


class FieldTables:
    """Field names per API type and Kubernetes minor; build it with :meth:`load`."""

    versions: tuple[str, ...]

    def __init__(
        self,
        versions: tuple[str, ...],
        types: Mapping[str, Mapping[str, FieldInfo]],
        free_form: frozenset[str],
        gaps: Mapping[tuple[str, str], frozenset[tuple[int, int]]],
    ) -> None:
        """Prefer :meth:`load`; this takes already-decoded tables (handy for tests)."""
        if not versions:
            raise ValueError("at least one version is required")
        self.versions = tuple(sorted(versions, key=_parse_version))
        self._keys = tuple(_parse_version(version) for version in self.versions)
        self._types = types
        self._free_form = free_form
        self._gaps = gaps
        self._fields_cache: dict[tuple[str, str], frozenset[str]] = {}
        self._views: dict[str, dict[str, TypeFields | None]] = {}

    @classmethod
    @functools.cache
    def load(cls) -> FieldTables:
        """Tables from the bundled data file, decoded once per process and shared."""
        return cls.from_document(_read_data())

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> FieldTables:
        """Decode the generator's JSON document (format 1) into tables."""
        if document.get("format") != 1:
            raise ValueError(f"unsupported k8s_fields format: {document.get('format')!r}")
        types: dict[str, dict[str, FieldInfo]] = {}
        gaps: dict[tuple[str, str], frozenset[tuple[int, int]]] = {}
        for type_name, properties in document["types"].items():
            table: dict[str, FieldInfo] = {}
            for name, entry in properties.items():
                shape, target, since, until = entry[:4]
                if shape not in SHAPES:
                    raise ValueError(f"{type_name}.{name}: unknown shape {shape!r}")
                table[name] = FieldInfo(name, target, shape, since, until)
                extra: Mapping[str, Any] = entry[4] if len(entry) > 4 else {}
                if extra.get("gaps"):
                    gaps[type_name, name] = frozenset(map(_parse_version, extra["gaps"]))
            types[type_name] = table
        return cls(
            versions=tuple(document["versions"]),
            types=types,
            free_form=frozenset(document["free_form"]),
            gaps=gaps,
        )

    def has_type(self, type_name: str) -> bool:
        """Whether the tables know the type at all (typed or free-form)."""
        return type_name in self._types or type_name in self._free_form

    def is_free_form(self, type_name: str) -> bool:
        """Whether the schema leaves keys inside the type unconstrained, so never check them.

        True for definitions without properties (``Quantity``, ``IntOrString``, ``Time``,
        ``FieldsV1``, empty marker structs); False for unknown types.
        """
        return type_name in self._free_form

    def field(self, type_name: str, name: str) -> FieldInfo | None:
        """The field if it exists in any covered minor, else None (also for free-form types).

        Raises KeyError for a type the tables do not know, so a typo in a type name cannot
        silently turn every field into "unknown".
        """
        return self._table(type_name).get(name)

    def table(self, type_name: str) -> Mapping[str, FieldInfo]:
        """Every field the type has in any covered minor (empty for free-form types).

        Raises KeyError for a type the tables do not know.
        """
        return self._table(type_name)

    def fields(self, type_name: str, version: str) -> frozenset[str]:
        """Field names valid in ``version`` (clamped by :meth:`nearest_version`).

        Empty for free-form types: none are known, any is allowed. KeyError for unknown types.
        """
        cached = self._fields_cache.get((type_name, version))
        if cached is None:
            minor = self.nearest_version(version)
            cached = self._fields_cache.get((type_name, minor))
            if cached is None:
                table = self._table(type_name)
                cached = frozenset(name for name in table if self._present(type_name, name, minor))
                self._fields_cache[type_name, minor] = cached
            self._fields_cache[type_name, version] = cached
        return cached

    def by_type(self, version: str) -> Mapping[str, TypeFields | None]:
        """Every type's fields for ``version`` (clamped), built once per minor: for a walk.

        A typed type maps to its valid names (a frozenset) and its table; a
        free-form type to None; an unknown type is absent.
        """
        minor = self.nearest_version(version)
        view = self._views.get(minor)
        if view is None:
            built: dict[str, TypeFields | None] = dict.fromkeys(self._free_form)
            for type_name, table in self._types.items():
                built[type_name] = TypeFields(self.fields(type_name, minor), table)
            view = self._views[minor] = built
        self._views[version] = view
        return view

    def exists_in(self, type_name: str, name: str, version: str) -> bool:
        """Whether ``name`` is valid on the type in ``version`` (clamped).

        True for any key of a free-form type, matching what the API server accepts there.
        KeyError for unknown types.
        """
        if type_name in self._free_form:
            return True
        if name not in self._table(type_name):
            return False
        return self._present(type_name, name, self.nearest_version(version))

    def nearest_version(self, version: str) -> str:
        """The covered minor to use for ``version``: clamped into the covered range.

        ``"1.24"`` -> ``"1.25"``, ``"1.40"`` -> ``"1.37"``, ``"1.33.2"`` -> ``"1.33"``. Inside
        the range a minor that is not covered falls back to the closest older covered one.
        Raises ValueError for strings that are not ``[v]MAJOR.MINOR[.PATCH]``.
        """
        key = _parse_version(version)
        if key <= self._keys[0]:
            return self.versions[0]
        best = self.versions[0]
        for candidate, candidate_key in zip(self.versions, self._keys, strict=True):
            if candidate_key > key:
                break
            best = candidate
        return best

    def _table(self, type_name: str) -> Mapping[str, FieldInfo]:
        table = self._types.get(type_name)
        if table is not None:
            return table
        if type_name in self._free_form:
            return {}
        raise KeyError(f"unknown Kubernetes API type: {type_name!r}")

    def _present(self, type_name: str, name: str, minor: str) -> bool:
        """Whether the field exists in the covered ``minor`` (numeric range check)."""
        info = self._types[type_name][name]
        key = _parse_version(minor)
        if key < _parse_version(info.since):
            return False
        if info.until is not None and key > _parse_version(info.until):
            return False
        return key not in self._gaps.get((type_name, name), frozenset())
