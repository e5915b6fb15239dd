"""Generic JSONPath checks, so teams can write policy rules as YAML, without code.

A rule file with ``check: jsonpath`` sets the parameters below. The path is
evaluated against each container of the listed roles (or against the pod
spec when no role is listed), and findings carry exact positions like any
other rule's:

* ``required``: the path must select something (``$.startupProbe``);
* ``forbidden``: it must select nothing (``$.securityContext.privileged``);
* ``matches``: every value it selects must match ``pattern`` (``$.image``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Pointer
from sidecar_lint.jsonpath import JsonPathError, compile_path, find_pointers
from sidecar_lint.model import ContainerView, Role, Violation, Workload
from sidecar_lint.pointers import get_at


class JsonPathParams(BaseModel):
    """Parameters of a generic JSONPath rule (set in its rule file, tunable in config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1)
    mode: Literal["required", "forbidden", "matches"]
    pattern: str | None = None
    roles: tuple[Role, ...] = ()
    kinds: tuple[str, ...] = ()
    message: str = Field(min_length=1)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        try:
            compile_path(value)
        except JsonPathError as err:
            raise ValueError(str(err)) from err
        return value

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as err:
                raise ValueError(f"invalid regular expression {value!r}: {err}") from err
        return value


@check("jsonpath", params=JsonPathParams)
def jsonpath_rule(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Apply one generic rule to a workload's containers (or its pod spec)."""
    params: JsonPathParams = ctx.params
    if params.mode == "matches" and params.pattern is None:
        return
    if params.kinds and workload.ref.kind not in params.kinds:
        return
    targets: list[tuple[Any, Pointer, ContainerView | None]]
    if params.roles:
        targets = [(c.spec, c.pointer, c) for c in workload.containers if c.role in params.roles]
    else:
        targets = [(workload.spec, workload.spec_pointer, None)]
    for node, base, container in targets:
        found = find_pointers(node, params.path)
        if params.mode == "required":
            if not found:
                anchor = container.at("name") if container is not None else base
                yield _violation(params, workload, container, anchor, None, key=True)
        elif params.mode == "forbidden":
            for pointer in found:
                value = get_at(node, pointer)
                yield _violation(params, workload, container, (*base, *pointer), value, key=True)
        else:
            regex = re.compile(params.pattern or "")
            for pointer in found:
                value = get_at(node, pointer)
                if not isinstance(value, str) or not regex.search(value):
                    yield _violation(params, workload, container, (*base, *pointer), value)


def _violation(
    params: JsonPathParams,
    workload: Workload,
    container: ContainerView | None,
    pointer: Pointer,
    value: Any,
    key: bool = False,
) -> Violation:
    fields = {
        "object": workload.ref.display(),
        "container": container.label() if container is not None else "",
        "path": params.path,
        "value": "" if value is None else str(value),
        "pattern": params.pattern or "",
    }
    try:
        text = params.message.format(**fields)
    except (KeyError, IndexError, ValueError):
        text = params.message
    return Violation(text, pointer=pointer, target="key" if key else "value", container=container)
