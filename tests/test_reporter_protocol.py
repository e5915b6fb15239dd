"""One reporter protocol: ``render(result, context)``, a table of formats, reporters that only format."""

from __future__ import annotations

import importlib
import inspect
import textwrap
from pathlib import Path

import pytest

from sidecar_lint import cli, reporters
from sidecar_lint.cli import build_parser, format_names, main
from sidecar_lint.document import ObjectRef, Span
from sidecar_lint.findings import Finding, Severity
from sidecar_lint.report_context import ReportContext, Repository
from sidecar_lint.reporters import FORMATS, location_warning_name, reporter
from sidecar_lint.results import ObjectEntry, RunResult, Summary
from tests.test_layers import import_graph

ROOT = str(Path(__file__).resolve().parent.parent)
WEB = ObjectRef("v1", "Pod", "shop", "web")

#: What a reporter may import: the run's records and the helpers that format them.
ALLOWED = frozenset(
    {
        "sidecar_lint",  # PROJECT_URL
        "sidecar_lint.results",
        "sidecar_lint.report_context",
        "sidecar_lint.findings",
        "sidecar_lint.document",
        "sidecar_lint.output",
        "sidecar_lint.paths",
        "sidecar_lint.changes",  # the type of a pull request's changes
    }
)


def _finding() -> Finding:
    return Finding(
        code="SL101",
        name="unknown-field",
        severity=Severity.ERROR,
        message="no such field",
        path="deploy/web.yaml",
        span=Span(3, 5, 3, 12),
        object=WEB,
        document_index=0,
    )


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_renders_through_the_one_protocol(name: str) -> None:
    module = importlib.import_module(FORMATS[name])
    assert list(inspect.signature(module.render).parameters) == ["result", "context"]
    result = RunResult(findings=[_finding()], summary=Summary(files=1, objects=1))
    context = ReportContext(
        Repository(ROOT, ROOT), objects=(ObjectEntry("deploy/web.yaml", 0, WEB),)
    )
    text = reporter(name).render(result, context)
    assert "SL101" in text
    assert text.endswith("\n")


def test_reporters_import_no_loader_engine_or_registry() -> None:
    graph = import_graph()
    modules = ["sidecar_lint.reporters", *(FORMATS[name] for name in FORMATS)]
    beyond = {
        name: sorted(
            dep for dep in graph[name] - ALLOWED if not dep.startswith("sidecar_lint.reporters")
        )
        for name in modules
    }
    assert beyond == {name: [] for name in modules}
    # every module under reporters/ is a format in the table (or the package itself)
    listed = {name for name in graph if name.startswith("sidecar_lint.reporters.")}
    assert listed == set(FORMATS.values())


def test_the_command_line_takes_its_formats_from_the_table() -> None:
    assert format_names() == ("auto", *FORMATS)
    text = " ".join(build_parser().format_help().split())
    assert f"one of auto, {', '.join(FORMATS)} (default" in text
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--format", "nosuch"])


def test_only_reports_on_repository_files_warn_about_placement() -> None:
    names = {name: location_warning_name(name) for name in FORMATS}
    assert names == {
        "text": None,
        "json": None,
        "sarif": "SARIF",
        "github": None,
        "markdown": None,
        "junit": None,
        "gitlab": "the GitLab report",
    }


def test_a_format_is_one_module_and_one_table_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A made-up format, added the documented way, is accepted and rendered by the CLI."""
    package = tmp_path / "extra_reports"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "counts.py").write_text(
        textwrap.dedent(
            """\
            def render(result, context):
                return f"{len(result.findings)} findings, Kubernetes {context.kubernetes_version}\\n"
            """
        )
    )
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
        "spec:\n  containers:\n    - {name: web, image: nginx:1.27, bogus: 1}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setitem(reporters.FORMATS, "counts", "extra_reports.counts")
    argv = ["--no-cache", "--select", "SL101", "--kubernetes-version", "1.32", "pod.yaml"]
    code = main(["--format", "counts", *argv])
    assert code == 1
    assert capsys.readouterr().out == "1 findings, Kubernetes 1.32\n"
    assert "counts" in cli.format_names()
