#!/usr/bin/env python3
"""Generate ``sidecar_lint/data/k8s_fields.json``: per-version Kubernetes API field tables.

Provenance
----------
The tables are derived from the OpenAPI-based JSON schemas shipped by the PyPI package
``kubernetes-validate`` (pinned: 1.37.0). That package bundles one directory per Kubernetes
release, ``kubernetes-json-schema/vX.Y.0-local-strict/``, each with an ``_definitions.json``
(``{"$defs": {"io.k8s.api.core.v1.PodSpec": {...}, ...}}``) converted from the upstream
``api/openapi-spec`` of that release. Every ``vX.Y.0-local-strict`` directory found is used
(1.25 ... 1.37 for kubernetes-validate 1.37.0). kubernetes-validate is 100+ MB, so it is a
generator-only tool: the linter reads the small JSON produced here and never imports it.

    pip install kubernetes-validate==1.37.0
    python scripts/generate_k8s_fields.py            # (re)write the data file
    python scripts/generate_k8s_fields.py --check    # exit 1 if the committed file is stale

What is collected
-----------------
Starting from the workload root types in ``ROOTS`` (PodTemplateSpec, PodSpec, Container,
EphemeralContainer, the batch/v1 and apps/v1 workload specs, ReplicationControllerSpec), every
``$ref`` is followed transitively -- in properties, array ``items``, map ``additionalProperties``
and ``allOf``/``oneOf``/``anyOf`` wrappers -- separately for each release. The union of the
definitions reachable in any release is recorded. For each recorded definition, its properties
are then read from *every* release that defines it (even a release in which it is not reachable
from the roots), so a field's range describes the definition itself.

Top-level keys: ``format`` (1), ``source`` (the kubernetes-validate version used),
``versions`` (covered minors, oldest first), ``definitions`` (short name -> definition id),
``free_form`` (short names) and ``types`` (short name -> property -> entry).

Per property: ``[shape, type, since, until]`` plus an optional fifth element.

* ``shape``: ``object`` (a ``$ref`` to a type with properties), ``list`` / ``map`` (array
  ``items`` / ``additionalProperties`` of such a type), ``scalar``, ``list-scalar``,
  ``map-scalar`` (values that are not checkable objects: strings, numbers, Quantity,
  IntOrString, nested string lists...) or ``any`` (free-form objects: a ``$ref`` to a type
  without properties, ``x-kubernetes-preserve-unknown-fields``, inline objects, or nesting the
  shapes above cannot express, such as a list of lists of objects).
* ``type``: the short name of the referenced type for ``object``/``list``/``map``, else null.
* ``since`` / ``until``: first and last minor ("1.28") in which the definition has the property;
  ``until`` is null while the newest covered release still has it.
* optional fifth element, an object present only when the history is not one plain range:
  ``"gaps"`` lists the minors inside ``since..until`` that lack the property (it vanished and
  came back), and ``"earlier"`` lists ``[shape, type, first, last]`` runs of releases in which
  the property had another shape or referenced another type. The four main elements always
  describe the newest release that has the property. Two such changes exist in 1.25..1.37:
  ``PersistentVolumeClaimSpec.dataSourceRef`` (``TypedLocalObjectReference`` until 1.25, then
  ``TypedObjectReference``) and ``PersistentVolumeClaimSpec.resources``
  (``ResourceRequirements`` until 1.28, then ``VolumeResourceRequirements``).

Definitions without ``properties`` in every release that defines them (``Quantity``,
``IntOrString``, ``Time``, ``FieldsV1``, empty marker structs such as
``WorkloadPodGroupBasicSchedulingPolicy``, ...) are listed under ``free_form``: the schema
itself puts no constraint on keys inside them, so consumers never check those keys.

Short type names
----------------
A type is named by the last dotted component of its definition id (``PodSpec``,
``VolumeMount``, ``ObjectMeta``). When two different reachable definitions share that
component, *all* of them are named by their last three components instead (were both
reachable, ``core.v1.TypedLocalObjectReference`` and
``scheduling.v1alpha3.TypedLocalObjectReference``), falling back to the full id if that still
collides. No reachable names collide for kubernetes-validate 1.37.0. The mapping short name ->
definition id is stored under ``definitions``.

Output is compact JSON with sorted keys and a trailing newline, so it is byte-deterministic.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOTS: tuple[str, ...] = (
    "io.k8s.api.core.v1.PodTemplateSpec",
    "io.k8s.api.core.v1.PodSpec",
    "io.k8s.api.core.v1.Container",
    "io.k8s.api.core.v1.EphemeralContainer",
    "io.k8s.api.batch.v1.JobSpec",
    "io.k8s.api.batch.v1.CronJobSpec",
    "io.k8s.api.batch.v1.JobTemplateSpec",
    "io.k8s.api.apps.v1.DeploymentSpec",
    "io.k8s.api.apps.v1.StatefulSetSpec",
    "io.k8s.api.apps.v1.DaemonSetSpec",
    "io.k8s.api.apps.v1.ReplicaSetSpec",
    "io.k8s.api.core.v1.ReplicationControllerSpec",
)

SOURCE_PACKAGE = "kubernetes-validate"
SCHEMA_DIR_RE = re.compile(r"^v(\d+)\.(\d+)\.0-local-strict$")
REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT = REPO_ROOT / "sidecar_lint" / "data" / "k8s_fields.json"
FORMAT_VERSION = 1

Schema = Mapping[str, Any]
Defs = Mapping[str, Schema]


def _schema_root() -> Any:
    """The ``kubernetes-json-schema`` directory inside the installed kubernetes-validate."""
    try:
        return importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    except ModuleNotFoundError:
        sys.exit(
            f"error: {SOURCE_PACKAGE} is not installed; run: pip install {SOURCE_PACKAGE}==1.37.0"
        )


def load_releases() -> dict[tuple[int, int], Defs]:
    """Map (major, minor) -> that release's ``$defs``, for every ``vX.Y.0-local-strict`` dir."""
    releases: dict[tuple[int, int], Defs] = {}
    for entry in _schema_root().iterdir():
        match = SCHEMA_DIR_RE.match(entry.name)
        if not match or not entry.is_dir():
            continue
        document = json.loads((entry / "_definitions.json").read_text(encoding="utf-8"))
        defs = document.get("$defs", document.get("definitions"))
        if not isinstance(defs, dict):
            raise SystemExit(f"error: no $defs in {entry.name}/_definitions.json")
        releases[(int(match[1]), int(match[2]))] = defs
    if not releases:
        raise SystemExit("error: no vX.Y.0-local-strict schema directories found")
    return dict(sorted(releases.items()))


