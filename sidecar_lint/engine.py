"""Run the selected rules over loaded files and resolve what they report.

The loop is file → document → workload; each rule's check runs at the scope
it registered for. Violations point at paths; here they become findings with
exact spans, the object they belong to and the container they name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from sidecar_lint.catalogue import CatalogueError, RuleMeta
from sidecar_lint.checks.registry import CheckContext, CheckOptions, CheckSpec, get_check
from sidecar_lint.document import Document, SourceFile
from sidecar_lint.findings import Finding, Severity, Violation
from sidecar_lint.loader import LoadedSource, load_source
from sidecar_lint.workload import BUILTIN_KINDS, Classifier, WorkloadKind, iter_workloads


@dataclass(frozen=True)
class ActiveRule:
    """A rule ready to run: its metadata, its check and validated parameters."""

    meta: RuleMeta
    spec: CheckSpec
    context: CheckContext
    severity: Severity


@dataclass
class Summary:
    """Counts for the closing line and for machine-readable output."""

    files: int = 0
    documents: int = 0
    objects: int = 0
    workloads: int = 0


class Linter:
    """Holds the active rules and options; lints one loaded file at a time."""

    def __init__(
        self,
        rules: Sequence[RuleMeta],
        options: CheckOptions | None = None,
        kinds: Sequence[WorkloadKind] = BUILTIN_KINDS,
        classifier: Classifier | None = None,
    ) -> None:
        self.options = options or CheckOptions()
        self.kinds = tuple(kinds)
        self.classifier = classifier
        self.summary = Summary()
        self.rules = [self._activate(rule) for rule in rules]

    def _activate(self, rule: RuleMeta) -> ActiveRule:
        spec = get_check(rule.check)
        if spec is None:
            raise CatalogueError(f"rule {rule.code}: unknown check implementation {rule.check!r}")
        try:
            params = spec.build_params(rule.default_params)
        except ValidationError as err:
            raise CatalogueError(
                f"rule {rule.code}: invalid params: {err.errors()[0]['msg']}"
            ) from err
        return ActiveRule(rule, spec, CheckContext(rule.code, params, self.options), rule.severity)

    def lint_text(self, text: str, path: str = "<string>") -> list[Finding]:
        """Convenience for tests and examples: lint one in-memory file."""
        return self.lint(load_source(SourceFile(path, text)))

    def lint(self, loaded: LoadedSource) -> list[Finding]:
        """All findings for one file, sorted."""
        findings: list[Finding] = []
        self.summary.files += 1
        self.summary.documents += len({d.index for d in loaded.documents}) + len(loaded.problems)
        by_scope = {
            scope: [r for r in self.rules if r.spec.scope == scope]
            for scope in ("source", "document", "workload")
        }
        for rule in by_scope["source"]:
            findings.extend(self._run(rule, loaded, None, loaded.source))
        for doc in loaded.documents:
            if not doc.is_kubernetes_object:
                continue
            self.summary.objects += 1
            for rule in by_scope["document"]:
                findings.extend(self._run(rule, doc, doc, loaded.source))
            if not by_scope["workload"]:
                continue
            for workload in iter_workloads(doc, self.kinds, self.classifier):
                self.summary.workloads += 1
                for rule in by_scope["workload"]:
                    findings.extend(self._run(rule, workload, doc, loaded.source))
        findings.sort(key=Finding.sort_key)
        return findings

    def _run(
        self, rule: ActiveRule, subject: object, doc: Document | None, source: SourceFile
    ) -> Iterable[Finding]:
        for violation in rule.spec.fn(subject, rule.context):
            yield resolve(rule, violation, doc, source)


def resolve(
    rule: ActiveRule, violation: Violation, doc: Document | None, source: SourceFile
) -> Finding:
    """Turn a violation's pointer into an exact span and attach the object it concerns."""
    document = violation.document or doc
    pointer = tuple(violation.pointer or ())
    if violation.span is not None:
        span = violation.span
    elif document is not None:
        span, _ = document.locate(pointer, violation.target)
    else:
        span = source.to_span((0, 0, 0, 1))
    is_object = document is not None and document.is_kubernetes_object
    return Finding(
        code=rule.meta.code,
        name=rule.meta.name,
        severity=rule.severity,
        message=violation.message,
        path=source.path,
        span=span,
        object=document.ref if is_object and document is not None else None,
        container=violation.container.name if violation.container else None,
        pointer=pointer,
        document_index=document.index if document is not None else None,
        fix=violation.fix,
    )


@dataclass
class RunResult:
    """Everything a run produced, for reporters and the exit code."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be read
    summary: Summary = field(default_factory=Summary)
    rules: Sequence[RuleMeta] = ()
