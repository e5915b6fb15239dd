"""The package's modules import one way: down the layers, and never in a circle.

Layers, lowest first (a module may import its own layer and those below)::

    document   the parsed text and what is said about it: documents, spans and
               pointers (document, pointers), findings (which name only those),
               fix intents (what a fix changes, by pointer)
               and a run's results as records (results),
               versions, feature gates, field tables, quantities, bounded text,
               output (report writing and surrogate escapes; imports nothing),
               and paths (repository-relative paths and globs; imports nothing)
    loading    YAML/JSON to documents with positions (the loading package, used
               through its face, sidecar_lint.loading, by every other module)
    model      what a pod template is: the records (model), the cluster around it
               (cluster: namespaces, services, SidecarSets), the sidecar injectors
               (injector_catalogue, injectors), finding pod templates
               (workload, jsonpath), classifying containers (roles,
               known_sidecars), and suppression directives (suppressions)
    checks     the rules' checks, their registry and shared helpers
    engine     running rules over files: engine, the rule catalogue, rule docs, and
               fix_edits (a check's fix intent as text edits over the file)
    rendering  Kustomize renders linted and mapped back to source lines (the
               rendering package): above the engine, whose linter it runs on the
               rendered stream, and below the run, which plans and merges renders
    run        one run's settings and inputs: config (and config_source, where
               its keys sit), settings, discovery,
               changes, file_report (one file's results), cache, parallel,
               shards, baseline, report_context (what reports print besides
               the findings), run (the pipeline from request to result),
               cluster_scan (the run's cluster objects, before linting),
               roles_report (--show-roles), and autofix (--fix: edits applied,
               checked and written)
    reporters  turning a run's findings into text, JSON, SARIF, ...
    cli        the command line (cli, its flags in cli_parser, __main__) and
               report_writer (reports rendered and written), which may import anything

Every import counts, also one inside a function (imported late for start-up
time) or under ``TYPE_CHECKING``: either way the module depends on the other.

A check imports the model, the registry and shared helpers (a module whose
name starts with ``_``), never another check's module.

There are no exceptions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

PACKAGE = "sidecar_lint"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

#: Layers, lowest first. ``name.*`` places every module below package ``name``.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "document",
        frozenset(
            {
                "sidecar_lint",
                "sidecar_lint.document",
                "sidecar_lint.pointers",
                "sidecar_lint.findings",
                "sidecar_lint.fix_intents",
                "sidecar_lint.results",
                "sidecar_lint.versions",
                "sidecar_lint.feature_gates",
                "sidecar_lint.k8s_fields",
                "sidecar_lint.quantity",
                "sidecar_lint.bounded",
                "sidecar_lint.output",
                "sidecar_lint.paths",
            }
        ),
    ),
    ("loading", frozenset({"sidecar_lint.loading", "sidecar_lint.loading.*"})),
    (
        "model",
        frozenset(
            {
                "sidecar_lint.model",
                "sidecar_lint.cluster",
                "sidecar_lint.injector_catalogue",
                "sidecar_lint.injectors",
                "sidecar_lint.sidecarsets",
                "sidecar_lint.workload",
                "sidecar_lint.jsonpath",
                "sidecar_lint.roles",
                "sidecar_lint.known_sidecars",
                "sidecar_lint.deprecated_images",
                "sidecar_lint.suppressions",
            }
        ),
    ),
    ("checks", frozenset({"sidecar_lint.checks", "sidecar_lint.checks.*"})),
    (
        "engine",
        frozenset(
            {
                "sidecar_lint.engine",
                "sidecar_lint.rule_catalogue",
                "sidecar_lint.rule_docs",
                "sidecar_lint.fix_edits",
            }
        ),
    ),
    # Renders are linted by the engine's linter and planned and merged by the run.
    ("rendering", frozenset({"sidecar_lint.rendering", "sidecar_lint.rendering.*"})),
    (
        "run",
        frozenset(
            {
                "sidecar_lint.config",
                "sidecar_lint.config_source",
                "sidecar_lint.settings",
                "sidecar_lint.discovery",
                "sidecar_lint.changes",
                "sidecar_lint.file_report",
                "sidecar_lint.cache",
                "sidecar_lint.parallel",
                "sidecar_lint.run",
                "sidecar_lint.roles_report",
                "sidecar_lint.pod_diagrams",
                "sidecar_lint.cluster_scan",
                "sidecar_lint.shards",
                "sidecar_lint.baseline",
                "sidecar_lint.report_context",
                "sidecar_lint.autofix",
            }
        ),
    ),
    ("reporters", frozenset({"sidecar_lint.reporters", "sidecar_lint.reporters.*"})),
    (
        "cli",
        frozenset(
            {
                "sidecar_lint.cli",
                "sidecar_lint.cli_parser",
                "sidecar_lint.report_writer",
                "sidecar_lint.progress",
                "sidecar_lint.__main__",
            }
        ),
    ),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imported_modules(name: str, path: Path) -> Iterator[str]:
    """The package's own modules that ``name`` imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                yield submodule if submodule in MODULES else module


