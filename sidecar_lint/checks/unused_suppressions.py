"""SL002: suppression directives that no finding needed (``--report-unused-ignores``)."""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.findings import Violation
from sidecar_lint.suppressions import FileSuppressions


@check("unused_suppression", scope="suppressions")
def unused_suppression(found: FileSuppressions, ctx: CheckContext) -> Iterator[Violation]:
    """Each directive that suppressed nothing, at the directive itself.

    A stale suppression hides the next real problem of that rule on that line
    or object, so it should go once the finding it was written for is fixed.
    """
    seen: set[int] = set()
    for directive in found.all():
        if directive.used or id(directive) in seen:
            continue
        seen.add(id(directive))
        yield Violation(
            f"unused {directive.describe()}: nothing here is reported by it any more; remove it",
            span=directive.span,
        )
