"""What a run found, as plain records: findings, unreadable paths, counts, linted objects.

These records sit below the engine (which fills in :class:`Summary`) and
below the reporters (which only read them), so a reporter never needs the
loader, the engine or the rule registry to print a run. What else a report
prints about the run (versions, paths, rules) is in
:class:`sidecar_lint.report_context.ReportContext`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sidecar_lint.document import ObjectRef
from sidecar_lint.findings import Finding, Severity


@dataclass
class Summary:
    """Counts for the closing line and for machine-readable output."""

    files: int = 0
    documents: int = 0
    objects: int = 0
    workloads: int = 0
    suppressed: int = 0


@dataclass
class RunResult:
    """Everything a run produced, for reporters and the exit code.

    ``findings`` holds only what counts; suppressed findings (in-source or by
    baseline) are kept apart so SARIF can still list them as suppressed.
    """

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # paths that could not be read
    summary: Summary = field(default_factory=Summary)
    suppressed: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class ObjectEntry:
    """One Kubernetes object that was linted (JUnit lists the ones that passed too)."""

    path: str
    document_index: int
    ref: ObjectRef


@dataclass(frozen=True)
class RuleInfo:
    """What reports say about one active rule (SARIF rule descriptors, Markdown links).

    A copy of the catalogue's fields that reports print, so reporters need not
    import the catalogue; ``help_uri`` is where the rule is documented.
    """

    code: str
    name: str
    severity: Severity
    title: str
    rationale: str
    tags: tuple[str, ...] = ()
    help_uri: str | None = None


@dataclass(frozen=True)
class RuleHelp:
    """A rule's full help, as ``--explain`` prints it and as Markdown (SARIF ``help``)."""

    text: str
    markdown: str
