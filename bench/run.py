"""Time sidecar-lint against the parsers it is built on, side by side, in one run.

    python -m bench.run --mb 50                  # generate (once) and time a 50 MB corpus
    python -m bench.run --corpus DIR --runs 5    # an existing tree
    python -m bench.run --sizes 10,50,100        # lint time against corpus size

Every case runs in its own process, ``--runs`` times (median reported), and
reports wall time and peak RSS (the largest single process of the case, from
``getrusage(RUSAGE_CHILDREN)`` of a fresh helper). The tries are interleaved
(round after round, every case once per round), so that a shared machine's
changing load falls alike on every case; bytecode is cached under ``--work``
as an installed package has it. The cases:

* ``pyyaml compose_all`` - libyaml (``CSafeLoader``) composing every document
  of every file: the floor for anything that keeps PyYAML's positions;
* ``yaml-rs loads`` - the fastest parser installed (a Rust YAML 1.2 parser),
  plain data only: the physical floor;
* ``sidecar-lint --jobs 1`` without the cache, with yaml-rs (if installed) and
  as the default install reads (``SIDECAR_LINT_LOADER=python``), ``--jobs 2``
  and ``--jobs auto``;
* ``sidecar-lint --jobs 1`` with the reference loader (every node positioned);
* a cold run that fills the cache and a warm re-run that reads it;
* ``--fix --unsafe-fixes`` over a fresh copy of the corpus (at most twice a plain lint);
* ``sidecar-lint`` on one small file (start-up, the pre-commit case);
* ``checkov`` and ``yamllint`` when installed and asked for (``--others``).

At the end the measures the performance work aims at are printed beside
their targets. Generated corpora go to ``--work`` (default: a directory under the system
temp dir), never into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_MEASURE = r"""
import json, resource, subprocess, sys, time
cmd, env = json.loads(sys.argv[1])
start = time.perf_counter()
proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
print(json.dumps({"wall": wall, "cpu": cpu, "rss_kb": rss, "rc": proc.returncode,
                  "stderr": proc.stderr.decode("utf-8", "replace")[-2000:]}))
"""

_COMPOSE = r"""
import os, sys, yaml
root = sys.argv[1]
n = 0
for d, dirs, files in os.walk(root):
    dirs.sort()
    for f in sorted(files):
        with open(os.path.join(d, f), encoding="utf-8", errors="replace") as h:
            text = h.read()
        try:
            for node in yaml.compose_all(text, Loader=yaml.CSafeLoader):
                n += 1
        except yaml.YAMLError:
            pass
print(n)
"""

_YAML_RS = r"""
import os, sys, yaml_rs
root = sys.argv[1]
bad = 0
for d, dirs, files in os.walk(root):
    dirs.sort()
    for f in sorted(files):
        with open(os.path.join(d, f), encoding="utf-8", errors="replace") as h:
            text = h.read()
        try:
            yaml_rs.loads(text)
        except Exception:
            bad += 1
