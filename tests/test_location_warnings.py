"""Results that SARIF or GitLab cannot place on a repository file are warned about.

(Not in test_reporter_sarif: its fixture rejects every log with such a URI,
which is exactly what these runs write.)
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from sidecar_lint.cli import main

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  bogus: 1\n  containers: []\n"


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    elsewhere.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (elsewhere / name).write_text(POD)
    (repo / "inside.yaml").write_text(POD)
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return repo, elsewhere


def _stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(POD.encode())))


ARGV = ["--select", "SL101", "--sarif-root", ".", "--no-cache"]


def test_each_cause_is_one_warning(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, elsewhere = layout
    _stdin(monkeypatch)
    argv = [*ARGV, "--format", "sarif:r.sarif", "--format", "json:r.json"]
    assert main([*argv, str(elsewhere), "inside.yaml", "-"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    outside, stdin = err
    assert outside.startswith(f"sidecar-lint: warning: 2 files outside the repository root {repo}")
    assert f"(first: {elsewhere / 'a.yaml'})" in outside
    assert "absolute locations in SARIF," in outside and "--sarif-root" in outside
    assert stdin.startswith("sidecar-lint: warning: standard input is named 'stdin' in SARIF,")
    assert "--stdin-filename" in stdin
    # The warnings describe the log; they do not change it.
    results = json.loads((repo / "r.sarif").read_text())["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {
        "stdin",
        "inside.yaml",
        (elsewhere / "a.yaml").as_uri(),
        (elsewhere / "b.yaml").as_uri(),
    }


def test_sarif_and_gitlab_share_one_warning_per_cause(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, elsewhere = layout
    argv = [*ARGV, "--format", "sarif:r.sarif", "--format", "gitlab:gl.json"]
    assert main([*argv, str(elsewhere / "a.yaml")]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("sidecar-lint: warning: 1 file outside the repository root")
    assert "in SARIF and the GitLab report," in line


def test_placed_results_and_other_formats_say_nothing(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, elsewhere = layout
    assert main([*ARGV, "--format", "sarif:r.sarif", "inside.yaml"]) == 1
    assert capsys.readouterr().err == ""
    _stdin(monkeypatch)
    assert main([*ARGV, "--format", "sarif:r.sarif", "-", "--stdin-filename", "rendered.yaml"]) == 1
    assert capsys.readouterr().err == ""
    _stdin(monkeypatch)
    assert main([*ARGV, "--format", "json:r.json", str(elsewhere), "-"]) == 1
    assert capsys.readouterr().err == ""
