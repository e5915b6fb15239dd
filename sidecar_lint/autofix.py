"""``--fix``: apply a file's fixes as text edits, prove the result, and lint it again.

A pass takes every fix the run may apply (safe ones; unsafe ones too with
``--unsafe-fixes``) whose edits do not overlap an earlier one's, applies them
to the text at once, and keeps the result only when

* it parses into the same documents, with no new problem or duplicate key;
* each document holds exactly the data the fixes' operations describe
  (:func:`sidecar_lint.fix_intents.apply_intent`) — nothing else changed;
* linted again, none of the applied fixes' findings is still reported.

A fix that fails one of these is dropped and reported as not applied; the
others are tried again without it. Passes repeat (at most
:data:`MAX_PASSES`) while fixes remain, so a fix that overlapped another
lands in a later pass, against the text the earlier one left. A second
``--fix`` run therefore finds nothing left to apply.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sidecar_lint.document import SourceFile
from sidecar_lint.engine import Linter
from sidecar_lint.findings import Finding, Fix
from sidecar_lint.fix_edits import TextEdit, to_offsets
from sidecar_lint.fix_intents import IntentMismatch, apply_intent
from sidecar_lint.loading import Limits, LoadedSource, load_source
from sidecar_lint.results import Summary

#: Passes over one file before giving up on what is left.
MAX_PASSES = 10


@dataclass(frozen=True)
class FixMode:
    """What ``--fix`` may apply and what becomes of the result.

    ``write`` False is ``--diff``: the fixed text is only compared, never written.
    """

    unsafe: bool = False
    write: bool = True

    def applies(self, fix: Fix | None) -> bool:
        """Whether this run applies ``fix`` (safe always; unsafe with ``--unsafe-fixes``)."""
        return fix is not None and (self.unsafe or fix.applicability == "safe")


@dataclass
class FixOutcome:
    """What fixing one file did: its final text, how many fixes landed, which did not."""

    text: str
    applied: int = 0
    dropped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.applied > 0


def _key(finding: Finding) -> tuple[Any, ...]:
    """A finding's identity across edits that move lines (pointers may shift too)."""
    return (
        finding.code,
        finding.document_index,
        finding.object,
        finding.container,
        finding.message,
    )


def fix_file(
    linter: Linter,
    loaded: LoadedSource,
    findings: list[Finding],
    match_path: str,
    limits: Limits,
    mode: FixMode,
    before: Summary,
) -> tuple[LoadedSource, list[Finding], FixOutcome]:
    """Apply ``findings``' fixes to ``loaded``'s text; the final read, findings and outcome.

    ``before`` is ``linter.summary`` from before the file was first linted:
    the summary ends as if only the final text had been linted.
    """
    fixer = _Fixer(linter, match_path, limits, before, FixOutcome(loaded.source.text))
    if loaded.problems:  # a document that did not parse: the file is left alone
        return loaded, findings, fixer.outcome
    for _ in range(MAX_PASSES):
        chosen = _choose(loaded.source.text, findings, mode, fixer.failed)
        if not chosen:
            break
        result = fixer.attempt(loaded, chosen)
        if result is not None:
            loaded, findings = result
    fixer.outcome.text = loaded.source.text
    return loaded, findings, fixer.outcome


def _shifted(base: Summary, before: Summary, after: Summary) -> Summary:
    """``base`` plus what one lint (from ``before`` to ``after``) added."""
    return Summary(
        base.files + after.files - before.files,
        base.documents + after.documents - before.documents,
        base.objects + after.objects - before.objects,
        base.workloads + after.workloads - before.workloads,
        base.suppressed + after.suppressed - before.suppressed,
    )


