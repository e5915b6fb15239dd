"""SARIF 2.1.0 output for GitHub code scanning and other result viewers.

The log is built from ``sarif_om`` objects and serialized here: sarif-om has
no serializer of its own, and the generic ones either keep every attrs
default (``ruleIndex: -1``, ``kind: "fail"``) or drop defaults that carry
meaning (a result's ``level`` equal to ``"warning"`` must stay, or it would
inherit the rule's default level). :func:`to_sarif_dict` walks the attrs
fields, names them by their ``schema_property_name`` and drops ``None`` and
meaningless defaults, but always keeps ``level``.

This module also names results by repository path (:func:`artifact_location`,
:func:`result_identities`, which the GitLab report shares) and says which
results cannot be placed on a repository file (:func:`location_warnings`).
``sarif_om`` is imported only when a log is actually built.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sidecar_lint import PROJECT_URL
from sidecar_lint.findings import Finding, Fix, Severity
from sidecar_lint.output import json_escape_surrogates, utf8_bytes
from sidecar_lint.paths import STDIN_PATH, RepoPaths

if TYPE_CHECKING:
    from sidecar_lint.report_context import ReportContext
    from sidecar_lint.results import RuleHelp, RuleInfo, RunResult

#: How warnings name this report when some results cannot be placed on a repository file.
LOCATION_WARNING_NAME = "SARIF"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "sidecar-lint"
#: ``category/`` with a trailing slash: GitHub takes everything before the last ``/``.
AUTOMATION_ID = "sidecar-lint/"
SRCROOT = "%SRCROOT%"
#: Key of the tool-owned result identity in ``partialFingerprints`` (see docs/reports.md).
FINGERPRINT_KEY = "sidecarLintIdentity/v1"
#: GitHub keeps at most 10 tags per rule (and rejects more than 20).
MAX_TAGS = 10
#: GitHub's limit for rule descriptions.
MAX_DESCRIPTION = 1024

_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "recommendation",
}
#: Only rules tagged ``security`` get a (string, numeric) ``security-severity``.
_SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}
#: Property names whose attrs default must still be written (see the module docstring).
_ALWAYS_KEEP = frozenset({"level"})


# --------------------------------------------------------------------------- paths


def identity_relpath(path: str) -> str | None:
    """A stand-in for :meth:`RepoPaths.relative` when paths are already repository-relative."""
    if path == STDIN_PATH:
        return None
    return path.replace(os.sep, "/") if os.sep != "/" else path


def artifact_location(path: str, paths: RepoPaths) -> dict[str, str]:
    """``uri`` (percent-encoded, POSIX) and ``uriBaseId`` for one reported path.

    The URI percent-encodes the name's bytes, so a name that is not valid UTF-8
    (``\\xff-pod.yaml``) is exact: ``%FF-pod.yaml``.
    """
    rel = paths.relative(path)
    if rel is not None:
        return {"uri": quote(utf8_bytes(rel), safe="/"), "uriBaseId": SRCROOT}
    if path == STDIN_PATH:
        return {"uri": "stdin"}
    return {"uri": Path(paths.absolute(path)).as_uri()}


def location_warnings(findings: Iterable[Finding], paths: RepoPaths, report: str) -> list[str]:
    """Why some results of ``report`` cannot be placed in the repository: one line per cause.

    A file outside the root gets an absolute location, and standard input
    without ``--stdin-filename`` a made-up name; code scanning (or GitLab)
    shows neither on a file. Empty when every finding has a repository path.
    """
    outside: list[str] = []
    stdin = False
    for f in findings:
        if f.path == STDIN_PATH:
            stdin = True
        elif paths.relative(f.path) is None and f.path not in outside:
            outside.append(f.path)
    root = paths.absolute(paths.root)
    warnings = []
    if outside:
        files = "1 file" if len(outside) == 1 else f"{len(outside)} files"
        warnings.append(
            f"{files} outside the repository root {root} (first: {outside[0]}) get absolute "
            f"locations in {report}, which code scanning and GitLab cannot place on a file; "
            "lint from inside the repository or set --sarif-root"
        )
    if stdin:
        warnings.append(
            f"standard input is named 'stdin' in {report}, which code scanning and GitLab "
            "cannot place on a file; give its path in the repository with --stdin-filename"
        )
    return warnings


# --------------------------------------------------------------------------- rules


def _one_line(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """Whitespace collapsed to single spaces, cut at a sentence or word to fit ``limit``."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    sentence = cut.rfind(". ")
    if sentence >= limit // 2:
        return cut[: sentence + 1]
    word = cut.rfind(" ")
    return (cut[:word] if word > 0 else cut).rstrip(" ,;:") + "…"


