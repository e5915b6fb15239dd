"""Render one kustomization, lint what it produces, and report each finding at its source.

The render goes through a wrapper kustomization in a temporary directory
(the user's tree is never written to) that lists the user's directory as its
only resource and turns on Kustomize's build metadata. The rendered stream is
linted like any file; every finding is then placed in the file that defined
its field (see :mod:`~sidecar_lint.rendering.origin`), and the comment
suppressions of that file apply to it there.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sidecar_lint import suppressions
from sidecar_lint.document import Span
from sidecar_lint.engine import Linter
from sidecar_lint.findings import Finding
from sidecar_lint.loading import Limits, load_bytes
from sidecar_lint.rendering.helm import (
    ChartFinder,
    HelmMapper,
    HelmOptions,
    helm_command,
    source_of,
)
from sidecar_lint.rendering.kustomization import Tree, relative_entry
from sidecar_lint.rendering.origin import Mapper, Place, Sources
from sidecar_lint.rendering.plan import Paths, RenderTarget
from sidecar_lint.rendering.tools import DEFAULT_TIMEOUT, Tool, ToolRun, run_tool
from sidecar_lint.results import Summary

#: Charts rendered with their own values only, under the default release name.
NO_HELM_OPTIONS = HelmOptions()

#: The wrapper's only content besides the resource: Kustomize's record of origins.
BUILD_METADATA = "buildMetadata: [originAnnotations, transformerAnnotations]\n"


@dataclass
class Rendered:
    """A render's output (or failure) and the directory its build metadata is relative to."""

    target: RenderTarget
    run: ToolRun
    base: Path


@dataclass
class RenderReport:
    """What one render contributed: findings at source files, and counts."""

    target: RenderTarget
    findings: list[Finding] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    objects: list[tuple[str, int, object]] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)  # source lines, by reported path


def render(
    target: RenderTarget,
    tool: Tool,
    timeout: float = DEFAULT_TIMEOUT,
    helm: HelmOptions = NO_HELM_OPTIONS,
) -> Rendered:
    """Run the tool on ``target``: a kustomization through a temporary wrapper, a chart as is."""
    if target.kind == "helm":
        return Rendered(
            target, run_tool(helm_command(tool, target.directory, helm), timeout), target.directory
        )
    if target.tree.remote:
        remote = target.tree.remote[0]
        return Rendered(
            target,
            ToolRun(
                error=f"remote resource '{remote.value}' is not fetched: renders never use the "
                "network (render it yourself and pipe the output in)"
            ),
            target.directory,
        )
    with tempfile.TemporaryDirectory(prefix="sidecar-lint-render-") as tmp:
        base = Path(os.path.realpath(tmp))
        entry = relative_entry(target.directory, base)
        (base / "kustomization.yaml").write_text(
            f"resources:\n  - {json.dumps(entry)}\n{BUILD_METADATA}", encoding="utf-8"
        )
        run = run_tool(tool.kustomize_command(str(base)), timeout)
    if run.error is not None and "timed out" not in run.error:
        # the user's own words for it: the error of the directory built directly, without
        # the wrapper's temporary path in it
        direct = run_tool(tool.kustomize_command(str(target.directory)), timeout)
        run = ToolRun(error=direct.error or run.error)
    return Rendered(target, run, base)


def cache_key(target: RenderTarget, tool: Tool, helm: HelmOptions = NO_HELM_OPTIONS) -> str | None:
    """A digest of every file the render reads (and of the tool), or None if one is unreadable.

    Besides the files the kustomizations name, every file beside each
    kustomization counts, so a generator's input is never missed.
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{tool.name}\0{tool.executable}\0{target.directory}\0".encode())
    if target.kind == "helm":
        h.update(f"{helm.release}\0{helm.namespace}\0".encode())
    try:
        h.update(str(os.stat(tool.executable).st_mtime_ns).encode())
        files = set(target.tree.files)
        if target.kind == "helm":
            files |= set(helm.values)
        for kfile in target.tree.kustomizations:
            files |= {p for p in kfile.parent.iterdir() if p.is_file()}
        for path in sorted(files):
            h.update(str(path).encode() + b"\0")
            h.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    except OSError:
        return None
    return h.hexdigest()


FailureRule = Callable[[], Finding | None]


def lint_rendered(
    rendered: Rendered,
    linter: Linter,
    match_path: str,
    limits: Limits,
    paths: Paths,
) -> RenderReport:
    """Lint a render's output and place each finding in its source file."""
    target = rendered.target
    report = RenderReport(target)
    sources = Sources()
    if rendered.run.error is not None:
        failure = _failure(linter, match_path, target, rendered.run.error, paths, sources)
        if failure is not None:
            report.findings.append(failure)
        _keep_lines(report, sources, paths)
        return report
    before = replace(linter.summary)
    loaded = load_bytes(f"{target.display} (rendered)", rendered.run.output.encode(), limits)
    found = linter.lint(loaded, match_path)
    after = linter.summary
    report.summary = Summary(
        files=0,
        documents=after.documents - before.documents,
        objects=after.objects - before.objects,
        workloads=after.workloads - before.workloads,
    )
    docs = {d.index: d for d in loaded.documents}
    mapper: Mapper | HelmMapper
    if target.kind == "helm":
        mapper = HelmMapper(target.directory, loaded.source.lines, sources)
    else:
        mapper = Mapper(rendered.base, target.tree.patches, sources, target.file)
    placed: list[tuple[Finding, Place]] = []
    for finding in found:
        doc = docs.get(finding.document_index) if finding.document_index is not None else None
        place = mapper.place(doc, finding) if doc is not None else None
        if place is None:  # no origin recorded: the kustomization itself
            place = Place(target.file, Span(1, 1, 1, 2), None)
        placed.append((finding, place))
    for doc in loaded.documents:
        if doc.is_kubernetes_object:
            where = mapper.place_object(doc)
            report.objects.append((paths.show(where.path), where.document_index or 0, doc.ref))
    report.findings = _with_comment_suppressions(placed, sources, paths)
    _keep_lines(report, sources, paths)
    return report


