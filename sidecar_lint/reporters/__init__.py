"""Reporters only format: they receive a finished run and return text.

Every reporter is a module with one entry point::

    def render(result: RunResult, context: ReportContext) -> str

``result`` holds the findings, unreadable paths and counts
(:mod:`sidecar_lint.results`); ``context`` everything else a report prints
(:mod:`sidecar_lint.report_context`). A reporter imports only those records,
findings, output escapes and path helpers — never the loader, engine or rule
registry. A report that places results on repository files may also define
``LOCATION_WARNING_NAME``, its name in the warning about results it cannot place.

Adding a format: a module here with ``render`` plus one line in :data:`FORMATS`.
Modules are imported only when their format is requested.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from sidecar_lint.report_context import ReportContext
    from sidecar_lint.results import RunResult

#: Format name -> reporter module, in the order ``--help`` lists them.
FORMATS: dict[str, str] = {
    "text": "sidecar_lint.reporters.text",
    "json": "sidecar_lint.reporters.json_report",
    "sarif": "sidecar_lint.reporters.sarif",
    "github": "sidecar_lint.reporters.github",
    "markdown": "sidecar_lint.reporters.markdown",
    "junit": "sidecar_lint.reporters.junit",
    "gitlab": "sidecar_lint.reporters.gitlab",
}


class Reporter(Protocol):
    """What a reporter module provides."""

    def render(self, result: RunResult, context: ReportContext) -> str: ...


def reporter(name: str) -> Reporter:
    """The module of format ``name`` (a key of :data:`FORMATS`), imported on first use."""
    return cast("Reporter", importlib.import_module(FORMATS[name]))


def location_warning_name(name: str) -> str | None:
    """How warnings name format ``name`` when its results cannot be placed on a file, or None."""
    value = getattr(reporter(name), "LOCATION_WARNING_NAME", None)
    return value if isinstance(value, str) else None
