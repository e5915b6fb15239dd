"""Write a finished run's reports: every output rendered first, then files, then stdout.

The reporters only format (see :mod:`sidecar_lint.reporters`); this module
gives them the run as a :class:`~sidecar_lint.report_context.ReportContext`
and puts their text where the request asked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, TextIO

from sidecar_lint import PROJECT_URL
from sidecar_lint.output import cannot_write, escape_surrogates
from sidecar_lint.report_context import (
    FixOptions,
    PodDiagram,
    ReportContext,
    Repository,
    TextOptions,
    blob_base,
)
from sidecar_lint.reporters import location_warning_name, reporter
from sidecar_lint.results import RuleHelp, RuleInfo

if TYPE_CHECKING:
    from sidecar_lint.rule_catalogue import RuleMeta
    from sidecar_lint.run import LintRun, OutputSpec, RunRequest


@dataclass
class Reports:
    """One run's reports: what the request asked for, over what the run found."""

    request: RunRequest
    run: LintRun
    out: TextIO  # standard output

    @cached_property
    def repository(self) -> Repository:
        """Shared by every report, so git is asked for the root at most once."""
        return Repository(self.request.sarif_root)

    def context(self) -> ReportContext:
        """The run as every reporter sees it (text options are set per output)."""
        annotating = any(spec.format == "github" for spec in self.request.outputs)
        changes = None
        if annotating and os.environ.get("GITHUB_BASE_REF"):  # annotation order in a PR
            from sidecar_lint.changes import pull_request_changes

            changes = pull_request_changes(os.environ, self.repository.paths)
        settings = self.request.settings
        diagrams: tuple[PodDiagram, ...] = ()
        if any(spec.format == "markdown" for spec in self.request.outputs):
            from sidecar_lint.pod_diagrams import diagrams_for

            diagrams = diagrams_for(self.run.result.findings, self.request)
        return ReportContext(
            repository=self.repository,
            kubernetes_version=str(settings.kubernetes_version),
            feature_gates=settings.effective_gates(),
            rules=rule_infos(self.run.rules),
            rule_help=RuleHelpLookup(self.run.rules),
            objects=tuple(self.run.objects),
            lines=self.run.lines,
            blob_url=blob_base(os.environ),
            changes=changes,
            annotating=annotating,
            fixes=FixOptions(settings.unsafe_fixes, self.run.fixes.applied),
            diagrams=diagrams,
        )

    def text_options(self, spec: OutputSpec) -> TextOptions:
        """How the text report looks where ``spec`` writes it."""
        to_stdout = spec.path is None
        return TextOptions(
            color=to_stdout and use_color(self.request.color, self.out),
            quiet=self.request.quiet,
            statistics=self.request.statistics,
            list_errors=not to_stdout,  # on stdout it only counts them (they go to stderr)
            guard_commands=to_stdout and os.environ.get("GITHUB_ACTIONS") == "true",
        )

    def write(self) -> list[str]:
        """Render every output first, then write files atomically, then standard output.

        A file that cannot be written does not stop the others; the reasons are
        returned, one line each (the run then exits 2).
        """
        from sidecar_lint import output  # looked up at call time, so tests can watch the writes

        context = self.context()
        result = self.run.result
        rendered = [
            (
                spec,
                reporter(spec.format).render(
                    result, replace(context, text=self.text_options(spec))
                ),
            )
            for spec in self.request.outputs
        ]
        unwritten: list[str] = []
        for spec, text in rendered:
            if spec.path is not None:
                try:
                    output.write_atomic(spec.path, text)
                except OSError as exc:
                    unwritten.append(cannot_write(spec.path, exc))
        for spec, text in rendered:
            if spec.path is None:
                self.out.write(escape_surrogates(text))  # as in a file, whatever stdout's encoder
        return unwritten

    def location_warnings(self) -> list[str]:
        """Results of reports (SARIF, GitLab) that cannot be placed on a repository file."""
        formats = dict.fromkeys(spec.format for spec in self.request.outputs)
        reports = [name for name in map(location_warning_name, formats) if name is not None]
        if not reports:
            return []
        from sidecar_lint.reporters.sarif import location_warnings

        found = [*self.run.result.findings, *self.run.result.suppressed]
        return location_warnings(found, self.repository.paths, " and ".join(reports))


def rule_infos(rules: Sequence[RuleMeta]) -> tuple[RuleInfo, ...]:
    """What reports print about each rule, copied from the catalogue."""
    return tuple(
        RuleInfo(r.code, r.name, r.severity, r.title, r.rationale, r.tags, rule_help_uri(r))
        for r in rules
    )


def rule_help_uri(rule: RuleMeta) -> str | None:
    """Where a rule is documented: its section of docs/rules.md for a built-in rule.

    The section's anchor is GitHub's heading slug (``sl101-unknown-field``). A
    team's own rule (any prefix but ``SL``) links to its first web reference,
    if it has one.
    """
    if rule.code.startswith("SL"):
        anchor = f"{rule.code}-{rule.name}".lower()
        return f"{PROJECT_URL}/blob/main/docs/rules.md#{anchor}"
    return next((r for r in rule.references if r.startswith(("https://", "http://"))), None)


class RuleHelpLookup(Mapping[str, RuleHelp]):
    """Each rule's full help by code, rendered on first lookup (only SARIF embeds it)."""

    def __init__(self, rules: Sequence[RuleMeta]) -> None:
        self._rules = {rule.code: rule for rule in rules}
        self._done: dict[str, RuleHelp] = {}

    def __getitem__(self, code: str) -> RuleHelp:
        if code not in self._done:
            from sidecar_lint.rule_docs import explain, explain_markdown

            rule = self._rules[code]
            self._done[code] = RuleHelp(explain(rule), explain_markdown(rule))
        return self._done[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


def use_color(choice: str, stream: TextIO) -> bool:
    """``--color``: always, never, or auto (a terminal, unless NO_COLOR; FORCE_COLOR forces)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"
