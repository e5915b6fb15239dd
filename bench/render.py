"""Time a run over a Kustomize repository: a base and two overlays, rendered and mapped back.

    python -m bench.render             # 5 runs each, median printed
    python -m bench.render --runs 9

The repository is the test tree ``tests/data/kustomize`` without its broken kustomization
(a base, a component, two overlays with patches), copied to a temporary directory. Three
cases: every render fresh (``--no-cache``), a cold run that fills the cache, and a warm
re-run that reads the renders from it. The goal is under 2 s for the fresh run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TREE = REPO / "tests" / "data" / "kustomize"
GOAL_SECONDS = 2.0


def repository(into: Path) -> Path:
    """The base, the component and both overlays, without the broken kustomization."""
    root = into / "repo"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("broken"))
    return root


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sidecar_lint", "--isolated", "-q", *args, "."],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"sidecar-lint failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return wall


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="runs per case; the median is shown")
    args = p.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory(prefix="sidecar-lint-bench-render-") as tmp:
        root = repository(Path(tmp))
        cache = Path(tmp) / "cache"
        fresh = [timed(["--no-cache"], root, env) for _ in range(args.runs)]
        cold, warm = [], []
        for _ in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed(["--cache-dir", str(cache)], root, env))
            warm.append(timed(["--cache-dir", str(cache)], root, env))
    tool = shutil.which("kustomize") or shutil.which("kubectl") or "none"
    print(f"Kustomize repository: a base, a component, two overlays (renders with {tool})")
    for name, values in (("fresh renders", fresh), ("cold cache", cold), ("warm cache", warm)):
        print(f"  {name:<14} {statistics.median(values):6.3f} s  (median of {len(values)})")
    verdict = "meets" if statistics.median(fresh) < GOAL_SECONDS else "MISSES"
    print(f"  goal: under {GOAL_SECONDS:g} s for fresh renders: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
