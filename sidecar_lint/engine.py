"""Run the selected rules over loaded files and resolve what they report.

The loop is file → document → workload; each rule's check runs at the scope
it registered for. Violations point at paths; here they become findings with
exact spans, the object they belong to and the container they name. Then
in-source suppressions mark what the author chose to accept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from sidecar_lint import suppressions
from sidecar_lint.checks.registry import CheckContext, CheckOptions, CheckSpec, get_check
from sidecar_lint.cluster import (
    ClusterContext,
    ClusterObjects,
    may_hold_cluster_objects,
    objects_in,
)
from sidecar_lint.document import Document, SourceFile
from sidecar_lint.findings import Finding, Fix, Severity
from sidecar_lint.fix_edits import Refused, build_edits, to_edits
from sidecar_lint.loading import LoadedSource, load_source
from sidecar_lint.model import Classifier, Violation, WorkloadKind
from sidecar_lint.results import Summary
from sidecar_lint.rule_catalogue import CatalogueError, RuleMeta, find_rule, select_rules
from sidecar_lint.workload import BUILTIN_KINDS, iter_workloads

_SCOPES = ("source", "document", "workload", "suppressions")


@dataclass(frozen=True)
class RuleTuning:
    """A severity (``off`` disables the rule) and parameter values for one rule."""

    severity: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PathOverride:
    """Rule selection and tuning for files that match ``globs``."""

    globs: tuple[str, ...]
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rules: Mapping[str, RuleTuning] = field(default_factory=dict)


@dataclass(frozen=True)
class ActiveRule:
    """A rule ready to run: its metadata, its check and validated parameters."""

    meta: RuleMeta
    spec: CheckSpec
    context: CheckContext
    severity: Severity
    severity_configured: bool = False  # set by configuration: wins over a check's own


class Linter:
    """Holds the active rules and options; lints one loaded file at a time."""

    def __init__(
        self,
        rules: Sequence[RuleMeta],
        options: CheckOptions | None = None,
        kinds: Sequence[WorkloadKind] = BUILTIN_KINDS,
        classifier: Classifier | None = None,
        tuning: Mapping[str, RuleTuning] | None = None,
        overrides: Sequence[PathOverride] = (),
        cluster: ClusterContext | None = None,
    ) -> None:
        self.options = options or CheckOptions()
        #: The run's cluster objects and the configuration's cluster settings (see
        #: :meth:`use_objects`); each file adds its own objects while it is linted.
        self.cluster = cluster or ClusterContext()
        if not self.options.known_rules:  # what suppressions may name, for SL002
            from sidecar_lint.rule_catalogue import builtin_rules

            known = {(r.code, r.name) for r in (*builtin_rules(), *rules)}
            self.options = replace(self.options, known_rules=tuple(sorted(known)))
        self.kinds = tuple(kinds)
        self.classifier = classifier
        self.summary = Summary()
        self.base_rules = tuple(rules)
        self.tuning = _by_code(rules, tuning or {}, "rules")
        self.overrides = tuple(overrides)
        self._override_tuning = [_by_code(rules, o.rules, "overrides") for o in self.overrides]
        self._plans: dict[tuple[int, ...], dict[str, list[ActiveRule]]] = {}
        self.rules = self._plan(())["all"]
        for i in range(len(self.overrides)):  # validate every override's parameters up front
            self._plan((i,))

    def _plan(self, matched: tuple[int, ...]) -> dict[str, list[ActiveRule]]:
        """The active rules, by scope, for files matching the overrides ``matched``."""
        cached = self._plans.get(matched)
        if cached is not None:
            return cached
        rules = list(self.base_rules)
        merged: dict[str, RuleTuning] = dict(self.tuning)
        for i in matched:
            override = self.overrides[i]
            if override.select or override.ignore:
                rules = select_rules(rules, override.select, override.ignore)
            for code, tune in self._override_tuning[i].items():
                base = merged.get(code, RuleTuning())
                merged[code] = RuleTuning(
                    tune.severity or base.severity, {**base.params, **tune.params}
                )
        active = [
            a for a in (self._activate(r, merged.get(r.code, RuleTuning())) for r in rules) if a
        ]
        plan = {scope: [a for a in active if a.spec.scope == scope] for scope in _SCOPES}
        plan["all"] = active
        self._plans[matched] = plan
        return plan

    def _activate(self, rule: RuleMeta, tune: RuleTuning) -> ActiveRule | None:
        if tune.severity == "off":
            return None
        spec = get_check(rule.check)
        if spec is None:
            raise CatalogueError(f"rule {rule.code}: unknown check implementation {rule.check!r}")
        unknown = sorted(set(tune.params) - set(rule.params))
        if unknown:
            raise CatalogueError(
                f"rule {rule.code}: unknown parameter(s) {', '.join(unknown)}; "
                f"known: {', '.join(rule.params) or 'none'}"
            )
        try:
            params = spec.build_params({**rule.default_params, **tune.params})
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise CatalogueError(
                f"rule {rule.code}: invalid parameter {where}: {first['msg']}"
            ) from err
        severity = Severity(tune.severity) if tune.severity else rule.severity
        context = CheckContext(rule.code, params, self.options)
        return ActiveRule(rule, spec, context, severity, bool(tune.severity))

    def rules_for(self, path: str) -> dict[str, list[ActiveRule]]:
        """The plan for one file path (overrides matched by glob)."""
        if not self.overrides:
            return self._plan(())
        from sidecar_lint.paths import matches_any

        matched = tuple(i for i, o in enumerate(self.overrides) if matches_any(path, o.globs))
        return self._plan(matched)

    @property
    def needs_services(self) -> bool:
        """Whether a rule this linter may run reads the run's Services."""
        return any(a.spec.needs_services for plan in self._plans.values() for a in plan["all"])

    def use_objects(self, objects: ClusterObjects) -> None:
        """Lint with the cluster objects a run collected from all its inputs."""
        self.cluster = ClusterContext(objects, self.cluster.settings)

    def lint_text(self, text: str, path: str = "<string>") -> list[Finding]:
        """Convenience for tests and examples: lint one in-memory file."""
        return self.lint(load_source(SourceFile(path, text)))

    def lint(self, loaded: LoadedSource, match_path: str | None = None) -> list[Finding]:
        """All findings for one file, sorted; suppressed ones are marked, not dropped.

        ``match_path`` is the path overrides are matched against (relative to
        the configuration file's directory); it defaults to the reported path.
        """
        plan = self.rules_for(match_path or loaded.source.path)
        source = loaded.source
        findings: list[Finding] = []
        self.summary.files += 1
        self.summary.documents += len({d.index for d in loaded.documents}) + len(loaded.problems)
        directives = _scan(source)
        annotated = suppressions.ANNOTATION in source.text  # once per file, not per document
        cluster = self.cluster
        if source.path not in cluster.objects.sources and may_hold_cluster_objects(source.text):
            cluster = cluster.with_objects(objects_in(loaded.documents))  # standard input
        for rule in plan["source"]:
            findings.extend(self._run(rule, loaded, None, source))
        for doc in loaded.documents:
            if not doc.is_kubernetes_object:
                continue
            self.summary.objects += 1
            for rule in plan["document"]:
                findings.extend(self._run(rule, doc, doc, source))
            workloads = list(iter_workloads(doc, self.kinds, self.classifier, cluster))
            if annotated:
                suppressions.add_annotations(
                    directives, doc, [w.template_pointer for w in workloads]
                )
            for workload in workloads:
                self.summary.workloads += 1
                for rule in plan["workload"]:
                    if rule.spec.name in workload.kind.unjudged:  # needs what this kind lacks
                        continue
                    findings.extend(self._run(rule, workload, doc, source))
        findings = suppressions.apply(directives, findings)
        for rule in plan["suppressions"]:  # unknown codes always; unused ones when asked
            findings.extend(self._run(rule, directives, None, source))
        self.summary.suppressed += sum(1 for f in findings if f.suppression is not None)
        findings.sort(key=Finding.sort_key)
        return findings

    def _run(
        self, rule: ActiveRule, subject: object, doc: Document | None, source: SourceFile
    ) -> Iterable[Finding]:
        for violation in rule.spec.fn(subject, rule.context):
            yield resolve(rule, violation, doc, source)


