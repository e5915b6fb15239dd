"""GitHub workflow-command annotations: escaping, limits, ordering and ``--format auto``."""

from __future__ import annotations

import io
import re
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from sidecar_lint.changes import Changes
from sidecar_lint.cli import main
from sidecar_lint.document import ObjectRef, Span
from sidecar_lint.findings import Finding, Severity, Suppression
from sidecar_lint.report_context import ReportContext, Repository
from sidecar_lint.reporters import github
from sidecar_lint.reporters.github import (
    LIMITS,
    annotation_order,
    command,
    escape_data,
    escape_property,
    guard_commands,
    not_annotated_note,
    select_annotations,
)
from sidecar_lint.reporters.sarif import identity_relpath
from sidecar_lint.results import RunResult

#: Reported paths are relative to the checkout, so they are their own repository paths.
ROOT = str(Path(__file__).resolve().parent.parent)

POD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
      sidecarContainers: []
    """
)


def _render(result: RunResult, changes: Changes | None = None) -> str:
    return github.render(result, ReportContext(Repository(ROOT, ROOT), changes=changes))


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def _finding(
    severity: Severity = Severity.ERROR,
    message: str = "broken",
    path: str = "deploy/web.yaml",
    line: int = 3,
    span: Span | None = None,
    code: str = "SL101",
) -> Finding:
    return Finding(
        code=code,
        name="unknown-field",
        severity=severity,
        message=message,
        path=path,
        span=span or Span(line, 5, line, 12),
        object=ObjectRef("v1", "Pod", "shop", "web"),
        pointer=("spec", "x"),
        document_index=0,
    )


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_escaping_of_data_and_properties() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext%3A a%2C b"
    # '%' is escaped first, so an existing escape sequence survives as text.
    assert escape_data("%0A") == "%250A"


def test_annotation_with_awkward_message_and_path() -> None:
    message = "50% of 'a:b,c'\nsecond line\r\nthird"
    finding = _finding(message=message, path="odd, dir/x:y.yaml")
    (line,) = [x for x in _lines(_render(RunResult(findings=[finding]))) if x.startswith("::error")]
    assert line == (
        "::error file=odd%2C dir/x%3Ay.yaml,line=3,endLine=3,col=5,endColumn=12,"
        "title=sidecar-lint SL101 (unknown-field)"
        "::50%25 of 'a:b,c'%0Asecond line%0D%0Athird"
    )
    assert "\n" not in line and "\r" not in line


def test_command_skips_missing_properties() -> None:
    assert command("notice", "hi") == "::notice::hi"
    assert command("warning", "m", file="a.yaml", line=None) == "::warning file=a.yaml::m"


def test_multi_line_region_has_no_columns() -> None:
    finding = _finding(span=Span(4, 3, 9, 20))
    text = _render(RunResult(findings=[finding]))
    assert "line=4,endLine=9,title=" in text
    assert "col=" not in text and "endColumn=" not in text


def test_severity_maps_to_command_kind() -> None:
    findings = [_finding(Severity.NOTE), _finding(Severity.WARNING), _finding(Severity.ERROR)]
    kinds = [
        re.match(r"::(\w+)", x).group(1)  # type: ignore[union-attr]
        for x in _lines(_render(RunResult(findings=findings)))
    ]
    assert kinds == ["group", "error", "warning", "notice", "endgroup"]


def test_limits_most_severe_first_and_closing_notice() -> None:
    findings = [
        _finding(severity, f"{severity.value} {n}", line=n + 1)
        for severity in (Severity.NOTE, Severity.WARNING, Severity.ERROR)
        for n in range(15)
    ]
    result = RunResult(findings=findings, errors=["gone.yaml: cannot read: denied"])
    lines = _lines(_render(result))
    commands = [x for x in lines if not x.startswith(("::group::", "::endgroup::"))]
    kinds = [x.split(" ", 1)[0].split("::")[1] for x in commands]
    assert kinds.count("error") == LIMITS["error"] <= 10
    assert kinds.count("warning") == LIMITS["warning"] <= 10
    assert kinds.count("notice") == LIMITS["notice"] + 1 <= 10
    assert len(commands) <= 50
    # Errors (the unreadable file first), then warnings, then notes, then the overflow notice.
    assert "file not read" in commands[0]
    assert kinds == sorted(kinds, key=["error", "warning", "notice"].index)
    assert commands[1].endswith("::error 0")
    closing = commands[-1]
    shown = LIMITS["error"] + LIMITS["warning"] + LIMITS["notice"]
    assert closing.startswith("::notice title=sidecar-lint::")
    assert f"{46 - shown} more findings were not annotated" in closing
    assert lines[0] == f"::group::sidecar-lint: {shown} of 46 annotated"
    assert lines[-1] == "::endgroup::"


def test_no_closing_notice_when_everything_fits() -> None:
    text = _render(RunResult(findings=[_finding()]))
    assert "more finding" not in text
    assert _render(RunResult()) == ""


def test_file_without_a_repository_path_carries_its_location_in_the_message() -> None:
    text = _render(RunResult(findings=[_finding(path="-")]))
    (line,) = [x for x in _lines(text) if x.startswith("::error")]
    assert "file=" not in line
    assert line.endswith("::-:3:5: broken")


def test_guard_commands() -> None:
    assert guard_commands("plain text\n") == "plain text\n"
    text = "a.yaml:1:1: error SL101 [unknown-field] no field 'x\n::error::fake'\n"
    guarded = guard_commands(text)
    first, *body, last = guarded.splitlines()
    token = first.removeprefix("::stop-commands::")
    assert token.startswith("sidecar-lint-") and last == f"::{token}::"
    assert "\n".join(body) + "\n" == text
    assert token not in text
    assert guard_commands(text) == guarded


def _write_pod(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)


def test_auto_outside_actions_is_plain_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_pod(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--select", "SL101", "pod.yaml"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("pod.yaml:8:3: error SL101")
    assert "::" not in out


def test_auto_under_actions_prints_text_then_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_pod(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["--select", "SL101", "--sarif-root", str(tmp_path), "pod.yaml"]) == 1
    out = capsys.readouterr().out
    text, group = out.split("::group::", 1)
    assert text.startswith("pod.yaml:8:3: error SL101")
    assert "Found 1 problem" in text
    assert group.splitlines()[1].startswith("::error file=pod.yaml,line=8,endLine=8,col=3,")
    assert out.endswith("::endgroup::\n")
    # Same bytes on a second run.
    assert main(["--select", "SL101", "--sarif-root", str(tmp_path), "pod.yaml"]) == 1
    assert capsys.readouterr().out == out


def test_auto_under_actions_with_output_file_keeps_annotations_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_pod(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["--select", "SL101", "-o", "report.txt", "pod.yaml"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::group::") and "::error file=pod.yaml," in out
    report = (tmp_path / "report.txt").read_text()
    assert report.startswith("pod.yaml:8:3:") and "::" not in report


def test_text_under_actions_cannot_inject_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = POD.replace("sidecarContainers: []", '"x\\n::error::injected": 1')
    (tmp_path / "pod.yaml").write_text(evil)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    main(["--select", "SL101", "--format", "text", "pod.yaml"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("::stop-commands::")
    resume = lines[0].replace("::stop-commands::", "::") + "::"
    injected = next(i for i, x in enumerate(lines) if x.startswith("::error::injected"))
    assert 0 < injected < lines.index(resume)


def test_github_format_is_byte_identical_for_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outputs = []
    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(POD.encode())))
        main(["--format", "github", "--select", "SL101", "-", "--stdin-filename", "k8s/p.yaml"])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "::error file=k8s/p.yaml,line=8," in outputs[0]


def test_suppressed_findings_are_not_annotated() -> None:
    accepted = replace(_finding(), suppression=Suppression("inSource", None, "comment"))
    assert _render(RunResult(findings=[accepted], suppressed=[accepted])) == ""


# --------------------------------------------------------------------------- pull requests


def _annotated_paths(text: str) -> list[str]:
    return re.findall(r"^::\w+ file=([^,]+),", text, flags=re.MULTILINE)


def test_order_is_changed_lines_then_changed_files_then_severity() -> None:
    changes = Changes(frozenset({"a.yaml", "b.yaml"}), {"a.yaml": ((5, 7),)})
    findings = [
        _finding(Severity.ERROR, "old error", path="c.yaml", line=1),
        _finding(Severity.NOTE, "note on a changed line", path="a.yaml", line=6),
        _finding(Severity.ERROR, "error in a changed file", path="a.yaml", line=20),
        _finding(Severity.WARNING, "warning in a changed file", path="b.yaml", line=1),
        _finding(Severity.ERROR, "error on a changed line", path="a.yaml", line=7),
    ]
    ordered = annotation_order(findings, identity_relpath, changes)
    assert [f.message for f in ordered] == [
        "error on a changed line",
        "note on a changed line",
        "error in a changed file",
        "warning in a changed file",
        "old error",
    ]
    # Without a pull request: most severe first, then by file and position, as before.
    assert [f.message for f in annotation_order(findings, identity_relpath, None)] == [
        "error on a changed line",
        "error in a changed file",
        "old error",
        "warning in a changed file",
        "note on a changed line",
    ]


def test_a_new_finding_is_annotated_despite_many_old_ones() -> None:
    old = [_finding(path=f"old/{n:02d}.yaml") for n in range(20)]
    new = _finding(Severity.ERROR, "new", path="zz/new.yaml", line=4)
    result = RunResult(findings=[*old, new])
    changes = Changes(frozenset({"zz/new.yaml"}), {"zz/new.yaml": ((4, 4),)})
    plain = _render(result)
    assert "zz/new.yaml" not in _annotated_paths(plain)  # today's order misses it
    text = _render(result, changes)
    assert _annotated_paths(text)[0] == "zz/new.yaml"
    assert len(_annotated_paths(text)) == LIMITS["error"]
    closing = [x for x in _lines(text) if x.startswith("::notice")][-1]
    left = 21 - LIMITS["error"]
    assert f"{left} more findings were not annotated" in closing
    assert "(none of them in files this pull request changes)" in closing
    for where in ("text log", "job summary", "SARIF upload"):
        assert where in closing


def test_the_notice_counts_left_out_findings_in_changed_files() -> None:
    findings = [_finding(path=f"pr/{n:02d}.yaml") for n in range(12)]
    changes = Changes(frozenset(f"pr/{n:02d}.yaml" for n in range(12)))
    selection = select_annotations(RunResult(findings=findings), identity_relpath, changes)
    assert (len(selection.kept), selection.left_out, selection.left_out_changed) == (
        LIMITS["error"],
        12 - LIMITS["error"],
        12 - LIMITS["error"],
    )
    note = not_annotated_note(selection, changes)
    assert note is not None and f"({12 - LIMITS['error']} of them in files this pull" in note
    assert not_annotated_note(select_annotations(RunResult(), identity_relpath), None) is None


def test_the_summary_says_what_was_not_annotated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    many = "".join(POD.replace("name: web}", f"name: web{n}}}") + "---\n" for n in range(12))
    (tmp_path / "pods.yaml").write_text(many)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    argv = ["--select", "SL101", "--sarif-root", ".", "--no-cache", "pods.yaml"]
    assert main([*argv, "--format", "github", "--format", "markdown:summary.md"]) == 1
    summary = (tmp_path / "summary.md").read_text()
    left = 12 - LIMITS["error"]
    assert f"> {left} more findings were not annotated" in summary
    assert f"{left} more findings were not annotated" in capsys.readouterr().out
    # Without annotations in the run, the summary has nothing to say about them.
    assert main([*argv, "--format", "markdown:alone.md"]) == 1
    assert "not annotated" not in (tmp_path / "alone.md").read_text()