print(bad, file=sys.stderr)
"""


@dataclass
class Case:
    name: str
    cmd: list[str]
    env: dict[str, str] = field(default_factory=dict)
    before: list[list[str]] = field(default_factory=list)  # run (untimed) before each try
    runs: int = 0  # 0: the global --runs
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else float("nan")

    @property
    def peak_mb(self) -> float:
        return statistics.median(self.rss) / 1024 if self.rss else float("nan")


#: The environment every case runs in: bytecode cached as an installed package has it
#: (outside the repository), and no CI variable that would change what the tool prints.
_BASE_ENV: dict[str, str] = {}


def measure(case: Case, runs: int) -> None:
    """Run ``case`` ``runs`` times in a row (see :func:`measure_interleaved`)."""
    for _ in range(case.runs or runs):
        measure_once(case)


def measure_once(case: Case) -> None:
    env = {**os.environ, **_BASE_ENV, **case.env}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for step in case.before:
        subprocess.run(step, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps([case.cmd, env])],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout)
    if got["rc"] not in (0, 1):
        case.note = f"exit {got['rc']}: {got['stderr'].strip().splitlines()[-1:]}"
    case.walls.append(got["wall"])
    case.cpus.append(got["cpu"])
    case.rss.append(got["rss_kb"])


def measure_interleaved(cases: list[Case], runs: int) -> None:
    """Paired measurements: round after round, every case once per round.

    On a shared machine the load changes from minute to minute; interleaving
    gives each case the same conditions, so the ratios of the medians hold
    even when the absolute times drift.
    """
    for round_ in range(max(runs, *(c.runs for c in cases))):
        for case in cases:
            if round_ < (case.runs or runs):
                measure_once(case)


def corpus_size(root: Path) -> tuple[int, int]:
    files = total = 0
    for directory, _, names in os.walk(root):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(directory, name))
    return files, total


def ensure_corpus(work: Path, mb: float, seed: int) -> Path:
    target = work / f"corpus-{mb:g}mb-seed{seed}"
    marker = work / f"corpus-{mb:g}mb-seed{seed}.complete"  # outside the tree it vouches for
    if not marker.exists():
        if target.exists():
            shutil.rmtree(target)
        from bench.corpus import generate

        generate(target, mb, seed, REPO / "rules")
        marker.write_text("ok\n")
    return target


def lint_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "sidecar_lint", *args]


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cores = os.cpu_count() or 1
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    versions = [f"Python {platform.python_version()}"]
    for name in ("yaml", "yaml_rs"):
        try:
            module = __import__(name)
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
        except ImportError:
            pass
    return f"{cpu}, {cores} cores{mem}; {platform.system()} {platform.release()}; " + ", ".join(
        versions
    )


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # pragma: no cover
        return "n/a"


def print_targets(by: dict[str, Case], floor: float) -> None:
    """The measures the performance work aims at, beside their targets, from this run."""
    default = by["sidecar-lint --jobs 1, default install (no yaml-rs)"].wall / floor
    fast = by["sidecar-lint --jobs 1"].wall / floor
    two = by["sidecar-lint --jobs 2"].wall / floor
    auto = by["sidecar-lint --jobs auto"].wall
    one = by["sidecar-lint --jobs 1"].wall
    small = by["sidecar-lint one small file"].wall * 1000
    linted = ("sidecar-lint --jobs 1", "sidecar-lint --jobs 1, default install (no yaml-rs)")
    rss = max(by[name].peak_mb for name in linted)
    rows = [
        ("--jobs 1, default install / compose_all", f"{default:.2f} x", "<= 1.0 x", default <= 1),
        ("--jobs 1, with yaml-rs / compose_all", f"{fast:.2f} x", "<= 1.0 x", fast <= 1),
        ("--jobs 2 / compose_all", f"{two:.2f} x", "<= 0.6 x (two free cores)", two <= 0.6),
        ("--jobs auto / --jobs 1", f"{auto / one:.2f} x", "<= 1.0 x", auto <= one * 1.02),
        ("one small file, wall", f"{small:.0f} ms", "<= 150 ms", small <= 150),
        ("peak RSS, --jobs 1", f"{rss:.0f} MB", "<= 150 MB", rss <= 150),
    ]
    print("| measure | this run | target | met |")
    print("|---|---:|---|---|")
    for name, got, target, met in rows:
        print(f"| {name} | {got} | {target} | {'yes' if met else 'no'} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, help="lint this tree instead of a generated corpus")
    p.add_argument("--mb", type=float, default=50.0, help="generated corpus size (default 50)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=3, help="tries per case; the median is shown")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sidecar-lint-bench")
    p.add_argument("--sizes", help="comma-separated MB sizes: time --jobs 1 against size")
    p.add_argument("--others", action="store_true", help="also time checkov/yamllint if installed")
    p.add_argument("--json", type=Path, help="write the measurements here as JSON")
    args = p.parse_args(argv)

    args.work.mkdir(parents=True, exist_ok=True)
    _BASE_ENV["PYTHONPYCACHEPREFIX"] = str(args.work / "pycache")
    corpus = args.corpus or ensure_corpus(args.work, args.mb, args.seed)
    files, total = corpus_size(corpus)
    cache_dir = args.work / "cache"
    copy = args.work / "fix-copy"  # --fix rewrites files: a fresh copy of the corpus each try
    small = REPO / "examples" / "log-shipper.yaml"
    base = ["-q", "--statistics"]
    cases = [
        Case("pyyaml CSafeLoader compose_all", [sys.executable, "-c", _COMPOSE, str(corpus)]),
    ]
    if have("yaml_rs"):
        cases.append(Case("yaml-rs loads", [sys.executable, "-c", _YAML_RS, str(corpus)]))
    cases += [
        Case("sidecar-lint --jobs 1", lint_cmd(str(corpus), "--jobs", "1", "--no-cache", *base)),
        Case(
            "sidecar-lint --jobs 1, default install (no yaml-rs)",
            lint_cmd(str(corpus), "--jobs", "1", "--no-cache", *base),
            env={"SIDECAR_LINT_LOADER": "python"},
        ),
        Case(
            "sidecar-lint --jobs 1, reference loader",
            lint_cmd(str(corpus), "--jobs", "1", "--no-cache", *base),
            env={"SIDECAR_LINT_LOADER": "reference"},
        ),
        Case("sidecar-lint --jobs 2", lint_cmd(str(corpus), "--jobs", "2", "--no-cache", *base)),
        Case("sidecar-lint --jobs auto", lint_cmd(str(corpus), "--no-cache", *base)),
        Case(
            "sidecar-lint, cold cache",
            lint_cmd(str(corpus), "--cache-dir", str(cache_dir), *base),
            before=[["rm", "-rf", str(cache_dir)]],
        ),
        Case(
            "sidecar-lint, warm cache",
            lint_cmd(str(corpus), "--cache-dir", str(cache_dir), *base),
            before=[lint_cmd(str(corpus), "--cache-dir", str(cache_dir), *base)],
        ),
        Case(
            "sidecar-lint --jobs 1 --fix --unsafe-fixes",
            lint_cmd(str(copy), "--jobs", "1", "--no-cache", "--fix", "--unsafe-fixes", *base),
            before=[["rm", "-rf", str(copy)], ["cp", "-r", str(corpus), str(copy)]],
        ),
        Case("sidecar-lint one small file", lint_cmd(str(small), "--no-cache", "-q"), runs=7),
    ]
    if args.others and shutil.which("yamllint"):
        cases.append(Case("yamllint", ["yamllint", "-f", "parsable", str(corpus)], runs=1))
    if args.others and shutil.which("checkov"):
        cases.append(
            Case(
                "checkov (kubernetes)",
                ["checkov", "-d", str(corpus), "--framework", "kubernetes", "--quiet", "--compact"],
                runs=1,
            )
        )

    print(f"corpus: {corpus} - {files} files, {total / 1e6:.1f} MB")
    print(f"machine: {machine()}")
    print(f"runs per case: {args.runs} (median)", flush=True)
    print(f"load average at start: {_load()}\n", flush=True)
    # One untimed run first, so that every case finds the bytecode cached.
    subprocess.run(
        lint_cmd(str(small), "--no-cache", "-q"),
        env={**os.environ, **_BASE_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    measure_interleaved(cases, args.runs)
    for case in cases:
        line = (
            f"  {case.name:<52} {case.wall:8.2f} s wall {case.cpu:8.2f} s cpu "
            f"{case.peak_mb:6.0f} MB {case.note}"
        )
        print(line, flush=True)

    by = {c.name: c for c in cases}
    floor = by["pyyaml CSafeLoader compose_all"].wall
    fastest = by["yaml-rs loads"].wall if "yaml-rs loads" in by else float("nan")
    print()
    print("| case | wall (s) | CPU (s) | peak RSS (MB) | x compose_all | x yaml-rs |")
    print("|---|---:|---:|---:|---:|---:|")
    for case in cases:
        print(
            f"| {case.name} | {case.wall:.2f} | {case.cpu:.2f} | {case.peak_mb:.0f} | "
            f"{case.wall / floor:.2f} | {case.wall / fastest:.2f} |"
        )
    cold = by["sidecar-lint, cold cache"].wall
    print()
    print("ratios:")
    print(f"  --jobs 1 / compose_all floor      {by['sidecar-lint --jobs 1'].wall / floor:.2f}")
    print(f"  --jobs 1 / yaml-rs                {by['sidecar-lint --jobs 1'].wall / fastest:.2f}")
    print(f"  --jobs auto / compose_all floor   {by['sidecar-lint --jobs auto'].wall / floor:.2f}")
    print(f"  warm cache / cold cache           {by['sidecar-lint, warm cache'].wall / cold:.3f}")
    fixing, plain = by["sidecar-lint --jobs 1 --fix --unsafe-fixes"], by["sidecar-lint --jobs 1"]
    print(f"  --fix / plain lint (--jobs 1)     {fixing.wall / plain.wall:.2f}")
    print(f"  --fix / plain lint, CPU time      {fixing.cpu / plain.cpu:.2f}")
    one = by["sidecar-lint one small file"].wall * 1000
    print(f"  one small file                    {one:.0f} ms")
    print(f"load average at end: {_load()}")
    print()
    print_targets(by, floor)

    scaling: list[dict[str, float]] = []
    if args.sizes:
        print("\n| corpus | files | compose_all (s) | --jobs 1 (s) | ratio | s per MB |")
        print("|---:|---:|---:|---:|---:|---:|")
        for size in [float(s) for s in args.sizes.split(",") if s.strip()]:
            tree = ensure_corpus(args.work, size, args.seed)
            n, nbytes = corpus_size(tree)
            c1 = Case("compose", [sys.executable, "-c", _COMPOSE, str(tree)])
            c2 = Case("lint", lint_cmd(str(tree), "--jobs", "1", "--no-cache", *base))
            measure_interleaved([c1, c2], args.runs)
            mb = nbytes / 1e6
            print(
                f"| {mb:.0f} MB | {n} | {c1.wall:.2f} | {c2.wall:.2f} | "
                f"{c2.wall / c1.wall:.2f} | {c2.wall / mb:.3f} |",
                flush=True,
            )
            scaling.append({"mb": mb, "files": n, "compose": c1.wall, "lint": c2.wall})
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "corpus": {"path": str(corpus), "files": files, "bytes": total},
                    "machine": machine(),
                    "cases": [
                        {
                            "name": c.name,
                            "walls": c.walls,
                            "cpus": c.cpus,
                            "rss_kb": c.rss,
                            "note": c.note,
                        }
                        for c in cases
                    ],
                    "scaling": scaling,
                    "when": time.strftime("%Y-%m-%d"),
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