def _with_comment_suppressions(
    placed: list[tuple[Finding, Place]], sources: Sources, paths: Paths
) -> list[Finding]:
    by_file: dict[Path, list[Finding]] = {}
    for finding, place in placed:
        moved = replace(
            finding,
            path=paths.show(place.path),
            span=place.span,
            document_index=place.document_index,
            fix=None,  # its edits were made on the rendered text, not on this file
        )
        by_file.setdefault(place.path, []).append(moved)
    out: list[Finding] = []
    for path, findings in by_file.items():
        loaded = sources.get(path)
        text = loaded.source.text if loaded is not None else ""
        if "sidecar-lint:" not in text or loaded is None:
            out.extend(findings)
            continue
        directives = suppressions.scan_comments(loaded.source.lines)
        open_ = [f for f in findings if f.suppression is None]
        out.extend(f for f in findings if f.suppression is not None)
        out.extend(suppressions.apply(directives, open_))
    return out


def _keep_lines(report: RenderReport, sources: Sources, paths: Paths) -> None:
    for path in {Path(p) for p in sources.known()}:
        loaded = sources.get(path)
        if loaded is not None:
            report.texts[paths.show(path)] = loaded.source.lines


def _failure(
    linter: Linter,
    match_path: str,
    target: RenderTarget,
    error: str,
    paths: Paths,
    sources: Sources,
) -> Finding | None:
    """SL001 at the kustomization (at the entry the error names, when one does)."""
    rule = next((r for r in linter.rules_for(match_path)["all"] if r.meta.code == "SL001"), None)
    if rule is None:
        return None
    where, span = target.file, Span(1, 1, 1, 2)
    for entry in target.tree.remote or target.tree.entries:
        if f"'{entry.value}'" in error or entry in target.tree.remote:
            where, span = entry.kustomization, entry.span
            break
    sources.get(where)  # its lines are quoted by the text report
    return Finding(
        code=rule.meta.code,
        name=rule.meta.name,
        severity=rule.severity,
        message=f"cannot render {target.display}: {error}",
        path=paths.show(where),
        span=span,
    )


def map_helm_stream(
    text: str, findings: list[Finding], limits: Limits, paths: Paths
) -> tuple[list[Finding], dict[str, list[str]]]:
    """Findings on piped ``helm template`` output, moved to the templates that exist here.

    A finding whose object names (``# Source:``) a template of a chart found under the
    working directory is reported in that template; any other stays on standard input.
    """
    loaded = load_bytes("-", text.encode("utf-8"), limits)
    docs = {d.index: d for d in loaded.documents}
    lines = loaded.source.lines
    sources = Sources()
    charts = ChartFinder(paths.cwd)
    kept: list[Finding] = []
    placed: list[tuple[Finding, Place]] = []
    for finding in findings:
        doc = docs.get(finding.document_index) if finding.document_index is not None else None
        source = source_of(lines, doc.start_range()[0]) if doc is not None else None
        chart = charts.find(source) if source is not None else None
        place = None
        if doc is not None and chart is not None:
            place = HelmMapper(chart, lines, sources).place(doc, finding)
        if place is None:
            kept.append(finding)
        else:
            placed.append((finding, place))
    report = RenderReport(RenderTarget(paths.cwd, "-", Tree(paths.cwd)))
    _keep_lines(report, sources, paths)
    return kept + _with_comment_suppressions(placed, sources, paths), report.texts