def _choose(
    text: str, findings: Iterable[Finding], mode: FixMode, failed: set[tuple[Any, ...]]
) -> list[tuple[Finding, list[TextEdit]]]:
    """The applicable fixes of one pass: in file order, none overlapping an earlier one."""
    chosen: list[tuple[Finding, list[TextEdit]]] = []
    taken: list[tuple[int, int]] = []
    for finding in findings:
        fix = finding.fix
        if fix is None or not mode.applies(fix) or finding.suppression is not None:
            continue
        if fix.operation is None or fix.where is None or _key(finding) in failed:
            continue
        edits = to_offsets(text, fix.edits)
        if any(_overlaps(e, taken) for e in edits):
            continue
        taken.extend((e.start, e.end) for e in edits)
        chosen.append((finding, edits))
    return chosen


def _overlaps(edit: TextEdit, taken: Sequence[tuple[int, int]]) -> bool:
    """Whether ``edit`` changes text another edit changes, or inserts where one inserts."""
    return any(
        (edit.start < end and start < edit.end) or edit.start == edit.end == start == end
        for start, end in taken
    )


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (offsets into ``text``)."""
    out: list[str] = []
    at = 0
    for edit in sorted(edits):
        out.append(text[at : edit.start])
        out.append(edit.replacement)
        at = edit.end
    out.append(text[at:])
    return "".join(out)


@dataclass
class _Fixer:
    """One file's passes: the linter, the fixes that failed, and the outcome so far."""

    linter: Linter
    match_path: str
    limits: Limits
    before: Summary
    outcome: FixOutcome
    failed: set[tuple[Any, ...]] = field(default_factory=set)

    def attempt(
        self, loaded: LoadedSource, chosen: list[tuple[Finding, list[TextEdit]]]
    ) -> tuple[LoadedSource, list[Finding]] | None:
        """Apply ``chosen`` together; failing that, one by one until one lands."""
        result = self.check(loaded, chosen)
        if not isinstance(result, str):
            self.outcome.applied += len(chosen)
            return result
        for one in chosen if len(chosen) > 1 else []:
            result = self.check(loaded, [one])
            if not isinstance(result, str):
                self.outcome.applied += 1
                return result
            self.drop(loaded, one[0], result)
        if len(chosen) == 1:
            self.drop(loaded, chosen[0][0], result)
        return None

    def drop(self, loaded: LoadedSource, finding: Finding, why: str) -> None:
        self.failed.add(_key(finding))
        description = finding.fix.description if finding.fix else ""
        self.outcome.dropped.append(
            f"{loaded.source.path}:{finding.span.start_line}:{finding.span.start_col}: "
            f"{finding.code} fix not applied ({description}): {why}"
        )

    def check(
        self, loaded: LoadedSource, chosen: list[tuple[Finding, list[TextEdit]]]
    ) -> tuple[LoadedSource, list[Finding]] | str:
        """The new read and findings after ``chosen``, or why the result cannot be kept."""
        source = loaded.source
        text = apply_edits(source.text, (e for _, edits in chosen for e in edits))
        expected = {(d.index, d.base): copy.deepcopy(d.data) for d in loaded.documents}
        try:
            for finding, _ in chosen:
                fix = finding.fix
                assert fix is not None and fix.where is not None and fix.operation is not None
                apply_intent(expected[fix.where], fix.operation)
        except (IntentMismatch, KeyError):
            return "the data does not have the shape the fix expects"
        again = load_source(SourceFile(source.path, text), self.limits, fast=True)
        if again.problems:
            return f"the result does not parse ({again.problems[0].message})"
        if {(d.index, d.base): d.data for d in again.documents} != expected:
            return "the result would change more than the fix says"
        duplicates = sum(len(d.duplicate_keys) for d in again.documents)
        if duplicates > sum(len(d.duplicate_keys) for d in loaded.documents):
            return "the result has a duplicate key"
        mark = replace(self.linter.summary)
        findings = self.linter.lint(again, self.match_path)
        remaining = {_key(f) for f in findings}
        if any(_key(f) in remaining for f, _ in chosen):
            self.linter.summary = mark
            return "its finding is still reported after the fix"
        self.linter.summary = _shifted(self.before, mark, self.linter.summary)
        return again, findings


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file's fix, as ``diff -u`` and ``git apply`` read it."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=path if path.startswith("/") else f"a/{path}",
        tofile=path if path.startswith("/") else f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
