"""JSONPath → pointers, for user-defined workload kinds and custom rules.

jsonpath-ng returns matched values with their context chain; walking that
chain back to the root yields the keys and indices, i.e. a pointer the
engine can turn into a source position.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import TYPE_CHECKING, Any

from sidecar_lint.document import Pointer

if TYPE_CHECKING:  # jsonpath-ng (and its parser generator) loads only when a path is used
    from jsonpath_ng import DatumInContext


class JsonPathError(ValueError):
    """A JSONPath expression that does not parse."""


@cache
def compile_path(expression: str) -> Any:
    """Parse once per expression (extended syntax: filters such as ``[?(@.name=='x')]``)."""
    from jsonpath_ng.ext.parser import parse

    try:
        return parse(expression)
    except Exception as err:  # jsonpath-ng raises several unrelated types
        raise JsonPathError(f"invalid JSONPath {expression!r}: {err}") from err


def find_pointers(data: Any, expression: str) -> list[Pointer]:
    """Pointers to every node ``expression`` selects in ``data``.

    jsonpath-ng's filter operator rewrites a mapping it is applied to into a
    list of its values, in place; matching runs on a copy so the document
    every other rule reads is never changed.
    """
    matches = compile_path(expression).find(copy.deepcopy(data))
    return [_checked(data, pointer_of(m)) for m in matches]


def _checked(data: Any, pointer: Pointer) -> Pointer:
    """Translate jsonpath-ng's filter-on-a-mapping index (the n-th value) into its key."""
    node, kept = data, []
    for part in pointer:
        if isinstance(part, int) and isinstance(node, dict):
            keys = list(node)
            if not 0 <= part < len(keys):
                break
            part = keys[part]
        kept.append(part)
        node = node.get(part) if isinstance(node, dict) else node[part]
    return tuple(kept)


def pointer_of(match: DatumInContext) -> Pointer:
    """Collect field names and indices from a match's context chain, root first."""
    from jsonpath_ng import Fields, Index

    parts: list[Any] = []
    current: DatumInContext | None = match
    while current is not None and current.context is not None:
        path = current.path
        if isinstance(path, Fields):
            parts.append(path.fields[0])
        elif isinstance(path, Index):
            parts.append(path.index if hasattr(path, "index") else path.indices[0])
        current = current.context
    return tuple(reversed(parts))
