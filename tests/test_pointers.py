"""Pointers: the value at one, and one written as a Kubernetes field path."""

from __future__ import annotations

from typing import Any

import pytest

from sidecar_lint.pointers import format_pointer, get_at

POD: dict[str, Any] = {
    "spec": {
        "containers": [{"name": "app", "ports": [{"containerPort": 80}]}, "not-a-mapping"],
        "volumes": None,
    }
}


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ((), POD),
        (("spec", "containers", 0, "name"), "app"),
        (("spec", "containers", 0, "ports", 0, "containerPort"), 80),
        (("spec", "containers", 1), "not-a-mapping"),
    ],
)
def test_get_at_follows_keys_and_indices(pointer: tuple[Any, ...], expected: Any) -> None:
    assert get_at(POD, pointer) == expected


@pytest.mark.parametrize(
    "pointer",
    [
        ("spec", "missing"),
        ("spec", "containers", 2),  # past the end
        ("spec", "containers", -1),  # negative indices are not Python's "from the end"
        ("spec", "containers", "0"),  # a string never indexes a list
        ("spec", "containers", 1, "name"),  # through a scalar
        ("spec", "volumes", 0),  # through null
    ],
)
def test_get_at_is_none_where_the_path_breaks(pointer: tuple[Any, ...]) -> None:
    assert get_at(POD, pointer) is None


def test_get_at_can_refuse_to_enter_lists() -> None:
    assert get_at(POD, ("spec", "containers", 0, "name"), through_lists=False) is None
    assert get_at(POD, ("spec", "volumes"), through_lists=False) is None
    assert get_at(POD, ("spec",), through_lists=False) is POD["spec"]


@pytest.mark.parametrize(
    ("pointer", "text"),
    [
        ((), ""),
        (("spec",), "spec"),
        (("spec", "containers", 0, "restartPolicy"), "spec.containers[0].restartPolicy"),
        (("items", 3, "spec", "initContainers", 12), "items[3].spec.initContainers[12]"),
        ((0, "metadata"), "[0].metadata"),
        (("metadata", "annotations", "a.b/c"), "metadata.annotations.a.b/c"),
    ],
)
def test_format_pointer_writes_field_paths(pointer: tuple[Any, ...], text: str) -> None:
    assert format_pointer(pointer) == text
