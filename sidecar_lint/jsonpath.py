"""JSONPath → pointers, for user-defined workload kinds and custom rules.

jsonpath-ng returns matched values with their context chain; walking that
chain back to the root yields the keys and indices, i.e. a pointer the
engine can turn into a source position.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonpath_ng import DatumInContext, Fields, Index
from jsonpath_ng.ext import parse as _parse

from sidecar_lint.document import Pointer


class JsonPathError(ValueError):
    """A JSONPath expression that does not parse."""


@cache
def compile_path(expression: str) -> Any:
    """Parse once per expression (extended syntax: filters such as ``[?(@.name=='x')]``)."""
    try:
        return _parse(expression)
    except Exception as err:  # jsonpath-ng raises several unrelated types
        raise JsonPathError(f"invalid JSONPath {expression!r}: {err}") from err


def find_pointers(data: Any, expression: str) -> list[Pointer]:
    """Pointers to every node ``expression`` selects in ``data``."""
    return [pointer_of(match) for match in compile_path(expression).find(data)]


def pointer_of(match: DatumInContext) -> Pointer:
    """Collect field names and indices from a match's context chain, root first."""
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
