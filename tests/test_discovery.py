"""Which files a run reads: walks, hidden directories, symlink loops, .gitignore, excludes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sidecar_lint.discovery import discover
from sidecar_lint.paths import matches_any


def _tree(root: Path, files: list[str]) -> None:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a: 1\n")


def _names(root: Path, *args: str, excludes: tuple[str, ...] = ()) -> list[str]:
    return [
        os.path.relpath(i.path, root)
        for i in discover([str(root / a) for a in args or ("",)], excludes)
    ]


def test_walk_finds_manifests_and_skips_hidden_dirs(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        ["a.yaml", "b.yml", "c.json", "d.txt", "sub/e.YAML", ".hidden/f.yaml", "sub/.git/g.yaml"],
    )
    assert _names(tmp_path) == ["a.yaml", "b.yml", "c.json", "sub/e.YAML"]


def test_symlink_loops_terminate(tmp_path: Path) -> None:
    _tree(tmp_path, ["dir/a.yaml"])
    os.symlink(tmp_path / "dir", tmp_path / "dir" / "loop")
    os.symlink(tmp_path, tmp_path / "dir" / "up")
    assert _names(tmp_path) == ["dir/a.yaml"]


def test_gitignore_is_honoured_inside_a_work_tree(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        ["keep.yaml", "build/out.yaml", "charts/x/templates/t.yaml", "charts/x/values.yaml"],
    )
    (tmp_path / ".gitignore").write_text("build/\ntemplates/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert _names(tmp_path) == ["charts/x/values.yaml", "keep.yaml"]
    # A file named explicitly is always linted, ignored or not.
    assert _names(tmp_path, "build/out.yaml") == ["build/out.yaml"]


def test_explicit_files_are_linted_whatever_their_name(tmp_path: Path) -> None:
    _tree(tmp_path, ["manifest.txt"])
    assert _names(tmp_path, "manifest.txt") == ["manifest.txt"]


def test_excludes(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.yaml", "charts/x/templates/t.yaml", "vendor/v.yaml", "gen/z.tmpl.yaml"])
    names = _names(tmp_path, excludes=("charts/*/templates", "vendor", "*.tmpl.yaml"))
    assert names == ["a.yaml"]


@pytest.mark.parametrize(
    ("path", "pattern", "hit"),
    [
        ("a/b/c.yaml", "c.yaml", True),
        ("a/b/c.yaml", "b", True),
        ("a/b/c.yaml", "a/**/c.yaml", True),
        ("a/b/c.yaml", "x", False),
        ("a/bc/d.yaml", "b", False),
    ],
)
def test_exclude_matching(path: str, pattern: str, hit: bool) -> None:
    assert matches_any(path, (pattern,)) is hit


def test_a_missing_path_is_an_input_that_says_so(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.yaml", "file"])
    found = discover([str(tmp_path / "nope"), str(tmp_path / "file" / "x.yaml"), str(tmp_path)])
    shown = {os.path.relpath(i.path, tmp_path): i.unreadable() for i in found}
    assert shown == {
        "a.yaml": None,
        "file/x.yaml": f"{tmp_path / 'file' / 'x.yaml'}: does not exist",
        "nope": f"{tmp_path / 'nope'}: does not exist",
    }


def test_a_path_with_a_nul_byte_is_an_input_that_says_so() -> None:
    (found,) = discover(["a\0b.yaml"])
    assert found.unreadable() == "a\0b.yaml: not a valid path"


def test_order_is_sorted_and_deduplicated(tmp_path: Path) -> None:
    _tree(tmp_path, ["b.yaml", "a.yaml"])
    found = discover([str(tmp_path), str(tmp_path / "a.yaml")])
    assert [os.path.basename(i.path) for i in found] == ["a.yaml", "b.yaml"]


@pytest.mark.parametrize("target", ["self.yaml", "other.yaml"])
def test_looping_links_are_inputs_whatever_the_walk(tmp_path: Path, target: str) -> None:
    """Reading reports them (ELOOP) as unreadable; discovery neither drops nor crashes on them."""
    os.symlink("self.yaml" if target == "self.yaml" else "other.yaml", tmp_path / "self.yaml")
    if target == "other.yaml":
        os.symlink("self.yaml", tmp_path / "other.yaml")
    os.symlink("nowhere", tmp_path / "dangling.yml")
    os.symlink("loop", tmp_path / "loop")  # no manifest name: not read
    expected = sorted({"self.yaml", target, "dangling.yml"})
    assert _names(tmp_path) == expected
    assert _names(tmp_path, "self.yaml") == ["self.yaml"]  # named: resolve() must not raise
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert _names(tmp_path) == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_special_files_met_while_walking_are_skipped_and_noted(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.yaml", "sub/b.yaml"])
    os.mkfifo(tmp_path / "sub" / "pipe.yaml")
    os.mkfifo(tmp_path / "pipe.txt")  # no manifest name: not even noted
    os.symlink(os.devnull, tmp_path / "null.json")
    skipped: list[str] = []
    found = discover([str(tmp_path)], skipped=skipped)
    assert [os.path.relpath(i.path, tmp_path) for i in found] == ["a.yaml", "sub/b.yaml"]
    assert [note.replace(f"{tmp_path}{os.sep}", "") for note in skipped] == [
        "null.json: skipped, a character device (name it explicitly to read it)",
        "sub/pipe.yaml: skipped, a named pipe (name it explicitly to read it)",
    ]
    # Named explicitly, they are read.
    named = discover([str(tmp_path / "sub" / "pipe.yaml"), str(tmp_path / "null.json")])
    assert [os.path.basename(i.path) for i in named] == ["null.json", "pipe.yaml"]
    assert discover([str(tmp_path / "sub")]) == [i for i in found if "sub" in i.path]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_the_git_walk_skips_links_to_special_files_and_directories(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.yaml", "dir/b.yaml", "tracked.yaml"])
    os.mkfifo(tmp_path / "pipe")
    os.symlink("pipe", tmp_path / "pipe.yaml")
    os.symlink("dir", tmp_path / "dir.yaml")  # git does not follow it, nor do we
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "tracked.yaml"], check=True)
    (tmp_path / "tracked.yaml").unlink()  # in the index, gone from the work tree
    skipped: list[str] = []
    found = discover([str(tmp_path)], skipped=skipped)
    assert [os.path.relpath(i.path, tmp_path) for i in found] == ["a.yaml", "dir/b.yaml"]
    assert [note.replace(f"{tmp_path}{os.sep}", "") for note in skipped] == [
        "pipe.yaml: skipped, a named pipe (name it explicitly to read it)"
    ]


def test_a_directory_the_plain_walk_cannot_list_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root reads any directory, so the refusal is simulated at os.scandir."""
    _tree(tmp_path, ["ok/a.yaml", "locked/b.yaml", ".hidden/c.yaml"])
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def scandir(path: str | os.PathLike[str]) -> object:
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr("sidecar_lint.discovery.os.scandir", scandir)
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "no-git"))
    found = {os.path.relpath(i.path, tmp_path): i.problem for i in discover([str(tmp_path)])}
    assert found == {"locked": "cannot read directory: Permission denied", "ok/a.yaml": None}


def test_a_directory_git_cannot_list_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git lists what it can and only warns about the rest; the warning becomes a problem."""
    _tree(tmp_path, ["ok/a.yaml", "locked/b.yaml", "skipme/locked/d.yaml"])
    warning = (
        b"warning: could not open directory 'locked/': Permission denied\n"
        b"warning: could not open directory 'skipme/locked/': Permission denied\n"
    )

    def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        assert args[:1] == ["git"] and "ls-files" in args
        return subprocess.CompletedProcess(args, 0, b"ok/a.yaml\0", warning)

    monkeypatch.setattr("sidecar_lint.discovery.subprocess.run", run)
    inputs = discover([str(tmp_path)], excludes=("skipme",))
    found = {os.path.relpath(i.path, tmp_path): i.problem for i in inputs}
    assert found == {"locked": "cannot read directory: Permission denied", "ok/a.yaml": None}