@cache
def _scanned() -> dict[str, frozenset[str]]:
    return {
        name: frozenset(m for m in imported_modules(name, path) if m in MODULES and m != name)
        for name, path in MODULES.items()
    }


def import_graph() -> dict[str, set[str]]:
    """Each module's imports of the package's own modules (a fresh copy, free to change)."""
    return {name: set(deps) for name, deps in _scanned().items()}


def layer_of(name: str) -> int | None:
    for index, (_, members) in enumerate(LAYERS):
        if name in members:
            return index
        if any(m.endswith(".*") and name.startswith(m[:-1]) for m in members):
            return index
    return None


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    found = set()
    for name, deps in graph.items():
        for dep in deps:
            low, high = layer_of(name), layer_of(dep)
            if low is not None and high is not None and high > low:
                found.add((name, dep))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_scan_sees_every_kind_of_import() -> None:
    graph = import_graph()
    # a module-level "from x import y", a package-relative "from pkg import module",
    # an import inside a function, and one under TYPE_CHECKING
    assert "sidecar_lint.model" in graph["sidecar_lint.workload"]
    assert "sidecar_lint.suppressions" in graph["sidecar_lint.engine"]
    assert "sidecar_lint.jsonpath" in graph["sidecar_lint.workload"]
    assert "sidecar_lint.settings" in graph["sidecar_lint.cache"]


def test_every_module_has_a_layer() -> None:
    assert [name for name in MODULES if layer_of(name) is None] == []


def test_no_module_imports_from_a_higher_layer() -> None:
    names = [name for name, _ in LAYERS]
    unexpected = sorted(upward_imports(import_graph()))
    described = [
        f"{a} ({names[layer_of(a) or 0]}) imports {b} ({names[layer_of(b) or 0]})"
        for a, b in unexpected
    ]
    assert described == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_a_check_imports_no_other_check() -> None:
    allowed = {"sidecar_lint.checks", "sidecar_lint.checks.registry"}
    crossing = sorted(
        (name, dep)
        for name, deps in import_graph().items()
        if name.startswith("sidecar_lint.checks.")
        for dep in deps
        if dep.startswith("sidecar_lint.checks.")
        and dep not in allowed
        and not dep.rpartition(".")[2].startswith("_")
    )
    assert crossing == []


def test_the_loading_package_is_used_through_its_face() -> None:
    """Only the loading package's own modules import the modules behind its ``__init__``."""
    reaching_in = sorted(
        (name, dep)
        for name, deps in import_graph().items()
        if not name.startswith("sidecar_lint.loading")
        for dep in deps
        if dep.startswith("sidecar_lint.loading.")
    )
    assert reaching_in == []
    assert "sidecar_lint.loading.reading" in import_graph()["sidecar_lint.loading"]


def test_the_scan_finds_a_cycle_and_an_upward_import() -> None:
    """The checks above would catch a regression: here is one, made up."""
    graph = import_graph()
    graph["sidecar_lint.document"] = graph["sidecar_lint.document"] | {"sidecar_lint.workload"}
    assert ("sidecar_lint.document", "sidecar_lint.workload") in upward_imports(graph)
    assert any("sidecar_lint.document" in c and "sidecar_lint.workload" in c for c in cycles(graph))
