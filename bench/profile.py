"""Where a single-process run spends its CPU time: reading, positions, each rule.

    python -m bench.profile DIR [--reference]

Lints every file of ``DIR`` in this process, the way ``sidecar-lint --jobs 1
--no-cache`` does, with timers around the loader, the position lookups, the
workload views (role classification included) and every rule's check, and
prints CPU seconds per part. The timers cost a little themselves; the total
is printed for comparison with an untimed run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CLOCK = time.process_time


class Timers:
    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Time ``fn`` exclusive of nested timed calls."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            return self.run(name, fn, *args, **kwargs)

        return timed

    def run(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = CLOCK()
        self.stack.append(name)
        try:
            return fn(*args, **kwargs)
        finally:
            self.stack.pop()
            spent = CLOCK() - start
            self.spent[name] += spent
            if self.stack:
                self.spent[self.stack[-1]] -= spent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    p.add_argument("corpus", type=Path)
    p.add_argument("--reference", action="store_true", help="use the reference loader")
    args = p.parse_args(argv)
    if args.reference:
        os.environ["SIDECAR_LINT_LOADER"] = "reference"

    import gc

    gc.set_threshold(100_000, 50, 100)
    from sidecar_lint import engine, parallel
    from sidecar_lint.config import resolve_config
    from sidecar_lint.loading.lazy_positions import FilePositions
    from sidecar_lint.settings import FlagValues, resolve_settings

    timers = Timers()
    FilePositions.root = timers.wrap("positions", FilePositions.root)  # type: ignore[method-assign]
    FilePositions.item = timers.wrap("positions", FilePositions.item)  # type: ignore[method-assign]
    parallel.load_bytes = timers.wrap("read (parse)", parallel.load_bytes)  # type: ignore[attr-defined]
    original_iter = engine.iter_workloads

    def iter_workloads(*a: Any, **k: Any) -> Iterator[Any]:
        return iter(timers.run("workload views + roles", lambda: list(original_iter(*a, **k))))

    engine.iter_workloads = iter_workloads  # type: ignore[assignment]
    settings = resolve_settings(resolve_config(None, True), FlagValues())
    linter = settings.linter()
    for rule in linter.rules:
        fn = rule.spec.fn
        name = f"rule {rule.meta.code} {rule.meta.name}"

        def checked(subject: Any, ctx: Any, _fn: Any = fn, _name: str = name) -> Any:
            return iter(timers.run(_name, lambda: list(_fn(subject, ctx))))

        object.__setattr__(rule.spec, "fn", checked)
    files = sorted(str(f) for f in args.corpus.rglob("*") if f.is_file())
    from sidecar_lint.discovery import Input

    start = CLOCK()
    for path in files:
        timers.run("engine, reports, rest", parallel.lint_input, Input(path), settings, linter)
    total = CLOCK() - start
    print(f"{len(files)} files, {total:.2f} s CPU in total\n")
    print("| part | CPU (s) | share |")
    print("|---|---:|---:|")
    for name, spent in sorted(timers.spent.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {spent:.2f} | {spent / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
