"""Which files a run reads: walks, hidden directories, symlink loops, .gitignore, excludes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sidecar_lint.discovery import DiscoveryError, discover, is_excluded


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
    assert is_excluded(path, (pattern,)) is hit


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="no such file or directory"):
        discover([str(tmp_path / "nope")])


def test_order_is_sorted_and_deduplicated(tmp_path: Path) -> None:
    _tree(tmp_path, ["b.yaml", "a.yaml"])
    found = discover([str(tmp_path), str(tmp_path / "a.yaml")])
    assert [os.path.basename(i.path) for i in found] == ["a.yaml", "b.yaml"]