def _scan(source: SourceFile) -> suppressions.FileSuppressions:
    if "sidecar-lint:" not in source.text:
        return suppressions.FileSuppressions()
    return suppressions.scan_comments(source.lines)


def _by_code(
    rules: Sequence[RuleMeta], tuning: Mapping[str, RuleTuning], where: str
) -> dict[str, RuleTuning]:
    """Key tuning by rule code, accepting codes or names; unknown keys are errors."""
    from sidecar_lint.rule_catalogue import builtin_rules

    out: dict[str, RuleTuning] = {}
    for key, tune in tuning.items():
        rule = find_rule(rules, key) or find_rule(builtin_rules(), key)
        if rule is None:
            raise CatalogueError(f"{where}: no rule {key!r}; see --list-rules")
        out[rule.code] = tune
    return out


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
    severity = rule.severity
    if violation.severity is not None and not rule.severity_configured:
        severity = violation.severity
    return Finding(
        code=rule.meta.code,
        name=rule.meta.name,
        severity=severity,
        message=violation.message,
        path=source.path,
        span=span,
        object=document.ref if is_object and document is not None else None,
        container=violation.container.name if violation.container else None,
        pointer=pointer,
        document_index=document.index if document is not None else None,
        fix=violation.fix or _fix(rule.meta, violation, document),
    )


def _fix(meta: RuleMeta, violation: Violation, document: Document | None) -> Fix | None:
    """The violation's fix intent as text edits, when the rule declares it and it applies here."""
    intent = violation.intent
    if intent is None or document is None:
        return None
    declared = meta.fixes.get(intent.id)
    if declared is None:
        raise CatalogueError(f"rule {meta.code}: its check offers fix {intent.id!r}, not declared")
    try:
        edits = build_edits(document, intent.operation)
    except Refused:
        return None
    except (IndexError, KeyError, ValueError):  # text laid out as no edit expects: no fix
        return None
    text = document.source.text
    return Fix(
        intent.description,
        to_edits(text, edits),
        declared.applicability,
        intent.operation,
        (document.index, document.base),
    )
