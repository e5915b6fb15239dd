"""GitLab Code Quality output: the documented shape, stable and unique fingerprints."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.cli import main
from sidecar_lint.engine import Linter
from sidecar_lint.findings import Finding, Severity, Suppression
from sidecar_lint.loading import load_bytes
from sidecar_lint.paths import RepoPaths
from sidecar_lint.report_context import ReportContext, Repository
from sidecar_lint.reporters import gitlab
from sidecar_lint.reporters.gitlab import SEVERITY, build_issues
from sidecar_lint.reporters.sarif import FINGERPRINT_KEY, build_log, to_sarif_dict
from sidecar_lint.results import RunResult
from sidecar_lint.rule_catalogue import builtin_rules, select_rules
from sidecar_lint.versions import KubeVersion

#: The Code Quality report as GitLab documents it (docs.gitlab.com/ci/testing/code_quality):
#: an array of issues; these fields are required, location by lines.begin or positions.
CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^(/|\\./)"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {"type": "integer", "minimum": 1},
                            "end": {"type": "integer", "minimum": 1},
                        },
                    },
                    "positions": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {
                                "type": "object",
                                "required": ["line"],
                                "properties": {"line": {"type": "integer", "minimum": 1}},
                            }
                        },
                    },
                },
                "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}],
            },
        },
    },
}

POD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: web, namespace: shop}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          volumeMount: []
      sidecarContainers: []
    """
)


def _validate(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    jsonschema.Draft202012Validator(CODE_QUALITY_SCHEMA).validate(data)
    return data  # type: ignore[no-any-return]


def _run(*files: tuple[str, str]) -> RunResult:
    rules = select_rules(builtin_rules(), ["SL101"])
    linter = Linter(rules, CheckOptions(kubernetes_version=KubeVersion.parse("1.33")))
    result = RunResult()
    for path, text in files:
        result.findings.extend(linter.lint(load_bytes(path, text.encode())))
    result.findings.sort(key=Finding.sort_key)
    return result


def _report(result: RunResult, root: Path) -> list[dict[str, Any]]:
    return _validate(gitlab.render(result, _context(root)))


def _context(root: Path) -> ReportContext:
    return ReportContext(Repository(str(root), str(root)))


def test_the_schema_rejects_what_gitlab_would() -> None:
    good = {
        "description": "d",
        "check_name": "c",
        "fingerprint": "f",
        "severity": "minor",
        "location": {"path": "a.yaml", "lines": {"begin": 1}},
    }
    jsonschema.validate([good], CODE_QUALITY_SCHEMA)
    for broken in (
        {**good, "severity": "error"},
        {k: v for k, v in good.items() if k != "fingerprint"},
        {**good, "location": {"path": "a.yaml"}},
        {**good, "location": {"path": "/abs/a.yaml", "lines": {"begin": 1}}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate([broken], CODE_QUALITY_SCHEMA)


def test_issues_have_the_documented_fields(tmp_path: Path) -> None:
    result = _run(("k8s/web.yaml", POD))
    issues = _report(result, tmp_path)
    assert len(issues) == len(result.findings) == 2
    for issue, finding in zip(issues, result.findings, strict=True):
        assert issue["check_name"] == finding.code == "SL101"
        assert issue["description"] == f"SL101 [unknown-field] {finding.message}"
        assert issue["severity"] == SEVERITY[finding.severity] == "critical"
        assert issue["location"] == {
            "path": "k8s/web.yaml",
            "lines": {"begin": finding.span.start_line, "end": finding.span.end_line},
        }
    assert [i["location"]["lines"]["begin"] for i in issues] == [8, 9]


def test_severity_mapping() -> None:
    assert SEVERITY == {
        Severity.ERROR: "critical",
        Severity.WARNING: "minor",
        Severity.NOTE: "info",
    }


def test_fingerprints_survive_line_shifts_and_match_sarif(tmp_path: Path) -> None:
    before = _report(_run(("web.yaml", POD)), tmp_path)
    after = _report(_run(("web.yaml", "# new comment\n\n\n" + POD)), tmp_path)
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]
    assert [i["location"]["lines"]["begin"] for i in after] == [11, 12]
    renamed = _report(_run(("web.yaml", POD.replace("name: web,", "name: api,"))), tmp_path)
    assert {i["fingerprint"] for i in renamed}.isdisjoint(i["fingerprint"] for i in before)
    result = _run(("web.yaml", POD))
    log = to_sarif_dict(build_log(result, _context(tmp_path)))
    sarif_ids = [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]
    assert [i["fingerprint"] for i in before] == sarif_ids


def test_fingerprints_are_unique_even_for_repeats(tmp_path: Path) -> None:
    result = _run(("web.yaml", POD), ("other.yaml", POD))
    twin = replace(result.findings[0], span=replace(result.findings[0].span, start_line=30))
    result.findings = sorted([*result.findings, twin], key=Finding.sort_key)
    prints = [i["fingerprint"] for i in _report(result, tmp_path)]
    assert len(prints) == 5 and len(set(prints)) == 5
    assert any(p.endswith(":2") for p in prints)


def test_suppressed_findings_are_left_out_but_keep_the_numbering(tmp_path: Path) -> None:
    result = _run(("web.yaml", POD))
    first, second = result.findings
    accepted = replace(first, suppression=Suppression("external", "baseline", "baseline"))
    result.findings, result.suppressed = [second], [accepted]
    (issue,) = _report(result, tmp_path)
    assert issue["location"]["lines"]["begin"] == second.span.start_line
    full = build_issues(_run(("web.yaml", POD)), RepoPaths(str(tmp_path), str(tmp_path)))
    assert issue["fingerprint"] == full[1]["fingerprint"]


def test_clean_run_is_an_empty_array(tmp_path: Path) -> None:
    assert gitlab.render(RunResult(), _context(tmp_path)) == "[]\n"


def test_cli_writes_the_report_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "web.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path)
    common = ["--select", "SL101", "--no-cache"]
    assert main([*common, "--format", "gitlab:gl-code-quality-report.json", "k8s"]) == 1
    first = (tmp_path / "gl-code-quality-report.json").read_bytes()
    issues = _validate(first.decode())
    assert [i["location"]["path"] for i in issues] == ["k8s/web.yaml", "k8s/web.yaml"]
    monkeypatch.chdir(tmp_path / "k8s")  # another directory, the same report
    assert main([*common, "--sarif-root", "..", "-f", "gitlab", "-o", "../again.json", "."]) == 1
    assert (tmp_path / "again.json").read_bytes() == first
