"""Same input, byte-identical output: in every format, whatever order the file system lists.

Trees with the same files are created in different orders (and with different
directory listings), linted from inside, and every report is compared byte for
byte; so are runs with other hash seeds, other argument orders, a cold and a
warm cache, and a git work tree against a plain directory.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import sidecar_lint.discovery
from sidecar_lint.cli import main
from tests.harness import run_cli

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("text", "json", "sarif", "github", "markdown", "junit")

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  sidecarContainers: []
  containers:
    - name: istio-proxy
      image: istio/proxyv2
      resources: {requests: {cpu: "2"}}
    - name: web
      image: registry.example.com/web:1.0.0
      resources: {requests: {cpu: 100m}}
"""


def corpus() -> dict[str, bytes]:
    """Relative path -> bytes: examples, rule files (with their cases), the hostile corpus, oddities."""
    files: dict[str, bytes] = {}
    for source, prefix in (
        (ROOT / "examples", "examples"),
        (ROOT / "rules", "rules"),
        (ROOT / "tests" / "hostile", "hostile"),
    ):
        for path in sorted(source.iterdir()):
            if path.is_file():
                files[f"{prefix}/{path.name}"] = path.read_bytes()
    # Names that sort differently by bytes, by case and by code point (none collide when
    # the file system ignores case or normalises Unicode).
    for name in ("B.yaml", "a.yaml", "\u00e9.yaml", "z/0.yaml", "Y/1.yaml", "a-b.yaml", "a_b.yaml"):
        files[f"names/{name}"] = POD.replace("web", name.split(".")[0].replace("/", "-")).encode()
    files["names/same-content-1.yaml"] = POD.encode()
    files["names/same-content-2.yaml"] = POD.encode()
    files["binary.yaml"] = bytes(range(256))
    files["crlf.yaml"] = POD.replace("\n", "\r\n").encode()
    return files


def build(root: Path, files: dict[str, bytes], order: list[str]) -> None:
    for rel in order:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[rel])


def orders(files: dict[str, bytes]) -> Iterator[list[str]]:
    names = sorted(files)
    yield names
    yield list(reversed(names))
    shuffled = list(names)
    random.Random(7).shuffle(shuffled)
    yield shuffled


class Listing:
    """What ``os.scandir`` returns (an iterator and a context manager), in a chosen order."""

    def __init__(self, entries: list[os.DirEntry[str]]) -> None:
        self.entries = iter(entries)

    def __iter__(self) -> Listing:
        return self

    def __next__(self) -> os.DirEntry[str]:
        return next(self.entries)

    def __enter__(self) -> Listing:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None


def reports(
    tmp_path: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> dict[str, bytes]:
    """One run writing every format to files outside the tree; the bytes of each."""
    out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"
    out.mkdir()
    specs = [f"--format={fmt}:{out / fmt}" for fmt in FORMATS]
    proc = run_cli("--sarif-root", ".", *specs, *args, cwd=cwd, env=env, binary=True)
    assert proc.returncode in (1, 2), proc.stderr[-2000:]
    assert b"Traceback" not in proc.stderr
    texts = {fmt: (out / fmt).read_bytes() for fmt in FORMATS}
    texts["stderr"] = proc.stderr
    texts["exit"] = str(proc.returncode).encode()
    return texts


def assert_identical(first: dict[str, bytes], second: dict[str, bytes]) -> None:
    for key in first:
        assert first[key] == second[key], f"{key} differs"


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return corpus()


def test_creation_order_does_not_change_any_report(tmp_path: Path, files: dict[str, bytes]) -> None:
    results = []
    for i, order in enumerate(orders(files)):
        tree = tmp_path / f"tree{i}"
        build(tree, files, order)
        results.append(reports(tmp_path, tree, "--select", "ALL", "--report-unused-ignores", "."))
    assert all(b"SL001" in r["json"] and r["junit"] for r in results)
    for other in results[1:]:
        assert_identical(results[0], other)


def test_directory_listing_order_does_not_change_any_report(
    tmp_path: Path, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same tree, with ``os.scandir`` handing out its entries in other orders."""
    tree = tmp_path / "tree"
    build(tree, files, sorted(files))
    monkeypatch.chdir(tree)
    monkeypatch.setenv("SIDECAR_LINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "no-git"))  # the plain walk, not git's list
    for name in [n for n in os.environ if n.startswith("GITHUB_")]:
        monkeypatch.delenv(name)
    real_scandir = os.scandir
    seen: list[dict[str, str]] = []
    listed: list[object] = []
    for seed in (None, 1, 2):

        def scandir(path: object = ".", seed: int | None = seed) -> Listing:
            listed.append(path)
            with real_scandir(path) as found:  # type: ignore[call-overload]
                entries = list(found)
            if seed is None:
                entries.reverse()
            else:
                random.Random(seed).shuffle(entries)
            return Listing(entries)

        monkeypatch.setattr(sidecar_lint.discovery.os, "scandir", scandir)
        outputs = {}
        for fmt in FORMATS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                main(["--jobs", "1", "--sarif-root", ".", "--format", fmt, "."])
            outputs[fmt] = out.getvalue()
        seen.append(outputs)
    assert listed  # the walk really went through the reordered listings
    assert '"SL101"' in seen[0]["json"] and seen[0]["junit"]
    assert seen[0] == seen[1] == seen[2]


def test_argument_order_and_repeated_paths_do_not_change_any_report(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    tree = tmp_path / "tree"
    build(tree, files, sorted(files))
    parts = ["hostile", "examples", "names", "rules", "binary.yaml", "crlf.yaml"]
    first = reports(tmp_path, tree, *parts)
    second = reports(tmp_path, tree, *reversed(parts))
    third = reports(tmp_path, tree, *parts, "examples/grafana.yaml", "./names", "hostile/")
    assert_identical(first, second)
    assert_identical(first, third)


def test_hash_seed_cache_and_workers_do_not_change_any_report(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    tree = tmp_path / "tree"
    build(tree, files, sorted(files))
    cold = reports(tmp_path, tree, ".", env={"PYTHONHASHSEED": "1"})
    warm = reports(tmp_path, tree, ".", env={"PYTHONHASHSEED": "2"})
    uncached = reports(tmp_path, tree, "--no-cache", ".")
    workers = reports(tmp_path, tree, "--no-cache", "--jobs", "3", ".")
    for other in (warm, uncached, workers):
        assert_identical(cold, other)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_git_work_tree_reports_exactly_what_a_plain_directory_does(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    plain, repo = tmp_path / "plain", tmp_path / "repo"
    build(plain, files, sorted(files))
    build(repo, files, list(reversed(sorted(files))))
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=60)
    env = {"GIT_DIR": str(tmp_path / "no-git")}
    assert_identical(reports(tmp_path, plain, ".", env=env), reports(tmp_path, repo, "."))


def test_standard_output_equals_the_file_output(tmp_path: Path, files: dict[str, bytes]) -> None:
    tree = tmp_path / "tree"
    build(tree, files, sorted(files))
    written = reports(tmp_path, tree, ".")
    others = tmp_path / "others"
    others.mkdir()
    for fmt in FORMATS:
        # The same set of reports as the file run (a Markdown summary says how many findings
        # the run's annotations left out), with this one on standard output.
        rest = [f"--format={o}:{others / o}" for o in FORMATS if o != fmt]
        command = ["--sarif-root", ".", "--format", fmt, *rest, "."]
        proc = run_cli(*command, cwd=tree, binary=True)
        assert proc.stdout == written[fmt], fmt
