"""JUnit XML: layout (suite per file, case per object and rule), escaping, stability."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from sidecar_lint.document import ObjectRef, Span
from sidecar_lint.findings import Finding, Severity, Suppression
from sidecar_lint.report_context import ReportContext, Repository
from sidecar_lint.reporters import junit
from sidecar_lint.reporters.junit import clean
from sidecar_lint.results import ObjectEntry, RunResult

MANIFESTS = textwrap.dedent(
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
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: clean, namespace: shop}
    spec:
      containers:
        - name: app
          image: nginx:1.27
    """
)
WEB = ObjectRef("v1", "Pod", "shop", "web")
#: Reported paths are relative to the checkout, so they are their own repository paths.
ROOT = str(Path(__file__).resolve().parent.parent)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def _finding(
    message: str = "broken", line: int = 3, severity: Severity = Severity.ERROR
) -> Finding:
    return Finding(
        code="SL101",
        name="unknown-field",
        severity=severity,
        message=message,
        path="deploy/web.yaml",
        span=Span(line, 5, line, 12),
        object=WEB,
        container="web",
        document_index=0,
    )


def _junit(result: RunResult, objects: list[ObjectEntry] | None = None) -> str:
    context = ReportContext(Repository(ROOT, ROOT), objects=tuple(objects or ()))
    return junit.render(result, context)


def _parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_layout_failures_and_passing_objects() -> None:
    objects = [
        ObjectEntry("deploy/web.yaml", 0, WEB),
        ObjectEntry("deploy/web.yaml", 1, ObjectRef("v1", "Pod", "shop", "clean")),
        ObjectEntry("other.yaml", 0, ObjectRef("apps/v1", "Deployment", None, "api")),
    ]
    findings = [_finding("first"), _finding("second", line=7, severity=Severity.WARNING)]
    root = _parse(_junit(RunResult(findings=findings), objects))
    assert root.tag == "testsuites"
    assert root.attrib == {
        "name": "sidecar-lint",
        "tests": "3",
        "failures": "1",
        "errors": "0",
        "skipped": "0",
    }
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["deploy/web.yaml", "other.yaml"]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == [
        "Pod shop/web: SL101 unknown-field",
        "Pod shop/clean",
    ]
    assert cases[0].get("file") == "deploy/web.yaml" and cases[0].get("line") == "3"
    (failure,) = cases[0].findall("failure")
    assert failure.get("type") == "error"
    assert failure.get("message") == "2 findings; first: first"
    assert failure.text is not None
    assert failure.text.splitlines() == [
        "deploy/web.yaml:3:5: error SL101 [unknown-field] first (container web)",
        "deploy/web.yaml:7:5: warning SL101 [unknown-field] second (container web)",
    ]
    assert not list(cases[1])
    assert [c.get("name") for c in suites[1].findall("testcase")] == ["Deployment api"]


def test_parse_errors_and_unreadable_files() -> None:
    parse_error = Finding(
        code="SL001",
        name="invalid-yaml",
        severity=Severity.ERROR,
        message="cannot parse",
        path="bad.yaml",
        span=Span(2, 1, 2, 2),
    )
    result = RunResult(findings=[parse_error], errors=["gone.yaml: cannot read: denied"])
    root = _parse(_junit(result))
    assert root.get("tests") == "2" and root.get("errors") == "1" and root.get("failures") == "1"
    bad, unreadable = root.findall("testsuite")
    assert bad.find("testcase").get("name") == "file: SL001 invalid-yaml"  # type: ignore[union-attr]
    error = unreadable.find("testcase/error")
    assert error is not None and error.get("message") == "gone.yaml: cannot read: denied"


def test_escaping_and_characters_xml_cannot_carry() -> None:
    message = "a < b && c > \"d\" 'e' \x01\x1b end\nnext"
    text = _junit(RunResult(findings=[_finding(message)]))
    failure = _parse(text).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "a < b && c > \"d\" 'e' \\x01\\x1b end\nnext"
    assert "\x01" not in text and "&lt;" in text and "&amp;&amp;" in text
    assert clean("ok\tfine\n") == "ok\tfine\n"


def test_cli_junit_is_byte_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pods.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    args = ["--select", "SL101", "--sarif-root", str(tmp_path), "pods.yaml"]
    assert main(["--format", "junit", *args]) == 1
    first = capsys.readouterr().out
    assert main(["--format", "junit", *args]) == 1
    assert capsys.readouterr().out == first
    root = _parse(first)
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == ["Pod shop/web: SL101 unknown-field", "Pod shop/clean"]
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert len(failure.text.splitlines()) == 2
    assert str(tmp_path) not in first


def test_suppressed_findings_make_skipped_cases() -> None:
    accepted = replace(
        _finding("accepted"), suppression=Suppression("inSource", "known", "comment")
    )
    objects = [ObjectEntry("deploy/web.yaml", 0, WEB)]
    root = _parse(_junit(RunResult(suppressed=[accepted]), objects))
    assert root.get("skipped") == "1" and root.get("failures") == "0"
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == ["Pod shop/web", "Pod shop/web: SL101 unknown-field"]
    skipped = root.find("testsuite/testcase/skipped")
    assert skipped is not None and skipped.get("message") == "suppressed: known"
