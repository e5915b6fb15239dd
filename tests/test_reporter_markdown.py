"""The Markdown summary: counts, links to exact lines, escaping and the size cap."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from sidecar_lint.document import ObjectRef, Span
from sidecar_lint.findings import Finding, Severity, Suppression
from sidecar_lint.report_context import PodDiagram, ReportContext, Repository, blob_base
from sidecar_lint.reporters import markdown
from sidecar_lint.reporters.markdown import MAX_CHARS, escape
from sidecar_lint.results import RuleInfo, RunResult, Summary

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
SPAN = Span(3, 5, 3, 12)
#: Reported paths are relative to the checkout, so they are their own repository paths.
ROOT = str(Path(__file__).resolve().parent.parent)
ENV = ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def _finding(
    severity: Severity = Severity.ERROR,
    message: str = "broken",
    path: str = "deploy/web.yaml",
    span: Span = SPAN,
    code: str = "SL101",
    container: str | None = None,
) -> Finding:
    return Finding(
        code=code,
        name="unknown-field",
        severity=severity,
        message=message,
        path=path,
        span=span,
        object=ObjectRef("v1", "Pod", "shop", "web"),
        container=container,
        document_index=0,
    )


def _render(findings: list[Finding], blob: str | None = None, **kw: object) -> str:
    result = RunResult(findings=findings, summary=Summary(files=2, objects=3), **kw)  # type: ignore[arg-type]
    rules = tuple(
        RuleInfo(f.code, f.name, f.severity, "title", "why", help_uri=f"https://x/{f.code}")
        for f in findings
    )
    context = ReportContext(
        Repository(ROOT, ROOT), kubernetes_version="1.33", rules=rules, blob_url=blob
    )
    return markdown.render(result, context)


def test_clean_run() -> None:
    text = _render([])
    assert text.startswith("## sidecar-lint\n")
    assert "**No problems** in 2 files, 3 Kubernetes objects, Kubernetes 1.33." in text
    assert "| Severity |" not in text


def test_counts_by_severity_and_rule() -> None:
    findings = [
        _finding(Severity.ERROR),
        _finding(Severity.ERROR, span=Span(5, 1, 5, 2)),
        _finding(Severity.WARNING, code="SL201"),
        _finding(Severity.NOTE, code="SL301", path="b.yaml"),
    ]
    text = _render(findings)
    assert "**4 problems** (2 errors, 1 warning, 1 note) in 2 of 2 files" in text
    assert "| error | 2 |\n| warning | 1 |\n| note | 1 |" in text
    rule_rows = [x for x in text.splitlines() if x.startswith("| [SL")]
    assert rule_rows == [
        "| [SL101](https://x/SL101) | `unknown-field` | error | 2 |",
        "| [SL201](https://x/SL201) | `unknown-field` | warning | 1 |",
        "| [SL301](https://x/SL301) | `unknown-field` | note | 1 |",
    ]


def test_relative_and_blob_links() -> None:
    finding = _finding(path="deploy dir/web.yaml", span=Span(3, 5, 6, 2), container="app")
    relative = _render([finding])
    assert "| error | [deploy dir/web.yaml:3:5](deploy%20dir/web.yaml#L3-L6) | SL101 |" in relative
    assert "| Pod shop/web, container app |" in relative
    base = blob_base(
        {
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "acme/infra",
            "GITHUB_SHA": "0123abc",
        }
    )
    assert base == "https://github.com/acme/infra/blob/0123abc"
    pinned = _render([_finding()], base)
    assert "(https://github.com/acme/infra/blob/0123abc/deploy/web.yaml#L3)" in pinned
    assert blob_base({"GITHUB_SERVER_URL": "https://github.com"}) is None


def test_no_link_without_a_repository_path() -> None:
    text = _render([_finding(path="-")])
    assert "| error | -:3:5 | SL101 |" in text


def test_escaping_keeps_the_table_intact() -> None:
    message = "a | b\nnew line <script> *bold* `code` [x](y) @team #12 $x$"
    text = _render([_finding(message=message)])
    row = next(x for x in text.splitlines() if x.startswith("| error | ["))
    assert row.count(" | ") == 4, "the message must not add table cells"
    assert "<script>" not in text and "\n" not in row
    assert escape("a|b") == "a\\|b"
    assert escape("x\ny") == "x y"


def test_unreadable_files_are_listed() -> None:
    text = _render([], errors=["gone.yaml: cannot read: denied"])
    assert "**1 file could not be read:**" in text
    assert "- gone.yaml: cannot read: denied" in text


def test_size_cap_counts_what_is_left_out() -> None:
    findings = [_finding(message="m" * 500, span=Span(n, 1, n, 2)) for n in range(1, 400)]
    text = _render(findings)
    assert len(text) <= MAX_CHARS
    assert "more findings not listed here (size limit)" in text
    rows = sum(1 for x in text.splitlines() if x.startswith("| error | ["))
    assert f"…and {399 - rows} more findings" in text


def test_cli_markdown_file_is_byte_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/infra")
    monkeypatch.setenv("GITHUB_SHA", "f" * 40)
    args = ["--select", "SL101", "--sarif-root", str(tmp_path), "pod.yaml"]
    assert main(["--format", "markdown:a.md", *args]) == 1
    assert main(["--format", "markdown:b.md", *args]) == 1
    first = (tmp_path / "a.md").read_bytes()
    assert first == (tmp_path / "b.md").read_bytes()
    text = first.decode()
    assert f"https://github.com/acme/infra/blob/{'f' * 40}/pod.yaml#L8" in text
    assert "**2 problems** (2 errors)" in text
    assert "#sl101-unknown-field" in text
    assert capsys.readouterr().out == ""


def test_suppressed_findings_are_counted_not_listed() -> None:
    accepted = replace(_finding(), suppression=Suppression("external", None, "baseline"))
    text = _render([], suppressed=[accepted])
    assert "**No problems** in 2 files" in text
    assert "1 finding suppressed in source or by the baseline." in text
    assert "| error |" not in text


def _with_diagrams(count: int) -> str:
    finding = _finding(Severity.WARNING, code="SL301", container="fluent-bit")
    result = RunResult(findings=[finding], summary=Summary(files=1, objects=1))
    chart = 'flowchart LR\n  c0["web (main)"]\n  v0[("logs")]\n  c0 -- "/var/log" --> v0\n'
    diagrams = tuple(
        PodDiagram("deploy/web.yaml", i + 1, f"Pod shop/web-{i} <x>", chart) for i in range(count)
    )
    context = ReportContext(Repository(ROOT, ROOT), diagrams=diagrams)
    return markdown.render(result, context)


def test_flagged_pods_are_drawn_after_the_findings() -> None:
    text = _with_diagrams(2)
    assert text.index("### Findings") < text.index("### Pods")
    assert text.count("```mermaid\nflowchart LR\n") == 2
    assert "<details><summary>Pod shop/web-1 &lt;x&gt;</summary>" in text


def test_no_more_than_max_diagrams_are_drawn_and_the_rest_counted() -> None:
    text = _with_diagrams(markdown.MAX_DIAGRAMS + 3)
    assert text.count("```mermaid") == markdown.MAX_DIAGRAMS
    assert "_3 more pods not drawn._" in text
    assert "### Pods" not in _render([])  # nothing flagged, nothing drawn
