"""SL002: suppressions that name no rule, and (``--report-unused-ignores``) unused ones."""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.findings import Severity
from sidecar_lint.model import Violation
from sidecar_lint.suppressions import FileSuppressions, KnownRules, unknown_selectors


@check("unused_suppression", scope="suppressions")
def unused_suppression(found: FileSuppressions, ctx: CheckContext) -> Iterator[Violation]:
    """Each selector that names no rule, and each directive that suppressed nothing.

    A selector with a typo (``SL5O1``) suppresses nothing while looking as if
    it did, so it is reported on every run, as a warning, at the selector. A
    stale suppression hides the next real problem of that rule on that line
    or object, so it should go once the finding it was written for is fixed;
    that is only reported when asked for. A directive whose every selector is
    unknown is reported once, for its unknown selectors.
    """
    known = KnownRules.of(ctx.options.known_rules)
    seen: set[int] = set()
    for directive in found.all():
        if id(directive) in seen:
            continue
        seen.add(id(directive))
        unknown = list(unknown_selectors(directive, known))
        for selector, span in unknown:
            yield Violation(_unknown_message(selector, known), span=span, severity=Severity.WARNING)
        if directive.used or not ctx.options.report_unused_ignores:
            continue
        if unknown and len(unknown) == len(directive.selectors):
            continue
        yield Violation(
            f"unused {directive.describe()}: nothing here is reported by it any more; remove it",
            span=directive.span,
        )


def _unknown_message(selector: str, known: KnownRules) -> str:
    guess = known.nearest(selector)
    hint = f"did you mean {guess}?" if guess else "see --list-rules for the codes and names"
    return f"unknown rule {selector!r} in suppression; {hint}"
