"""A pull request's changed files and lines, from a real git repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sidecar_lint.changes import Changes, parse_added_lines, pull_request_changes
from sidecar_lint.paths import RepoPaths


@pytest.fixture(autouse=True)
def _git_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """git reads no configuration from outside the test (the helper inherits this)."""
    for name in list(os.environ):
        if name.startswith(("GIT_", "GITHUB_")):
            monkeypatch.delenv(name)
    values = {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_TERMINAL_PROMPT": "0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "core.hooksPath=/dev/null", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def make_pull_request(tmp_path: Path) -> Path:
    """``origin`` with a ``main`` branch, cloned; the clone's ``pr`` branch changes two files.

    After the branch point ``main`` moves on too (a file the pull request
    does not touch), which ``base...HEAD`` must not count.
    """
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    (origin / "k8s").mkdir()
    (origin / "k8s" / "old.yaml").write_text("".join(f"line {n}\n" for n in range(1, 11)))
    (origin / "k8s" / "same.yaml").write_text("untouched\n")
    (origin / "odd name\t.yaml").write_text("a\n")
    commit(origin, "base")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "pr")
    lines = (work / "k8s" / "old.yaml").read_text().splitlines(keepends=True)
    lines[3] = "changed 4\n"
    lines[7:8] = ["changed 8\n", "added 8b\n"]
    del lines[0]  # a pure deletion adds no line
    (work / "k8s" / "old.yaml").write_text("".join(lines))
    (work / "k8s" / "new.yaml").write_text("one\ntwo\n")
    (work / "odd name\t.yaml").write_text("b\n")
    commit(work, "pull request")
    (origin / "k8s" / "later.yaml").write_text("base moved on\n")
    commit(origin, "base moves on")
    git(work, "fetch", "-q", "origin")
    return work


def test_changes_against_origin_base(tmp_path: Path) -> None:
    work = make_pull_request(tmp_path)
    changes = pull_request_changes({"GITHUB_BASE_REF": "main"}, RepoPaths(str(work)))
    assert changes is not None
    assert changes.files == {"k8s/old.yaml", "k8s/new.yaml", "odd name\t.yaml"}
    # Old lines 2-10 are new lines 1-9 after the deletion; 4 rewritten, 8 rewritten, 8b added.
    assert changes.lines["k8s/old.yaml"] == ((3, 3), (7, 8))
    assert changes.lines["k8s/new.yaml"] == ((1, 2),)
    assert changes.lines["odd name\t.yaml"] == ((1, 1),)
    assert changes.touches("k8s/old.yaml", 8, 8) and changes.touches("k8s/old.yaml", 1, 3)
    assert not changes.touches("k8s/old.yaml", 4, 6)
    assert not changes.touches("k8s/same.yaml", 1, 1)


def test_paths_are_relative_to_the_report_root(tmp_path: Path) -> None:
    work = make_pull_request(tmp_path)
    changes = pull_request_changes({"GITHUB_BASE_REF": "main"}, RepoPaths(str(work / "k8s")))
    assert changes is not None
    assert changes.files == {"old.yaml", "new.yaml"}  # the odd file lies outside the root


def test_a_local_base_branch_is_the_fallback(tmp_path: Path) -> None:
    work = make_pull_request(tmp_path)
    git(work, "branch", "-q", "base-here", "origin/main")
    changes = pull_request_changes({"GITHUB_BASE_REF": "base-here"}, RepoPaths(str(work)))
    assert changes is not None and "k8s/new.yaml" in changes.files
    assert "k8s/later.yaml" not in changes.files


def test_the_merge_commit_of_a_pull_request_is_the_last_fallback(tmp_path: Path) -> None:
    work = make_pull_request(tmp_path)
    git(work, "checkout", "-q", "--detach", "origin/main")
    git(work, "merge", "-q", "--no-ff", "--no-edit", "pr")  # what GitHub checks out
    changes = pull_request_changes({"GITHUB_BASE_REF": "gone"}, RepoPaths(str(work)))
    assert changes is not None
    assert changes.files == {"k8s/old.yaml", "k8s/new.yaml", "odd name\t.yaml"}


@pytest.mark.parametrize(
    "env",
    [{}, {"GITHUB_BASE_REF": ""}, {"GITHUB_BASE_REF": "no-such-branch"}, {"GITHUB_BASE_REF": "-x"}],
    ids=["unset", "empty", "unknown", "option-like"],
)
def test_no_base_means_no_changes(tmp_path: Path, env: dict[str, str]) -> None:
    work = make_pull_request(tmp_path)
    assert pull_request_changes(env, RepoPaths(str(work))) is None


def test_outside_git_there_are_no_changes_and_no_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain").mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    plain = RepoPaths(str(tmp_path / "plain"))
    assert pull_request_changes({"GITHUB_BASE_REF": "main"}, plain) is None


def test_without_git_there_are_no_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = make_pull_request(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert pull_request_changes({"GITHUB_BASE_REF": "main"}, RepoPaths(str(work))) is None


def test_parse_added_lines_reads_headers_only_in_headers() -> None:
    patch = (
        b"diff --git a/x.yaml b/x.yaml\n"
        b"--- a/x.yaml\n"
        b"+++ b/x.yaml\n"
        b"@@ -1,0 +2,2 @@\n"
        b"+++ b/not-a-header\n"  # an added line that reads '++ b/not-a-header'
        b"+two\n"
        b"@@ -9 +11 @@\n"
        b"-old\n"
        b"+new\n"
        b"@@ -20,3 +21,0 @@\n"
        b"diff --git a/gone.yaml b/gone.yaml\n"
        b"--- a/gone.yaml\n"
        b"+++ /dev/null\n"
        b"@@ -1 +0,0 @@\n"
        b'diff --git "a/caf\\303\\251.yaml" "b/caf\\303\\251.yaml"\n'
        b'+++ "b/caf\\303\\251.yaml"\n'
        b"@@ -0,0 +1 @@\n"
        b"diff --git a/a b.yaml b/a b.yaml\n"
        b"+++ b/a b.yaml\t\n"
        b"@@ -3 +3 @@\n"
    )
    assert parse_added_lines(patch) == {
        b"x.yaml": [(2, 3), (11, 11)],
        "café.yaml".encode(): [(1, 1)],
        b"a b.yaml": [(3, 3)],
    }


def test_changes_touches_only_overlapping_ranges() -> None:
    changes = Changes(frozenset({"a.yaml"}), {"a.yaml": ((5, 7),)})
    assert [n for n in range(1, 10) if changes.touches("a.yaml", n, n)] == [5, 6, 7]
    assert changes.touches("a.yaml", 1, 5) and changes.touches("a.yaml", 7, 20)
    assert not changes.touches("b.yaml", 5, 5)


BAD_POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  bogus: 1\n  containers: []\n"
)


def test_the_cli_annotates_the_pull_requests_finding_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sidecar_lint.cli import main

    origin = tmp_path / "origin"
    (origin / "k8s").mkdir(parents=True)
    git(origin, "init", "-q")
    for n in range(12):  # old findings that sort before the new one
        (origin / "k8s" / f"a{n:02d}.yaml").write_text(BAD_POD.format(name=f"old{n}"))
    commit(origin, "base")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "pr")
    (work / "k8s" / "z-new.yaml").write_text(BAD_POD.format(name="new"))
    commit(work, "pull request")
    monkeypatch.chdir(work)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    argv = ["--select", "SL101", "--no-cache", "--format", "github", "k8s"]
    assert main(argv) == 1
    plain = capsys.readouterr().out
    assert "file=k8s/z-new.yaml" not in plain  # no pull request: the old order
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    assert main(argv) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("::error file=k8s/z-new.yaml,line=5,")
    assert "(none of them in files this pull request changes)" in lines[-2]
    # A base git does not know: today's order, no crash.
    monkeypatch.setenv("GITHUB_BASE_REF", "no-such-base")
    assert main(argv) == 1
    assert capsys.readouterr().out == plain
