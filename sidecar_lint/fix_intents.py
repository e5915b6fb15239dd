"""What a check wants changed to fix a violation, said structurally: pointers and values.

A check stays pure: it never computes a position nor writes text. When the
fix is unambiguous it attaches a :class:`FixIntent` to its violation — one
operation on the document's data at pointers. The engine turns the intent
into text edits over the file (:mod:`sidecar_lint.fix_edits`), and the run
checks the edited file against :func:`apply_intent`: re-parsed, it must hold
exactly the data the intent describes, or the edits are not written.

The operations:

* :class:`SetEntry` — give a mapping key a string value (the mappings on the
  way are created where missing);
* :class:`RenameKey` — rename one mapping key, keeping its value;
* :class:`RemoveEntry` — remove one mapping entry, key and value;
* :class:`RemoveItem` — remove one sequence item (and the key holding the
  sequence, when that was its last item);
* :class:`MoveEntry` — move a mapping entry with a string value into another
  mapping (created where missing);
* :class:`MoveItems` — move sequence items to the end of another sequence of
  the same mapping (created where missing), adding entries to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sidecar_lint.document import Pointer


@dataclass(frozen=True)
class SetEntry:
    """``mapping[key] = value``; missing mappings along ``mapping`` are created."""

    mapping: Pointer
    key: str
    value: str


@dataclass(frozen=True)
class RenameKey:
    """Rename the key at ``pointer`` (its last part) to ``new_key``, keeping its value."""

    pointer: Pointer
    new_key: str


@dataclass(frozen=True)
class RemoveEntry:
    """Remove the mapping entry at ``pointer`` (its key and value)."""

    pointer: Pointer


@dataclass(frozen=True)
class RemoveItem:
    """Remove the sequence item at ``pointer``; an emptied sequence's key goes with it."""

    pointer: Pointer


@dataclass(frozen=True)
class MoveEntry:
    """Move the entry at ``pointer`` (a string value) to the mapping at ``target``.

    A source mapping left empty goes with its key; missing mappings along
    ``target`` are created.
    """

    pointer: Pointer
    target: Pointer


@dataclass(frozen=True)
class MoveItems:
    """Move the items at ``items`` (one sequence, in order) to the end of ``target``.

    ``target`` is a sequence key of the mapping that holds the source sequence,
    created where missing; each moved item (a mapping) gets the ``add``
    entries. When ``items`` are all of the source sequence's items, its key
    is removed.
    """

    items: tuple[Pointer, ...]
    target: Pointer
    add: tuple[tuple[str, str], ...] = ()


Operation = SetEntry | RenameKey | RemoveEntry | RemoveItem | MoveEntry | MoveItems


@dataclass(frozen=True)
class FixIntent:
    """One fix a check offers: the rule file's fix ``id``, what it does, and the operation.

    The rule file (``fixes:``) says how safe the fix with ``id`` is and
    documents it; ``description`` is this instance, as reports show it.
    """

    id: str
    description: str
    operation: Operation


class IntentMismatch(Exception):
    """The data does not have the shape the intent expects."""


def apply_intent(data: Any, operation: Operation) -> None:
    """Apply ``operation`` to ``data`` in place, as the edited text must parse.

    Raises :class:`IntentMismatch` when the pointers do not lead where the
    operation needs them to.
    """
    if isinstance(operation, SetEntry):
        node = data
        for part in operation.mapping:
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            elif isinstance(node, dict):
                node = node.setdefault(part, {})
            else:
                raise IntentMismatch(f"no mapping at {part!r}")
        if not isinstance(node, dict):
            raise IntentMismatch("the target is not a mapping")
        node[operation.key] = operation.value
    elif isinstance(operation, RenameKey):
        parent = _at(data, operation.pointer[:-1])
        old = operation.pointer[-1]
        if not isinstance(parent, dict) or old not in parent or operation.new_key in parent:
            raise IntentMismatch("no such key, or the new key exists")
        renamed = {(operation.new_key if k == old else k): v for k, v in parent.items()}
        parent.clear()
        parent.update(renamed)
    elif isinstance(operation, RemoveEntry):
        parent = _at(data, operation.pointer[:-1])
        if not isinstance(parent, dict) or operation.pointer[-1] not in parent:
            raise IntentMismatch("no such entry")
        del parent[operation.pointer[-1]]
    elif isinstance(operation, RemoveItem):
        _remove_items(data, (operation.pointer,))
    elif isinstance(operation, MoveEntry):
        value = _at(data, operation.pointer)
        if not isinstance(value, str):
            raise IntentMismatch("only a string value moves")
        apply_intent(data, RemoveEntry(operation.pointer))
        parent = _at(data, operation.pointer[:-1])
        if not parent:
            del _at(data, operation.pointer[:-2])[operation.pointer[-2]]
        apply_intent(data, SetEntry(operation.target, str(operation.pointer[-1]), value))
    else:
        moved = [_at(data, p) for p in operation.items]
        holder = _at(data, operation.items[0][:-2])
        key = operation.target[-1]
        if not isinstance(holder, dict) or any(not isinstance(m, dict) for m in moved):
            raise IntentMismatch("moved items must be mappings in a mapping's sequence")
        _remove_items(data, operation.items)
        target = holder.setdefault(key, [])
        if not isinstance(target, list):
            raise IntentMismatch("the target is not a sequence")
        for item in moved:
            item.update(dict(operation.add))
            target.append(item)


def _at(data: Any, pointer: Pointer) -> Any:
    node = data
    for part in pointer:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError) as err:
            raise IntentMismatch(f"nothing at {part!r}") from err
    return node


def _remove_items(data: Any, items: tuple[Pointer, ...]) -> None:
    """Remove sequence items (all of one sequence); drop the key when none is left."""
    sequence_pointer = items[0][:-1]
    sequence = _at(data, sequence_pointer)
    holder = _at(data, sequence_pointer[:-1])
    if not isinstance(sequence, list) or not isinstance(holder, dict):
        raise IntentMismatch("not an item of a mapping's sequence")
    for index in sorted((p[-1] for p in items), reverse=True):
        if not isinstance(index, int) or not 0 <= index < len(sequence):
            raise IntentMismatch("no such item")
        del sequence[index]
    if not sequence:
        del holder[sequence_pointer[-1]]