def _ref_name(ref: str) -> str:
    """``#/$defs/io.k8s.api.core.v1.Container`` -> ``io.k8s.api.core.v1.Container``."""
    return ref.rsplit("/", 1)[-1]


def _refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` target anywhere inside a schema node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield _ref_name(value)
            elif key != "description":
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def reachable(defs: Defs) -> set[str]:
    """Definition ids reachable from ``ROOTS`` in one release."""
    seen: set[str] = set()
    todo = [root for root in ROOTS if root in defs]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in defs:
            raise SystemExit(f"error: dangling $ref to {name}")
        seen.add(name)
        todo.extend(_refs(defs[name]))
    return seen


def _types(schema: Schema) -> set[str]:
    declared = schema.get("type", ())
    names = {declared} if isinstance(declared, str) else set(declared)
    return names - {"null"}


def is_free_form(schema: Schema) -> bool:
    """A definition whose keys the schema does not constrain (no ``properties``)."""
    return not schema.get("properties")


def _unwrap(schema: Schema) -> list[Schema]:
    """Alternatives of a property schema, with single-element combinators peeled off."""
    if "$ref" in schema:
        return [schema]
    for key in ("allOf", "oneOf", "anyOf"):
        alternatives = schema.get(key)
        if isinstance(alternatives, list) and alternatives:
            result: list[Schema] = []
            for alternative in alternatives:
                result.extend(_unwrap(alternative))
            return result
    return [schema]


def classify(schema: Schema, defs: Defs) -> tuple[str, str | None]:
    """(shape, referenced definition id or None) for one property schema."""
    alternatives = _unwrap(schema)
    if len(alternatives) > 1:
        shapes = {classify(alternative, defs)[0] for alternative in alternatives}
        return ("scalar", None) if shapes == {"scalar"} else ("any", None)
    node = alternatives[0]
    if "$ref" in node:
        target = _ref_name(node["$ref"])
        definition = defs[target]
        if not is_free_form(definition):
            return "object", target
        if "object" in _types(definition) or definition.get("x-kubernetes-preserve-unknown-fields"):
            return "any", None
        return "scalar", None
    if node.get("x-kubernetes-preserve-unknown-fields"):
        return "any", None
    kinds = _types(node)
    if "array" in kinds:
        inner, item_type = classify(node.get("items", {}), defs)
        if inner == "object":
            return "list", item_type
        if inner in ("scalar", "list-scalar", "map-scalar"):
            return "list-scalar", None
        return "any", None
    if "object" in kinds:
        values = node.get("additionalProperties")
        if node.get("properties") or not isinstance(values, dict):
            return "any", None
        inner, value_type = classify(values, defs)
        if inner == "object":
            return "map", value_type
        if inner in ("scalar", "list-scalar", "map-scalar"):
            return "map-scalar", None
        return "any", None
    return "scalar", None


def short_names(full_names: set[str]) -> dict[str, str]:
    """Definition id -> deterministic short name (see module docstring)."""
    by_last: dict[str, list[str]] = {}
    for name in full_names:
        by_last.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    result: dict[str, str] = {}
    for last, group in by_last.items():
        if len(group) == 1:
            result[group[0]] = last
            continue
        qualified = {name: ".".join(name.split(".")[-3:]) for name in group}
        unique = len(set(qualified.values())) == len(group)
        for name in group:
            result[name] = qualified[name] if unique else name
    return result


def _minor(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _runs(
    seen: list[tuple[tuple[int, int], tuple[str, str | None]]],
) -> list[tuple[tuple[int, int], tuple[int, int], tuple[str, str | None]]]:
    """Collapse (version, description) pairs into (first, last, description) runs."""
    runs: list[tuple[tuple[int, int], tuple[int, int], tuple[str, str | None]]] = []
    for version, described in seen:
        if runs and runs[-1][2] == described:
            runs[-1] = (runs[-1][0], version, described)
        else:
            runs.append((version, version, described))
    return runs


def build(releases: Mapping[tuple[int, int], Defs]) -> dict[str, Any]:
    """The whole data document for the given releases (oldest first)."""
    versions = list(releases)
    newest = versions[-1]
    all_reachable: set[str] = set()
    for version, defs in releases.items():
        found = reachable(defs)
        if not found:
            raise SystemExit(f"error: no root type found in {_minor(version)}")
        all_reachable |= found
    names = short_names(all_reachable)

    types: dict[str, dict[str, list[Any]]] = {}
    free_form: list[str] = []
    for full in sorted(all_reachable):
        present = [(version, defs[full]) for version, defs in releases.items() if full in defs]
        if all(is_free_form(schema) for _, schema in present):
            free_form.append(names[full])
            continue
        history: dict[str, list[tuple[tuple[int, int], tuple[str, str | None]]]] = {}
        for version, schema in present:
            for prop, prop_schema in schema.get("properties", {}).items():
                shape, target = classify(prop_schema, releases[version])
                described = (shape, names[target] if target else None)
                history.setdefault(prop, []).append((version, described))
        table: dict[str, list[Any]] = {}
        for prop, seen in history.items():
            have = [version for version, _ in seen]
            shape, target_name = seen[-1][1]
            span = versions[versions.index(have[0]) : versions.index(have[-1]) + 1]
            extra: dict[str, Any] = {}
            gaps = [_minor(version) for version in span if version not in have]
            if gaps:
                extra["gaps"] = gaps
            earlier = [
                [*described, _minor(first), _minor(last)]
                for first, last, described in _runs(seen)
                if described != seen[-1][1]
            ]
            if earlier:
                extra["earlier"] = earlier
            table[prop] = [
                shape,
                target_name,
                _minor(have[0]),
                None if have[-1] == newest else _minor(have[-1]),
                *([extra] if extra else []),
            ]
        types[names[full]] = table

    return {
        "format": FORMAT_VERSION,
        "source": f"{SOURCE_PACKAGE} {importlib.metadata.version(SOURCE_PACKAGE)}",
        "versions": [_minor(version) for version in versions],
        "definitions": {short: full for full, short in names.items()},
        "free_form": sorted(free_form),
        "types": types,
    }


def render(document: Mapping[str, Any]) -> str:
    """Compact, key-sorted JSON with a trailing newline: byte-for-byte reproducible."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory; exit 1 if the committed file differs",
    )
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help=f"data file (default: {OUTPUT})"
    )
    args = parser.parse_args(argv)

    text = render(build(load_releases()))
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            print(
                f"{output} is out of date; run: python scripts/generate_k8s_fields.py",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