def _rule_properties(rule: RuleInfo) -> dict[str, Any]:
    props: dict[str, Any] = {
        "precision": "high",
        "problem.severity": _PROBLEM_SEVERITY[rule.severity],
    }
    if rule.tags:
        props["tags"] = list(rule.tags[:MAX_TAGS])
    if "security" in rule.tags:
        props["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    return props


def _descriptor(rule: RuleInfo, full: RuleHelp | None, om: Any) -> Any:
    """A rule descriptor; ``help`` (the rule's full help) is left out when none was given."""
    return om.ReportingDescriptor(
        id=rule.code,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=_one_line(rule.title)),
        full_description=om.MultiformatMessageString(text=_one_line(rule.rationale)),
        help=om.MultiformatMessageString(text=full.text, markdown=full.markdown)
        if full is not None
        else None,
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(level=rule.severity.value),
        properties=_rule_properties(rule),
    )


# --------------------------------------------------------------------------- results


def result_identity(finding: Finding, file: str) -> str:
    """The tool-owned identity of a result: :attr:`Finding.fingerprint` of its repository path.

    Rule, file, object (apiVersion, kind, namespace, name), container and the
    field path inside the object; never a line or column. The file is the
    repository-relative path, so the identity does not depend on the
    directory the linter was started from.
    """
    return replace(finding, path=file).fingerprint


def _logical_location(finding: Finding, om: Any) -> Any | None:
    obj = finding.object
    if obj is None:
        return None
    parts = [obj.kind, *([obj.namespace] if obj.namespace else []), obj.name or "<unnamed>"]
    props: dict[str, Any] = {"apiVersion": obj.api_version, "kind": obj.kind}
    if obj.namespace:
        props["namespace"] = obj.namespace
    if obj.name:
        props["name"] = obj.name
    if finding.container:
        parts.append(finding.container)
        props["container"] = finding.container
    return om.LogicalLocation(
        name=finding.container or obj.name or "<unnamed>",
        fully_qualified_name="/".join(parts),
        kind="resource",
        properties=props,
    )


def _suppressions(finding: Finding, om: Any) -> list[Any] | None:
    """``suppressions`` for a finding accepted in source or by a baseline (else None)."""
    accepted = finding.suppression
    if accepted is None:
        return None
    return [
        om.Suppression(
            kind=accepted.kind,
            justification=accepted.justification or None,
            properties={"source": accepted.source},
        )
    ]


def _result(
    finding: Finding, rule_index: dict[str, int], paths: RepoPaths, ident: str, om: Any
) -> Any:
    span = finding.span
    physical = om.PhysicalLocation(
        artifact_location=om.ArtifactLocation(**_snake(artifact_location(finding.path, paths))),
        region=om.Region(
            start_line=span.start_line,
            start_column=span.start_col,
            end_line=span.end_line,
            end_column=span.end_col,
        ),
    )
    logical = _logical_location(finding, om)
    location = om.Location(
        physical_location=physical, logical_locations=[logical] if logical else None
    )
    props = {"fieldPath": finding.json_pointer_text()} if finding.pointer else None
    related = [
        om.Location(
            id=i,
            physical_location=om.PhysicalLocation(
                artifact_location=om.ArtifactLocation(**_snake(artifact_location(where, paths)))
            ),
            message=om.Message(text=f"rendered by {where}"),
        )
        for i, where in enumerate(finding.renders)
    ]
    fixes = None
    if finding.fix is not None:
        fixes = [_fix(finding.fix, artifact_location(finding.path, paths), om)]
    return om.Result(
        rule_id=finding.code,
        rule_index=rule_index.get(finding.code),
        level=finding.severity.value,
        message=om.Message(text=finding.message),
        locations=[location],
        partial_fingerprints={FINGERPRINT_KEY: ident},
        suppressions=_suppressions(finding, om),
        properties=props,
        related_locations=related or None,
        fixes=fixes,
    )


