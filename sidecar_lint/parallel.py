"""Lint many files: one at a time or on several cores, streaming, with the cache.

Each file becomes a :class:`FileReport` — its findings, its counts, the few
source lines the text report quotes, and the objects the JUnit report lists —
and nothing else of it is kept: documents are parsed, linted and dropped
file by file, so memory does not grow with the size of the tree.

Worker processes lint whole files; reports come back in input order and the
command line sorts findings itself, so ``--jobs N`` prints exactly what
``--jobs 1`` prints.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sidecar_lint.autofix import FixMode, fix_file, unified_diff
from sidecar_lint.cluster import ClusterObjects
from sidecar_lint.discovery import Input
from sidecar_lint.engine import Linter
from sidecar_lint.file_report import FileReport, digest_of
from sidecar_lint.findings import Finding
from sidecar_lint.loading import (
    DEFAULT_LIMITS,
    Limits,
    LoadedSource,
    encoding_of,
    load_bytes,
    not_a_manifest,
)
from sidecar_lint.results import Summary

if TYPE_CHECKING:
    from sidecar_lint.cache import Cache
    from sidecar_lint.settings import Settings

#: Below this many files (or bytes) ``--jobs auto`` stays in one process: starting
#: workers costs more than it saves.
AUTO_MIN_FILES = 32
AUTO_MIN_BYTES = 2_000_000


def lint_bytes(
    linter: Linter,
    path: str,
    raw: bytes,
    match_path: str,
    limits: Limits = DEFAULT_LIMITS,
    fix: FixMode | None = None,
    echo: bool = False,
) -> FileReport:
    """Lint one file's bytes; the parsed documents are dropped before returning.

    A file that is not a manifest at all (see :func:`not_a_manifest`) is not
    linted: its report carries the reason instead, for the run to pass over
    or to note.

    With ``fix``, the file's fixes are applied first (see :mod:`sidecar_lint.autofix`)
    and the report is the fixed text's; ``echo`` (standard input) always hands
    back the text, fixed or not.
    """
    before = replace(linter.summary)
    loaded = load_bytes(path, raw, limits, fast=True)
    note = not_a_manifest(loaded)
    if note is not None:
        skipped = FileReport(path, summary=Summary(files=1), digest=digest_of(raw), note=note)
        skipped.fixed = raw if echo else None
        return skipped
    findings = linter.lint(loaded, match_path)
    if fix is not None and any(fix.applies(f.fix) for f in findings):
        original = loaded.source.text
        loaded, findings, outcome = fix_file(
            linter, loaded, findings, match_path, limits, fix, before
        )
        if outcome.applied:
            codec, bom = encoding_of(raw)
            raw = bom + outcome.text.encode(codec)
            report = _report(linter, before, loaded, findings, raw)
            if fix.write:
                report.fixed = raw
            else:
                report.diff = unified_diff(path, original, outcome.text)
                report.digest = None  # the file keeps its old content: nothing to cache
        else:
            report = _report(linter, before, loaded, findings, raw)
        report.applied, report.fix_notes = outcome.applied, outcome.dropped
        if echo and report.fixed is None:
            report.fixed = raw
        return report
    report = _report(linter, before, loaded, findings, raw)
    if echo and fix is not None:
        report.fixed = raw
    return report


def _report(
    linter: Linter, before: Summary, loaded: LoadedSource, findings: list[Finding], raw: bytes
) -> FileReport:
    path = loaded.source.path
    after = linter.summary
    summary = Summary(
        files=after.files - before.files,
        documents=after.documents - before.documents,
        objects=after.objects - before.objects,
        workloads=after.workloads - before.workloads,
    )
    source = loaded.source
    lines = {f.span.start_line: source.line(f.span.start_line) for f in findings}
    objects = [(doc.index, doc.ref) for doc in loaded.documents if doc.is_kubernetes_object]
    return FileReport(path, findings, summary, None, lines, objects, digest_of(raw))


def read_input(item: Input) -> bytes | str:
    """The bytes of one input, or the reason it cannot be read (or, on stdin, is empty)."""
    known = item.unreadable()
    if known is not None:  # a path that does not exist
        return known
    try:
        if item.is_stdin:
            raw = sys.stdin.buffer.read()
            return item.content_problem(raw) or raw  # empty stdin: a failed render upstream
        with open(item.path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        return f"{item.path}: cannot read: {exc.strerror or exc}"


# --------------------------------------------------------------------------- running


@dataclass
class Profile:
    """Settings that apply to some of a run's files, their linter and their cache.

    Files under different configuration files lint with different profiles;
    each has its own cache, keyed by its own settings.
    """

    settings: Settings
    linter: Linter
    cache: Cache | None = None


class _State:
    def __init__(self) -> None:
        self.settings: tuple[Settings, ...] = ()
        self.linters: dict[int, Linter] = {}
        self.objects = ClusterObjects()
        self.fix: FixMode | None = None


_STATE = _State()


def _init_worker(
    settings: tuple[Settings, ...] | None,
    objects: ClusterObjects | None = None,
    fix: FixMode | None = None,
) -> None:
    if settings is not None:  # spawn: nothing was inherited, the settings were pickled
        _STATE.settings, _STATE.linters, _STATE.fix = settings, {}, fix
        _STATE.objects = objects or ClusterObjects()
    _tune_gc()


def _lint_path(task: tuple[int, Input, int]) -> tuple[int, FileReport]:
    index, item, profile = task
    settings = _STATE.settings[profile]
    linter = _STATE.linters.get(profile)
    if linter is None:
        linter = _STATE.linters[profile] = settings.linter()
        linter.use_objects(_STATE.objects)
    return index, lint_input(item, settings, linter, _STATE.fix)


def lint_input(
    item: Input, settings: Settings, linter: Linter, fix: FixMode | None = None
) -> FileReport:
    """Read and lint (and, with ``fix``, fix) one input in this process."""
    raw = read_input(item)
    if isinstance(raw, str):
        return FileReport(item.path, error=raw)
    match_path = settings.match_path(item.path)
    echo = item.is_stdin and fix is not None and fix.write
    report = lint_bytes(linter, item.path, raw, match_path, settings.limits, fix, echo)
    if item.is_stdin and b"# Source: " in raw:  # helm template output: mapped back by the run
        report.helm_text = raw.decode("utf-8", "replace")
    return report


def resolve_jobs(jobs: str | None, inputs: Sequence[Input], sizes: Sequence[int]) -> int:
    """The number of processes for ``--jobs`` (``auto`` or None: the idle cores, for big runs)."""
    if jobs not in (None, "auto"):
        return max(1, int(jobs))
    if len(inputs) < AUTO_MIN_FILES and sum(sizes) < AUTO_MIN_BYTES:
        return 1
    return min(idle_cores(), max(1, len(inputs)))


def idle_cores() -> int:
    """The cores ``--jobs auto`` uses: those of :func:`available_cores` others leave idle.

    The one-minute load average counts the processes that want a core. Two
    workers that share one core with others are slower than one process (each
    pays for the pool and gets half a core), so only the idle share of the
    machine is counted, rounded to the nearest core, and one process is used
    when less than about one and a half cores are idle.
    """
    cores = available_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return cores
    idle = cores * max(0.0, 1.0 - load / (os.cpu_count() or cores))
    return max(1, min(cores, int(idle + 0.5)))


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def lint_inputs(
    inputs: Sequence[Input],
    profiles: Sequence[Profile],
    profile_of: Sequence[int],
    jobs: str | None,
    fix: FixMode | None = None,
) -> Iterator[FileReport]:
    """Reports for ``inputs``, in input order; cached files are not linted again.

    ``profile_of[i]`` is the index in ``profiles`` of the settings that apply
    to ``inputs[i]``. Only regular files take part in the cache: a named pipe
    or ``/dev/stdin`` named explicitly is read exactly once, by the linter,
    never by a lookup. With ``fix``, a cached file with a fix to apply is linted
    (and fixed) again.
    """
    pending: list[tuple[int, Input]] = []
    sizes: list[int] = []
    uncached: set[int] = set()
    done: dict[int, FileReport] = {}
    for index, item in enumerate(inputs):
        if item.is_stdin:
            pending.append((index, item))
            continue
        regular, size = _regular_file_size(item)
        cache = profiles[profile_of[index]].cache
        if not regular:
            uncached.add(index)
        elif cache is not None:
            hit = cache.lookup(item.path)
            if hit is not None and not (fix and any(fix.applies(f.fix) for f in hit.findings)):
                done[index] = hit
                continue
        pending.append((index, item))
        sizes.append(size)
    workers = resolve_jobs(jobs, [item for _, item in pending], sizes)
    stdin = [(i, item) for i, item in pending if item.is_stdin]
    files = [(i, item, profile_of[i]) for i, item in pending if not item.is_stdin]

    def here(index: int, item: Input) -> FileReport:
        profile = profiles[profile_of[index]]
        return lint_input(item, profile.settings, profile.linter, fix)

    for index, item in stdin:  # standard input is read here, never by a worker
        done[index] = here(index, item)
    if workers <= 1 or len(files) <= 1:
        results: Iterator[tuple[int, FileReport]] = ((i, here(i, item)) for i, item, _ in files)
    else:
        results = _in_pool(files, sizes, profiles, workers, fix)
    next_index = 0
    for index, report in results:
        cache = profiles[profile_of[index]].cache
        cacheable = index not in uncached and report.digest is not None
        if cache is not None and cacheable and report.error is None:
            cache.store(report)
        done[index] = report
        while next_index in done:
            yield done.pop(next_index)
            next_index += 1
    while next_index in done:
        yield done.pop(next_index)
        next_index += 1


def _regular_file_size(item: Input) -> tuple[bool, int]:
    """Whether ``item`` is a regular file (through symlinks), and its size (0 if unknown)."""
    if item.problem is not None:
        return False, 0
    try:
        info = os.stat(item.path)
    except (OSError, ValueError):
        return False, 0
    return stat.S_ISREG(info.st_mode), info.st_size


def _in_pool(
    files: list[tuple[int, Input, int]],
    sizes: list[int],
    profiles: Sequence[Profile],
    workers: int,
    fix: FixMode | None = None,
) -> Iterator[tuple[int, FileReport]]:
    """Lint ``files`` in ``workers`` processes, largest first so no one waits on a big file."""
    import multiprocessing

    size_of = dict(zip((i for i, _, _ in files), sizes, strict=False))
    order = sorted(files, key=lambda task: -size_of.get(task[0], 0))
    methods = multiprocessing.get_all_start_methods()
    context: Any
    settings = tuple(p.settings for p in profiles)
    if "fork" in methods and sys.platform != "darwin":
        context = multiprocessing.get_context("fork")
        _STATE.settings = settings  # inherited by the children, linters and all
        _STATE.linters = {i: p.linter for i, p in enumerate(profiles)}
        _STATE.fix = fix
        initargs: tuple[tuple[Settings, ...] | None, ClusterObjects, FixMode | None] = (
            None,
            ClusterObjects(),
            None,
        )
    else:  # pragma: no cover - macOS and Windows unpickle the settings in each worker
        context = multiprocessing.get_context("spawn")
        initargs = (settings, profiles[0].linter.cluster.objects, fix)
    chunk = max(1, min(16, len(order) // (workers * 8)))
    with context.Pool(workers, initializer=_init_worker, initargs=initargs) as pool:
        yield from pool.imap_unordered(_lint_path, order, chunksize=chunk)


def _tune_gc() -> None:
    """Collect cycles rarely: linting allocates millions of short-lived, acyclic objects."""
    import gc

    gc.set_threshold(100_000, 50, 100)


tune_gc = _tune_gc
