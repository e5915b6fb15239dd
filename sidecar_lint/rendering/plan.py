"""Which directories a run renders, and what that changes for the files it walks.

A directory holding a kustomization is rendered (Components only through the
kustomizations that list them). The files a rendered kustomization reads are
linted through the render, never a second time on their own. When nothing is
rendered (``--render never``, or no tool), the files kustomizations list as
patches are still known to be partial objects: the rules that need a whole
object are not run on them, and patch directives are not unknown fields.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sidecar_lint.findings import Finding
from sidecar_lint.rendering.kustomization import Tree, kustomization_file, read_tree
from sidecar_lint.rendering.tools import Tool, find_helm, find_kustomize

RENDER_MODES = ("auto", "never", "always")

#: Rules a patch cannot be judged by: they need the whole pod (the other containers, the
#: volumes, the order) or container roles, which only the patched object has.
WHOLE_OBJECT_RULES = frozenset(
    {"SL103", "SL108", "SL201", "SL202", "SL301", "SL302", "SL401", "SL402", "SL501", "SL502"}
)
#: Strategic-merge directives: keys a patch may hold that no object has.
PATCH_DIRECTIVES = ("$patch", "$setElementOrder/", "$deleteFromPrimitiveList/", "$retainKeys")


@dataclass(frozen=True)
class RenderTarget:
    """One directory to render: its kustomization file, what it reads, and its name in reports."""

    file: Path  # resolved: the kustomization file, or a chart's Chart.yaml
    display: str  # the directory as reports name it
    tree: Tree
    kind: str = "kustomize"  # or "helm"
    #: The files whose findings are reported (the files named on the command line); empty: all.
    only: frozenset[Path] = frozenset()

    @property
    def directory(self) -> Path:
        return self.file.parent


@dataclass
class RenderPlan:
    """What a run renders, which walked files that covers, and which are partial objects."""

    mode: str = "never"
    tool: Tool | None = None
    helm: Tool | None = None
    targets: list[RenderTarget] = field(default_factory=list)
    covered: set[Path] = field(default_factory=set)
    partial: set[Path] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    missing_tool: str | None = None  # what --render always misses ("helm is not on PATH")
    display: Paths | None = None

    def lints_raw(self, path: str) -> bool:
        """Whether a walked file is linted on its own (not through a render)."""
        return _resolved(path) not in self.covered

    def object_sources(self) -> list[str]:
        """The whole objects the renders read (patches left out), for run-wide facts."""
        patches = {p.path for t in self.targets for p in t.tree.patches}
        return sorted(
            str(p)
            for p in self.covered - patches
            if p.suffix.lower() in (".yaml", ".yml", ".json") and "templates" not in p.parts
        )

    def is_partial(self, path: str) -> bool:
        return bool(self.partial) and _resolved(path) in self.partial


def _resolved(path: str) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


@dataclass(frozen=True)
class Paths:
    """How reports name files the renders found: relative to the working directory, as given."""

    cwd: Path
    absolute: bool

    def show(self, path: Path) -> str:
        if self.absolute:
            return str(path)
        return Path(os.path.relpath(path, self.cwd)).as_posix()


def plan_renders(
    paths: Sequence[str],
    files: Iterable[str],
    mode: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> RenderPlan:
    """The renders for a run over ``paths``, whose walk found ``files``.

    Directories on the command line are searched from each walked file's
    directory up to the directory given. A file named alone (as pre-commit
    passes them) is linted through the kustomization above it (up to the
    working directory) that reads it, and only its own findings are reported.
    """
    here = (cwd or Path.cwd()).resolve()
    display = Paths(here, any(os.path.isabs(p) for p in paths))
    plan = RenderPlan(mode, display=display)
    found = _marked_directories(paths, files)
    trees = [read_tree(k) for k in found.kustomizations]
    named = {_resolved(p) for p in _named_files(paths)}
    beside = [
        read_tree(k)
        for k in _marked_directories([str(here)], sorted(map(str, named))).kustomizations
    ]
    beside = [t for t in beside if named & t.files and t.root not in found.kustomizations]
    patches = {p.path for t in (*trees, *beside) for p in t.patches}
    plan.partial = patches
    if found.charts and mode != "never":
        _plan_charts(plan, found.charts, mode, env)
    if not trees and not beside:
        return plan
    if mode != "never":
        plan.tool = find_kustomize(env)
        if plan.tool is None and mode == "always":
            plan.missing_tool = "neither kustomize nor kubectl is on PATH"
        elif plan.tool is None:
            plan.notes.append(
                f"{len(trees) + len(beside)} kustomization(s) linted file by file, not rendered: "
                "neither kustomize nor kubectl is on PATH (install one, or pass --render never)"
            )
    if plan.tool is None:
        return plan
    for tree in trees:
        if not tree.is_component():
            plan.targets.append(RenderTarget(tree.root, display.show(tree.directory), tree))
            plan.covered |= tree.files
    for tree in beside:
        hits = frozenset((named & tree.files) - plan.covered)
        if hits and not tree.is_component():
            shown = display.show(tree.directory)
            plan.targets.append(RenderTarget(tree.root, shown, tree, only=hits))
            plan.covered |= hits
    plan.partial = patches - plan.covered
    return plan


def _plan_charts(
    plan: RenderPlan, charts: Sequence[Path], mode: str, env: Mapping[str, str] | None
) -> None:
    """Charts are rendered with helm; without it, their templates are left out, with a note."""
    assert plan.display is not None
    plan.helm = find_helm(env)
    if plan.helm is None and mode == "always":
        plan.missing_tool = "helm is not on PATH"
        return
    for chart in charts:
        files = {p.resolve() for p in chart.rglob("*") if p.is_file()}
        shown = plan.display.show(chart)
        if plan.helm is not None:
            tree = Tree(chart / "Chart.yaml", kind="Chart", files=files)
            plan.targets.append(RenderTarget(tree.root, shown, tree, kind="helm"))
            plan.covered |= files
            continue
        plan.covered |= {f for f in files if "templates" in f.relative_to(chart).parts[:-1]}
        plan.notes.append(
            f"{shown}: Helm chart not rendered, helm is not on PATH; its templates are not "
            f"linted (install helm, or run `helm template {shown} | sidecar-lint -`)"
        )


@dataclass
class _Marked:
    kustomizations: list[Path] = field(default_factory=list)
    charts: list[Path] = field(default_factory=list)


def _marked_directories(paths: Sequence[str], files: Iterable[str]) -> _Marked:
    """Kustomizations and charts between each walked file and its walk's root.

    A chart inside another chart (``charts/sub``) is rendered with it, not alone.
    """
    roots = [_resolved(p) for p in paths if p != "-" and os.path.isdir(p)]
    marked = _Marked()
    if not roots:
        return marked
    checked: set[Path] = set()
    for file in files:
        directory = _resolved(file).parent
        root = next((r for r in roots if directory == r or r in directory.parents), None)
        while root is not None and directory not in checked:
            checked.add(directory)
            kfile = kustomization_file(directory)
            if kfile is not None:
                marked.kustomizations.append(kfile.resolve())
            if (directory / "Chart.yaml").is_file():
                marked.charts.append(directory)
            if directory == root:
                break
            directory = directory.parent
    marked.kustomizations.sort()
    charts = sorted(marked.charts)
    marked.charts = [c for c in charts if not any(o in c.parents for o in charts)]
    return marked


def _named_files(paths: Sequence[str]) -> list[str]:
    return [p for p in paths if p != "-" and os.path.isfile(p)]


def partial_findings(findings: Sequence[Finding]) -> list[Finding]:
    """What of a patch file's findings stands: rules judging what is written, not directives."""
    return [
        f
        for f in findings
        if f.code not in WHOLE_OBJECT_RULES
        and not (f.code == "SL101" and any(_directive(step) for step in f.pointer))
    ]


def _directive(step: object) -> bool:
    return isinstance(step, str) and step.startswith(PATCH_DIRECTIVES)
