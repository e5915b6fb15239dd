"""Pointers into parsed documents: reading the value at one, and writing one as text.

A :data:`~sidecar_lint.document.Pointer` is a tuple of mapping keys and
sequence indices. Every module that follows one or prints one uses these
helpers, so "what a pointer means" is decided in a single place.
"""

from __future__ import annotations

from typing import Any

from sidecar_lint.document import Pointer


def get_at(data: Any, pointer: Pointer, *, through_lists: bool = True) -> Any:
    """The value at ``pointer``, or None when any step is missing or mistyped.

    An integer step selects a list item when it is a valid, non-negative
    index. ``through_lists=False`` follows mappings only, so any step into a
    list yields None (suppression annotations are read that way).
    """
    node = data
    for key in pointer:
        if isinstance(node, dict):
            node = node.get(key)
        elif (
            through_lists
            and isinstance(node, list)
            and isinstance(key, int)
            and 0 <= key < len(node)
        ):
            node = node[key]
        else:
            return None
    return node


def format_pointer(pointer: Pointer) -> str:
    """The field path as Kubernetes (and its API server) prints it.

    ``("spec", "containers", 0, "restartPolicy")`` → ``spec.containers[0].restartPolicy``.
    """
    out = ""
    for part in pointer:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
