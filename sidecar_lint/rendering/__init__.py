"""Render Kustomize directories, lint the result, and report at the lines people edit.

The package's face. Behind it, one module per job:

* :mod:`~sidecar_lint.rendering.kustomization` — what a kustomization reads
  (resources, components, patches), read with the project's loader;
* :mod:`~sidecar_lint.rendering.plan` — which directories a run renders, which
  walked files that covers, and which files are partial objects (patches);
* :mod:`~sidecar_lint.rendering.tools` — finding and running the tools
  offline, with a timeout;
* :mod:`~sidecar_lint.rendering.render` — one render through a temporary
  wrapper kustomization, linted and mapped back;
* :mod:`~sidecar_lint.rendering.origin` — from a rendered field to the source
  file, the patch or the object's first line.

:func:`render_all` renders in parallel threads (the work is the tools'
processes), keeps outputs in a cache keyed by every file a render reads, and
:func:`merge` turns the renders' findings into one per source location,
naming every render it appears in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from sidecar_lint.document import ObjectRef
from sidecar_lint.engine import Linter
from sidecar_lint.findings import Finding
from sidecar_lint.loading import Limits
from sidecar_lint.output import write_atomic
from sidecar_lint.rendering.helm import HelmOptions
from sidecar_lint.rendering.plan import (
    RENDER_MODES,
    RenderPlan,
    RenderTarget,
    partial_findings,
    plan_renders,
)
from sidecar_lint.rendering.render import (
    Rendered,
    RenderReport,
    cache_key,
    lint_rendered,
    map_helm_stream,
    render,
)
from sidecar_lint.rendering.tools import DEFAULT_TIMEOUT, ToolRun
from sidecar_lint.results import Summary

__all__ = [
    "DEFAULT_TIMEOUT",
    "RENDER_MODES",
    "HelmOptions",
    "MergedFile",
    "RenderPlan",
    "RenderTarget",
    "map_helm_stream",
    "merge",
    "partial_findings",
    "plan_renders",
    "render_all",
]

#: What the run needs to lint a target's output: its linter, its override path, its limits.
LinterFor = Callable[[RenderTarget], tuple[Linter, str, Limits]]


def render_all(
    plan: RenderPlan,
    linter_for: LinterFor,
    jobs: int = 1,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    helm: HelmOptions | None = None,
) -> list[RenderReport]:
    """Render every target (``jobs`` at a time), then lint each output in this thread."""
    if not plan.targets or plan.display is None:
        return []
    paths = plan.display
    options = helm or HelmOptions()

    def one(target: RenderTarget) -> Rendered:
        tool = plan.helm if target.kind == "helm" else plan.tool
        assert tool is not None  # a target is planned only when its tool was found
        key = cache_key(target, tool, options) if cache_dir is not None else None
        cached = _cached(cache_dir, key) if key is not None else None
        if cached is not None:
            return Rendered(target, cached[0], cached[1])
        rendered = render(target, tool, timeout, options)
        if (
            key is not None
            and cache_dir is not None
            and "timed out" not in (rendered.run.error or "")
        ):
            _store(cache_dir, key, rendered)
        return rendered

    workers = max(1, min(jobs, len(plan.targets)))
    if workers == 1:
        outputs: Iterator[Rendered] = map(one, plan.targets)
    else:
        pool = ThreadPoolExecutor(workers, thread_name_prefix="render")
        outputs = pool.map(one, plan.targets)
    reports = []
    for rendered in outputs:
        linter, match_path, limits = linter_for(rendered.target)
        reports.append(lint_rendered(rendered, linter, match_path, limits, paths))
    if workers > 1:
        pool.shutdown()
    return reports


def _cache_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / "renders" / f"{key}.json"


def _cached(cache_dir: Path | None, key: str) -> tuple[ToolRun, Path] | None:
    if cache_dir is None:
        return None
    try:
        data = json.loads(_cache_file(cache_dir, key).read_text(encoding="utf-8"))
        run = ToolRun(str(data["output"]), data["error"])
        return run, Path(data["base"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(cache_dir: Path, key: str, rendered: Rendered) -> None:
    payload = {
        "output": rendered.run.output,
        "error": rendered.run.error,
        "base": str(rendered.base),
    }
    try:
        _cache_file(cache_dir, key).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(_cache_file(cache_dir, key), json.dumps(payload))
    except OSError:
        pass  # a cache that cannot be written only costs time


class MergedFile:
    """One source file's share of every render: findings, quoted lines, objects."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.lines: dict[int, str] = {}
        self.objects: list[tuple[int, ObjectRef]] = []


def merge(reports: Sequence[RenderReport], plan: RenderPlan) -> tuple[list[MergedFile], Summary]:
    """Each problem once per source location, naming every render that shows it.

    When several renders report the same rule at the same place, the one kept
    is the render nearest to the file (a base's own render before an overlay's).
    """
    chosen: dict[tuple[object, ...], Finding] = {}
    seen_in: dict[tuple[object, ...], list[str]] = {}
    texts: dict[str, list[str]] = {}
    summary = Summary()
    objects: dict[str, list[tuple[int, ObjectRef]]] = {}
    rank: dict[tuple[object, ...], tuple[int, int]] = {}
    base = plan.display.cwd if plan.display is not None else Path.cwd()
    for report in reports:
        texts.update(report.texts)
        s = report.summary
        summary.documents += s.documents
        summary.objects += s.objects
        summary.workloads += s.workloads
        for path, index, ref in report.objects:
            if isinstance(ref, ObjectRef):
                objects.setdefault(path, []).append((index, ref))
        for finding in report.findings:
            if report.target.only and (base / finding.path).resolve() not in report.target.only:
                continue
            key = _location_key(finding)
            shown = (
                plan.display.show(report.target.file) if plan.display else str(report.target.file)
            )
            seen_in.setdefault(key, [])
            if shown not in seen_in[key]:
                seen_in[key].append(shown)
            score = (
                int(finding.suppression is None),
                _nearness(report.target, base / finding.path),
            )
            if key not in chosen or score > rank[key]:
                chosen[key], rank[key] = finding, score
    files: dict[str, MergedFile] = {}
    for key, finding in chosen.items():
        merged = files.setdefault(finding.path, MergedFile(finding.path))
        merged.findings.append(replace(finding, renders=tuple(sorted(seen_in[key]))))
        lines = texts.get(finding.path, [])
        n = finding.span.start_line
        merged.lines[n] = lines[n - 1] if 0 < n <= len(lines) else ""
    for path, entries in objects.items():
        files.setdefault(path, MergedFile(path)).objects = sorted(set(entries), key=str)
    summary.files = len({p for t in plan.targets for p in (t.only or t.tree.files)})
    return sorted(files.values(), key=lambda m: m.path), summary


def _location_key(finding: Finding) -> tuple[object, ...]:
    kind = finding.object.kind if finding.object is not None else ""
    return (finding.code, finding.path, finding.span, finding.container or "", kind)


def _nearness(target: RenderTarget, file: Path) -> int:
    """How deep the render's directory is, when it holds ``file`` (else -1)."""
    directory = target.directory
    try:
        inside = directory in file.resolve().parents
    except (OSError, RuntimeError):
        inside = False
    return len(directory.parts) if inside else -1
