"""Machine-readable output with a stable, documented schema (docs/json-output.md)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from sidecar_lint.findings import Finding
from sidecar_lint.output import json_escape_surrogates

if TYPE_CHECKING:
    from sidecar_lint.report_context import ReportContext
    from sidecar_lint.results import RunResult

SCHEMA_VERSION = 1


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """One finding as the JSON schema describes it (keys always present)."""
    obj = None
    if f.object is not None:
        obj = {
            "apiVersion": f.object.api_version,
            "kind": f.object.kind,
            "namespace": f.object.namespace,
            "name": f.object.name,
        }
    fix = None
    if f.fix is not None:
        fix = {
            "description": f.fix.description,
            "applicability": f.fix.applicability,
            "edits": [
                {
                    "line": e.span.start_line,
                    "column": e.span.start_col,
                    "endLine": e.span.end_line,
                    "endColumn": e.span.end_col,
                    "replacement": e.replacement,
                }
                for e in f.fix.edits
            ],
        }
    out: dict[str, Any] = {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "file": f.path,
        "line": f.span.start_line,
        "column": f.span.start_col,
        "endLine": f.span.end_line,
        "endColumn": f.span.end_col,
        "object": obj,
        "container": f.container,
        "fieldPath": f.json_pointer_text(),
        "documentIndex": f.document_index,
        "fix": fix,
    }
    if f.renders:  # found by rendering: the kustomizations whose output shows it
        out["renderedIn"] = list(f.renders)
    return out


def render(result: RunResult, context: ReportContext) -> str:
    """The whole run as one JSON document, keys in a fixed order.

    Valid UTF-8 whatever the input: a file name that is not valid UTF-8 keeps
    its undecodable bytes as ``\\udcXX`` escapes (Python's ``surrogateescape``).
    """
    by_severity = Counter(f.severity.value for f in result.findings)
    payload = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "sidecar-lint", "version": context.tool_version},
        "kubernetesVersion": context.kubernetes_version,
        "featureGates": dict(context.feature_gates),
        "findings": [finding_to_dict(f) for f in result.findings],
        "errors": [{"message": e} for e in result.errors],
        "summary": {
            "files": result.summary.files,
            "documents": result.summary.documents,
            "objects": result.summary.objects,
            "workloads": result.summary.workloads,
            "findings": len(result.findings),
            "suppressed": len(result.suppressed),
            "bySeverity": {k: by_severity.get(k, 0) for k in ("error", "warning", "note")},
        },
    }
    return json_escape_surrogates(json.dumps(payload, indent=2, ensure_ascii=False)) + "\n"