def _fix(fix: Fix, location: dict[str, str], om: Any) -> Any:
    """A SARIF ``fix``: its edits as replacements, and how safe it is (``applicability``).

    Regions are in the unmodified file; an empty region inserts.
    """
    replacements = [
        om.Replacement(
            deleted_region=om.Region(
                start_line=e.span.start_line,
                start_column=e.span.start_col,
                end_line=e.span.end_line,
                end_column=e.span.end_col,
            ),
            inserted_content=om.ArtifactContent(text=e.replacement) if e.replacement else None,
        )
        for e in fix.edits
    ]
    return om.Fix(
        description=om.Message(text=fix.description),
        artifact_changes=[
            om.ArtifactChange(
                artifact_location=om.ArtifactLocation(**_snake(location)),
                replacements=replacements,
            )
        ],
        properties={"applicability": fix.applicability},
    )


def _snake(location: dict[str, str]) -> dict[str, str]:
    return {"uri_base_id" if k == "uriBaseId" else k: v for k, v in location.items()}


def result_identities(findings: Iterable[Finding], paths: RepoPaths) -> list[str]:
    """One identity per finding; repeats in one run get ``:2``, ``:3``… in report order."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for f in findings:
        rel = paths.relative(f.path)
        base = result_identity(f, rel if rel is not None else f.path)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return out


# --------------------------------------------------------------------------- log


def build_log(result: RunResult, context: ReportContext) -> Any:
    """The run as a ``sarif_om.SarifLog`` (one run, every active rule described)."""
    import sarif_om as om

    paths = context.paths
    rules = sorted(context.rules, key=lambda r: r.code)
    index = {rule.code: i for i, rule in enumerate(rules)}
    version = context.tool_version
    driver = om.ToolComponent(
        name=TOOL_NAME,
        version=version,
        semantic_version=version,
        information_uri=PROJECT_URL,
        rules=[_descriptor(rule, context.rule_help.get(rule.code), om) for rule in rules],
    )
    # Suppressed findings stay in the log, marked, so viewers can show them as such.
    findings = sorted([*result.findings, *result.suppressed], key=Finding.sort_key)
    identities = result_identities(findings, paths)
    results = [
        _result(f, index, paths, ident, om) for f, ident in zip(findings, identities, strict=True)
    ]
    invocation = om.Invocation(
        execution_successful=not result.errors,
        tool_execution_notifications=[
            om.Notification(message=om.Message(text=text), level="error") for text in result.errors
        ]
        or None,
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        results=results,
        invocations=[invocation],
        automation_details=om.RunAutomationDetails(id=AUTOMATION_ID),
        column_kind="unicodeCodePoints",
        original_uri_base_ids={
            SRCROOT: om.ArtifactLocation(
                description=om.Message(
                    text="The repository root: the git top-level directory of the working "
                    "directory (or --sarif-root). Result URIs are relative to it."
                )
            )
        },
        properties={
            "kubernetesVersion": context.kubernetes_version,
            "featureGates": dict(context.feature_gates),
        },
    )
    return om.SarifLog(schema_uri=SARIF_SCHEMA_URI, version=SARIF_VERSION, runs=[run])


def to_sarif_dict(obj: Any) -> Any:
    """Serialize sarif-om objects (and plain dicts/lists inside them) to JSON-ready data.

    Attributes become their SARIF property names; ``None`` is dropped, and so
    is a value equal to its attrs default, except for ``level`` (whose absence
    means "inherit the rule's level", not "warning"). A ``ruleIndex`` below 0
    is never written. Empty lists are kept: ``results: []`` is required.
    """
    import attr

    if attr.has(type(obj)):
        out: dict[str, Any] = {}
        for attribute in attr.fields(type(obj)):
            value = getattr(obj, attribute.name)
            name = attribute.metadata.get("schema_property_name", attribute.name)
            if value is None or (name == "ruleIndex" and value < 0):
                continue
            if name not in _ALWAYS_KEEP and _is_default(attribute, value):
                continue
            out[name] = to_sarif_dict(value)
        return out
    if isinstance(obj, dict):
        return {str(k): to_sarif_dict(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [to_sarif_dict(v) for v in obj]
    return obj


def _is_default(attribute: Any, value: Any) -> bool:
    import attr

    default = attribute.default
    if default is attr.NOTHING:
        return False
    if isinstance(default, attr.Factory):  # type: ignore[arg-type]
        default = default.factory()
    return bool(value == default)


def render(result: RunResult, context: ReportContext) -> str:
    """The whole run as SARIF JSON: keys sorted, no timestamps, byte-stable, valid UTF-8."""
    data = to_sarif_dict(build_log(result, context))
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    return json_escape_surrogates(text) + "\n"
