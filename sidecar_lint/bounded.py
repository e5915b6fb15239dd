"""Render decoded YAML values for messages without ever expanding aliases.

``json.dumps`` or ``repr`` of YAML data visits every alias again: an alias
bomb of a few hundred bytes expands to gigabytes, and a recursive alias never
ends. These helpers walk piece by piece and stop at the length limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


def bounded_text(value: object, limit: int = 60, python: bool = False) -> str:
    """``value`` as JSON (or, with ``python``, as ``repr``) text, cut to ``limit`` characters.

    Lists and mappings are rendered piece by piece and the walk stops at the limit:
    ``json.dumps`` or ``repr`` of YAML data would visit every alias again, and an
    alias bomb of a few hundred bytes expands to gigabytes (or, with a cycle, forever).
    """
    scalar = _repr_scalar if python else _json_scalar
    key = _repr_scalar if python else _json_key
    pieces: list[str] = []
    size = 0
    stack: list[Iterator[object]] = [iter((value,))]
    while stack and size <= limit:
        item = next(stack[-1], _DONE)
        if item is _DONE:
            stack.pop()
            continue
        if isinstance(item, _Piece):
            text = item.text
        elif isinstance(item, dict):
            stack.append(_mapping_pieces(item, key, limit))
            continue
        elif isinstance(item, list | tuple):
            stack.append(_sequence_pieces(item))
            continue
        else:
            text = scalar(item, limit)
        pieces.append(text)
        size += len(text)
    text = "".join(pieces)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class _Piece:
    text: str


_DONE = _Piece("")


def _mapping_pieces(mapping: Mapping[object, object], key: Any, limit: int) -> Iterator[object]:
    yield _Piece("{")
    for i, (k, v) in enumerate(mapping.items()):
        yield _Piece((", " if i else "") + key(k, limit) + ": ")
        yield v
    yield _Piece("}")


def _sequence_pieces(items: list[object] | tuple[object, ...]) -> Iterator[object]:
    yield _Piece("[")
    for i, item in enumerate(items):
        if i:
            yield _Piece(", ")
        yield item
    yield _Piece("]")


def _json_scalar(value: object, limit: int) -> str:
    if isinstance(value, str):
        value = value[: limit + 1]  # the rest would be cut anyway
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # an integer too long to print
        return f"<{type(value).__name__}>"


def _json_key(value: object, limit: int) -> str:
    if isinstance(value, bool | int | float) or value is None:
        return json.dumps(_json_scalar(value, limit))
    return _json_scalar(str(value), limit)


def _repr_scalar(value: object, limit: int) -> str:
    if isinstance(value, str):
        value = value[: limit + 1]
    try:
        return repr(value)
    except ValueError:
        return f"<{type(value).__name__}>"
