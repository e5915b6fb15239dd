"""The linter never writes to the tree it lints, except the output files it is asked for.

Every file's bytes, mode and modification time and every directory's listing and
modification time (a temporary file created and removed again still changes it)
are compared before and after each run. Requested outputs are written atomically:
the old file is replaced whole or not at all, and nothing half-written is left.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from tests.harness import run_cli

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
EXAMPLES = ROOT / "examples"
FORMATS = ("text", "json", "sarif", "github", "markdown", "junit")

Snapshot = dict[str, tuple[object, ...]]

JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: report
  annotations:
    sidecar-lint.io/ignore: SL402
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: report
          image: registry.example.com/report:1.0.0
        # sidecar-lint: ignore[SL201] rewritten next sprint
        - name: log-forwarder
          image: busybox:1.36
          command: ["sh", "-c", "while true; do sleep 5; done"]
"""

CONFIG = """\
kubernetesVersion: "1.30"
failOn: warning
exclude: ["vendor/**"]
rules:
  SL502: {severity: "off"}
  SL401: {params: {maxCpu: 500m}}
overrides:
  - files: "jobs/**"
    ignore: [SL3]
"""


def snapshot(root: Path) -> Snapshot:
    """Everything a write could change, for every entry below ``root`` (links not followed)."""
    seen: Snapshot = {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        here = Path(directory)
        info = here.lstat()
        seen[str(here.relative_to(root))] = ("dir", info.st_mtime_ns, info.st_mode)
        for name in sorted(filenames) + [d for d in dirnames if (here / d).is_symlink()]:
            path = here / name
            info = path.lstat()
            key = str(path.relative_to(root))
            if path.is_symlink():
                seen[key] = ("link", os.readlink(path), info.st_mtime_ns)
            else:
                seen[key] = ("file", path.read_bytes(), info.st_mtime_ns, info.st_mode)
    return seen


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    keys = sorted(set(before) | set(after))
    return [k for k in keys if before.get(k) != after.get(k)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository-like tree: config, baseline, suppressions, hostile files, links, hidden dirs."""
    root = tmp_path / "project"
    (root / "jobs").mkdir(parents=True)
    (root / "vendor").mkdir()
    (root / ".hidden").mkdir()
    (root / "jobs" / "report.yaml").write_text(JOB)
    (root / ".sidecar-lint.yaml").write_text(CONFIG)
    (root / ".hidden" / "pod.yaml").write_text(JOB)
    (root / "vendor" / "pod.yaml").write_text(JOB)
    for example in sorted(EXAMPLES.glob("*.yaml")):
        shutil.copy(example, root / example.name)
    shutil.copytree(HOSTILE, root / "hostile")
    (root / "binary.yaml").write_bytes(bytes(range(256)))
    if hasattr(os, "symlink") and sys.platform != "win32":
        (root / "linked.yaml").symlink_to("jobs/report.yaml")
        (root / "dangling.yaml").symlink_to("nowhere.yaml")
    baseline = tmp_path / "baseline.json"
    code, _, err = run_in_process(root, "--write-baseline", str(baseline), ".")
    assert code == exit_code(root, baseline=True) and "wrote" in err, err
    shutil.move(str(baseline), root / "baseline.json")
    return root


@pytest.fixture(autouse=True)
def _cache_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("GITHUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SIDECAR_LINT_CACHE_DIR", str(tmp_path / "cache"))


def exit_code(project: Path, baseline: bool = False) -> int:
    """2 when the tree holds a dangling link (unreadable); else 1 for its findings (baseline: 0)."""
    if (project / "dangling.yaml").is_symlink():
        return 2
    return 0 if baseline else 1


def run_in_process(cwd: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


RUNS: dict[str, tuple[str, ...]] = {
    "default": (".",),
    "every-rule": ("--select", "ALL", "--report-unused-ignores", "--statistics", "."),
    "baseline": ("--baseline", "baseline.json", "--format", "sarif", "."),
    "isolated": ("--isolated", "--kubernetes-version", "1.28", "-q", "."),
    "named-files": ("jobs/report.yaml", "linked.yaml", "hostile/alias-bomb-pod.yaml"),
    "show-roles": ("--show-roles", "."),
    "show-config": ("--show-config",),
    "list-rules": ("--list-rules",),
    "explain": ("--explain", "SL201"),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_run_changes_nothing_in_the_tree(project: Path, name: str) -> None:
    before = snapshot(project)
    code, _, _ = run_in_process(project, *RUNS[name])
    assert code in (0, 1, 2)
    assert changes(before, snapshot(project)) == []


def test_no_format_writes_to_the_tree(project: Path) -> None:
    before = snapshot(project)
    for fmt in FORMATS:
        code, out, _ = run_in_process(project, "--format", fmt, "--sarif-root", ".", ".")
        assert code == exit_code(project) and out  # every file that can be read is reported
    assert changes(before, snapshot(project)) == []


def test_the_real_process_changes_nothing_either(project: Path, tmp_path: Path) -> None:
    """Separate processes, worker processes, standard input and the default cache place."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": "", "SIDECAR_LINT_CACHE_DIR": ""}
    before = snapshot(project)
    run_cli(".", env=env, cwd=project, clean=True)
    run_cli(".", env=env, cwd=project, clean=True)  # the second run reads the cache
    run_cli("--jobs", "2", "--format", "json", ".", env=env, cwd=project, clean=True)
    run_cli("--no-cache", "--select", "ALL", ".", env=env, cwd=project, clean=True)
    run_cli("-", env=env, stdin=JOB.encode(), cwd=project, clean=True)
    run_cli(".", env={**env, "GITHUB_ACTIONS": "true"}, cwd=project, clean=True)
    assert changes(before, snapshot(project)) == []
    assert (home / ".cache" / "sidecar-lint").is_dir()  # the cache lives outside the tree


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_git_work_tree_changes_nothing_either(project: Path) -> None:
    subprocess.run(["git", "init", "-q", str(project)], check=True, timeout=60)
    (project / ".gitignore").write_text("vendor/\n")
    before = snapshot(project)  # .git included: asking git must not write to it either
    run_cli(".", cwd=project, clean=True)
    run_in_process(project, "--format", "json", ".")
    assert changes(before, snapshot(project)) == []


@pytest.mark.parametrize("how", ["-o", "format-file", "write-baseline"])
def test_only_the_requested_output_appears(project: Path, how: str) -> None:
    args = {
        "-o": ("--format", "sarif", "-o", "out/report.sarif"),
        "format-file": ("--format", "json:out/report.sarif"),
        "write-baseline": ("--write-baseline", "out/report.sarif"),
    }[how]
    (project / "out").mkdir()
    before = snapshot(project)
    code, _, _ = run_in_process(project, *args, ".")
    assert code in (0, 2)  # a baseline run never fails on findings, only on unreadable files
    changed = changes(before, snapshot(project))
    assert changed == ["out", "out/report.sarif"]  # the directory gains exactly one file
    assert (project / "out" / "report.sarif").read_text(encoding="utf-8").startswith("{")


def test_an_output_file_is_replaced_whole(project: Path) -> None:
    """Readers of the old report (here: a hard link to it) never see a mix of old and new."""
    (project / "out").mkdir()
    report = project / "out" / "report.json"
    report.write_text("old report\n")
    keep = project / "out" / "old.json"
    os.link(report, keep)
    code, _, _ = run_in_process(project, "--format", "json", "-o", str(report), ".")
    assert code == exit_code(project)
    assert keep.read_text() == "old report\n"  # the old inode was never truncated
    assert report.read_text(encoding="utf-8").startswith("{")
    assert not report.samefile(keep)
    assert sorted(p.name for p in (project / "out").iterdir()) == ["old.json", "report.json"]


def test_a_failed_output_write_leaves_nothing_behind(project: Path) -> None:
    """The report's path is a directory: the write fails, and no temporary file remains."""
    target = project / "out"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    before = snapshot(project)
    proc = run_cli("--format", "json", "-o", "out", ".", cwd=project)
    assert proc.returncode != 0
    # Only the directory the temporary file lived in for a moment has a new mtime.
    assert changes(before, snapshot(project)) in ([], ["."])
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_a_failed_write_keeps_the_old_report(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename into place fails: the previous report stays, whole, and no temporary file."""
    (project / "out").mkdir()
    report = project / "out" / "report.json"
    report.write_text("old report\n")
    before = snapshot(project)

    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    try:
        code, _, err = run_in_process(project, "--format", "json", "-o", str(report), ".")
    except OSError:
        pass  # how the failure is reported is checked in test_hostile_cli
    else:
        assert code == 2 and "No space left" in err
    assert changes(before, snapshot(project)) in ([], ["out"])  # only the directory's mtime
    assert report.read_text() == "old report\n"
    assert sorted(p.name for p in (project / "out").iterdir()) == ["report.json"]
