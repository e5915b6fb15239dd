"""GitLab Code Quality report: a JSON array of issues for ``artifacts:reports:codequality``.

GitLab reads a subset of the Code Climate issue format: ``description``,
``check_name``, ``fingerprint``, ``severity`` and ``location`` (``path`` and
``lines.begin``). It compares the fingerprints of the merge request's report
with the target branch's to show what is new or fixed, so they must be stable
across runs and unique within a report: they are the SARIF result identities
(``sidecarLintIdentity/v1``), which ignore lines and columns.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sidecar_lint.findings import Finding, Severity
from sidecar_lint.output import json_escape_surrogates
from sidecar_lint.paths import STDIN_PATH, RepoPaths
from sidecar_lint.reporters.sarif import result_identities

if TYPE_CHECKING:
    from sidecar_lint.report_context import ReportContext
    from sidecar_lint.results import RunResult

#: How warnings name this report when some results cannot be placed on a repository file.
LOCATION_WARNING_NAME = "the GitLab report"

#: GitLab's scale is info, minor, major, critical, blocker. An error is a manifest the API
#: server rejects or a sidecar that cannot work: critical; nothing here blocks on its own.
SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "minor", Severity.NOTE: "info"}


def _path(finding: Finding, paths: RepoPaths) -> str:
    """Relative to the repository root, as GitLab needs; else stdin or the absolute path."""
    rel = paths.relative(finding.path)
    if rel is not None:
        return rel
    if finding.path == STDIN_PATH:
        return "stdin"
    return paths.absolute(finding.path).replace("\\", "/")


def build_issues(result: RunResult, paths: RepoPaths) -> list[dict[str, Any]]:
    """One issue per finding that counts, in report order (suppressed ones are left out).

    Fingerprints are numbered over the same findings as the SARIF log
    (suppressed ones included), so a finding has the same identity in both.
    """
    everything = sorted([*result.findings, *result.suppressed], key=Finding.sort_key)
    identities = result_identities(everything, paths)
    issues: list[dict[str, Any]] = []
    for finding, fingerprint in zip(everything, identities, strict=True):
        if finding.suppression is not None:
            continue
        span = finding.span
        issues.append(
            {
                "description": f"{finding.code} [{finding.name}] {finding.message}",
                "check_name": finding.code,
                "fingerprint": fingerprint,
                "severity": SEVERITY[finding.severity],
                "location": {
                    "path": _path(finding, paths),
                    "lines": {"begin": span.start_line, "end": span.end_line},
                },
            }
        )
    return issues


def render(result: RunResult, context: ReportContext) -> str:
    """The report as JSON text: keys sorted, byte-stable, valid UTF-8, ``[]`` when clean."""
    issues = build_issues(result, context.paths)
    text = json.dumps(issues, indent=2, sort_keys=True, ensure_ascii=False)
    return json_escape_surrogates(text) + "\n"
