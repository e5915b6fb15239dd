"""One lint run: a typed request in, a result out, and no argparse in between.

The command line turns its flags into a :class:`RunRequest` once; from there
the run is a pipeline of plain calls:

1. :func:`gather` finds the inputs (discovery), keeps this shard's, and gives
   each the settings of its nearest configuration as a shared :class:`Profile`;
2. :func:`lint` lints them (in this process or on several cores, with the
   cache), sorts the findings and applies the baseline;
3. :func:`write_baseline` and :func:`exit_code` finish it.

Notes and warnings met on the way go to the ``err`` stream the caller gives,
one line each, in the order they happen.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TextIO

from sidecar_lint.baseline import apply_baseline, render_baseline
from sidecar_lint.config import ConfigError
from sidecar_lint.discovery import Input, discover
from sidecar_lint.findings import Finding, Severity
from sidecar_lint.output import cannot_write, escape_surrogates, write_atomic
from sidecar_lint.paths import RepoPaths, repository_root
from sidecar_lint.results import ObjectEntry, RunResult, Summary

if TYPE_CHECKING:
    from collections import Counter

    from sidecar_lint.autofix import FixMode
    from sidecar_lint.cache import Cache
    from sidecar_lint.engine import Linter
    from sidecar_lint.parallel import Profile
    from sidecar_lint.rendering import RenderPlan
    from sidecar_lint.rule_catalogue import RuleMeta
    from sidecar_lint.settings import Settings, SettingsResolver

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A problem with how the tool was called (exit 2, one line on stderr)."""


def say(err: TextIO, message: str, kind: str = "") -> None:
    """One diagnostic line: ``sidecar-lint: [kind: ]message`` (surrogates escaped)."""
    prefix = f"sidecar-lint: {kind}: " if kind else "sidecar-lint: "
    err.write(prefix + escape_surrogates(message) + "\n")


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class OutputSpec:
    """One requested output: a format and its file (None: standard output)."""

    format: str
    path: str | None = None


def parse_output_spec(text: str, formats: Sequence[str]) -> OutputSpec:
    """``FMT`` or ``FMT:FILE`` (``FMT:-`` is standard output); ValueError says what is wrong."""
    name, sep, path = text.partition(":")
    fmt = name.strip().lower()
    if fmt not in formats:
        raise ValueError(
            f"unknown format {name!r}; choose from {', '.join(formats)} (optionally FMT:FILE)"
        )
    if sep and not path:
        raise ValueError(f"{text!r}: a file name must follow the colon")
    return OutputSpec(fmt, None if not sep or path == "-" else path)


def plan_outputs(
    requested: Sequence[OutputSpec],
    output: str | None,
    sarif_root: str | None,
    env: Mapping[str, str],
) -> tuple[OutputSpec, ...]:
    """Resolve ``auto`` and ``-o``; reject plans that would mix or overwrite outputs.

    Standard output takes at most one report plus ``github`` annotations, which
    always come last (after the text report under ``auto``).
    """
    if sarif_root is not None and not os.path.isdir(sarif_root):
        raise UsageError(f"--sarif-root {sarif_root}: not a directory")
    specs = list(requested or [OutputSpec("auto")])
    if output:
        free = [i for i, spec in enumerate(specs) if spec.path is None]
        if len(free) != 1:
            raise UsageError(
                "-o/--output is the file of a single format; name the others' files as FMT:FILE"
            )
        specs[free[0]] = OutputSpec(specs[free[0]].format, output)
    on_actions = env.get("GITHUB_ACTIONS") == "true"
    planned: list[OutputSpec] = []
    for spec in specs:
        if spec.format == "auto":
            planned.append(OutputSpec("text", spec.path))
            if on_actions:
                planned.append(OutputSpec("github"))
        else:
            planned.append(spec)
    planned = list(dict.fromkeys(planned))
    to_stdout = [s.format for s in planned if s.path is None and s.format != "github"]
    if len(to_stdout) > 1:
        raise UsageError(
            f"formats {', '.join(to_stdout)} would all go to standard output; "
            "give all but one a file as FMT:FILE"
        )
    seen: dict[str, str] = {}
    for spec in planned:
        if spec.path is None:
            continue
        key = os.path.normcase(os.path.abspath(spec.path))
        if key in seen:
            raise UsageError(f"{spec.path}: named for both {seen[key]} and {spec.format}")
        seen[key] = spec.format
    planned.sort(key=lambda s: s.path is None and s.format == "github")
    return tuple(planned)


def parse_shard_flag(text: str) -> tuple[int, int]:
    """``--shard K/N`` as numbers; a bad value is a usage error."""
    from sidecar_lint.shards import ShardError, parse_shard

    try:
        return parse_shard(text)
    except ShardError as exc:
        raise UsageError(str(exc)) from exc


# --------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class RunRequest:
    """Everything one lint run was asked to do, resolved once from flags and configuration.

    ``resolver`` gives each file the settings of its nearest configuration;
    its ``root`` (the working directory's) decides what is one decision per
    run: the exit threshold, the walk's excludes, the reports' header.
    """

    resolver: SettingsResolver
    paths: tuple[str, ...] = ()  # as given; none means the working directory
    stdin_name: str = "-"
    allow_empty: bool = False  # standard input without YAML content is no error
    outputs: tuple[OutputSpec, ...] = (OutputSpec("text"),)  # planned: see plan_outputs
    jobs: str | None = None  # a count, "auto" or None (auto)
    use_cache: bool = True
    cache_dir: str | None = None  # None: cache.default_cache_dir()
    shard: tuple[int, int] | None = None  # (K, N): only the K-th of N shards
    baseline: Counter[str] | None = field(default=None, compare=False)  # accepted fingerprints
    write_baseline: str | None = None
    sarif_root: str | None = None  # what repository paths are relative to
    color: str = "auto"
    quiet: bool = False
    statistics: bool = False
    fix: FixMode | None = None  # --fix (write) or --diff (compare only)
    render: str | None = None  # --render: auto, never or always (None: configuration, else auto)
    helm_values: tuple[str, ...] = ()  # --helm-values, after the configuration's helm.values

    @property
    def render_mode(self) -> str:
        """Whether kustomizations are rendered: the flag, else the configuration, else ``auto``."""
        return self.render or self.settings.loaded.config.render or "auto"

    @property
    def settings(self) -> Settings:
        """The run-wide settings (the working directory's configuration)."""
        return self.resolver.root

    @property
    def fingerprinting(self) -> bool:
        """Whether findings need repository-wide identities (a baseline is read or written)."""
        return self.baseline is not None or bool(self.write_baseline)

    def repo_paths(self) -> RepoPaths:
        return RepoPaths(self.sarif_root or repository_root())


# --------------------------------------------------------------------------- the pipeline


@dataclass
class Inputs:
    """What a run lints: its inputs, the profiles, and which profile each input takes."""

    items: list[Input]
    profiles: list[Profile]
    profile_of: list[int]
    renders: RenderPlan | None = None  # kustomizations rendered, files they cover, patches
    objects: Any = None  # the cluster objects collected from every input (ClusterObjects)

    def linter_of(self, position: int) -> Linter:
        return self.profiles[self.profile_of[position]].linter

    def rules(self) -> tuple[RuleMeta, ...]:
        """Every rule active in some profile, once, by code (the run's rules in reports)."""
        rules: dict[str, RuleMeta] = {}
        for profile in self.profiles:
            for rule in profile.settings.active:
                rules.setdefault(rule.code, rule)
        return tuple(sorted(rules.values(), key=lambda r: r.code))


def gather(request: RunRequest, err: TextIO) -> Inputs:
    """Discovery, then this shard's inputs, then each input's settings as a profile."""
    skipped: list[str] = []
    items = discover(
        request.paths or ["."],
        request.settings.excludes,
        request.stdin_name,
        skipped,
        allow_empty_stdin=request.allow_empty,
    )
    for note in skipped:  # not an error, but never silent
        say(err, note, "note")
    plan = _plan_renders(request, items, err)
    items = [item for item in items if item.is_stdin or plan.lints_raw(item.path)]
    if request.shard is not None:
        from sidecar_lint.shards import select_shard, shard_of

        items = select_shard(items, *request.shard, request.repo_paths())
        k, n = request.shard
        plan.targets = [t for t in plan.targets if shard_of(t.display, n) == k]
    inputs = _profiles(request, items, err)
    inputs.renders = plan
    return inputs


def _plan_renders(request: RunRequest, items: Sequence[Input], err: TextIO) -> RenderPlan:
    """The kustomizations this run renders (``--render always`` without a tool: exit 2)."""
    from sidecar_lint.rendering import plan_renders

    files = [item.path for item in items if not item.is_stdin and item.problem is None]
    plan = plan_renders(request.paths or ["."], files, request.render_mode)
    if plan.missing_tool is not None:
        raise UsageError(f"--render always: {plan.missing_tool}")
    for note in plan.notes:
        say(err, note, "note")
    return plan


def _profiles(request: RunRequest, items: Sequence[Input], err: TextIO) -> Inputs:
    """The settings of each input (its nearest configuration), as a few shared profiles.

    Every broken configuration file is reported at once. A file a walk found
    is dropped when its own (nested) configuration excludes it.
    """
    from sidecar_lint.parallel import Profile

    resolver = request.resolver
    named = {os.path.normpath(p) for p in request.paths}
    errors: dict[int, ConfigError] = {}
    kept: list[tuple[Input, Settings]] = []
    for item in items:
        try:
            chosen = resolver.for_path(item.path)
            if not item.is_stdin and item.path not in named and resolver.excluded(item.path):
                continue
        except ConfigError as exc:
            errors.setdefault(id(exc), exc)
            continue
        kept.append((item, chosen))
    if errors:
        raise ConfigError.combine(errors.values())
    for note in resolver.nested_notes():
        say(err, note, "warning")
    index: dict[int, int] = {}
    profiles: list[Profile] = []
    for _, chosen in kept:
        if id(chosen) not in index:
            index[id(chosen)] = len(profiles)
            profiles.append(Profile(chosen, chosen.linter(), open_cache(request, chosen)))
    if not profiles:
        profiles.append(Profile(resolver.root, resolver.root.linter()))
    profile_of = [index[id(chosen)] for _, chosen in kept]
    return Inputs([item for item, _ in kept], profiles, profile_of)


def open_cache(request: RunRequest, settings: Settings) -> Cache | None:
    """The result cache of one profile, unless the request switched caching off."""
    if not request.use_cache:
        return None
    from pathlib import Path

    from sidecar_lint.cache import Cache, default_cache_dir, run_key

    directory = Path(request.cache_dir) if request.cache_dir else default_cache_dir()
    return Cache(directory, run_key(settings))


@dataclass
class LintRun:
    """A finished lint: the result and what reports print besides it."""

    result: RunResult
    lines: dict[str, dict[int, str]]  # path -> the source lines findings start on
    objects: list[ObjectEntry]  # every Kubernetes object linted, for JUnit
    rules: tuple[RuleMeta, ...]  # every rule active somewhere in the run
    identity: Callable[[Finding], str] | None = None  # repository-wide fingerprints
    notes: list[str] = field(default_factory=list)  # named files that are not manifests
    fixes: FixedFiles = field(default_factory=lambda: FixedFiles())


@dataclass
class FixedFiles:
    """What ``--fix`` (or ``--diff``) made of the run's files."""

    applied: int = 0  # fixes applied, over all files
    contents: list[tuple[str, bytes, bool]] = field(default_factory=list)  # path, text, stdin
    diffs: list[str] = field(default_factory=list)  # --diff: one unified diff per file
    notes: list[str] = field(default_factory=list)  # fixes that were not applied, and why


def lint(
    request: RunRequest, inputs: Inputs, progress: Callable[[int], None] | None = None
) -> LintRun:
    """Lint every input (cached, on several cores when worth it), then apply the baseline.

    ``progress`` is told how many files are done after each one.
    """
    from sidecar_lint.parallel import lint_inputs, tune_gc

    tune_gc()
    use_cluster_objects(inputs, request.settings)
    result = RunResult()
    found: list[Finding] = []
    lines: dict[str, dict[int, str]] = {}
    objects: list[ObjectEntry] = []
    summary = Summary()
    notes: list[str] = []
    fixes = FixedFiles()
    reports = lint_inputs(
        inputs.items, inputs.profiles, inputs.profile_of, request.jobs, request.fix
    )
    plan = inputs.renders
    for done, (item, report) in enumerate(zip(inputs.items, reports, strict=True), 1):
        if progress is not None:
            progress(done)
        if report.error is not None:
            result.errors.append(report.error)
            continue
        if report.note is not None and not item.walked:  # a walk passes over it silently
            notes.append(f"{report.path}: {report.note}")
        if plan is not None and plan.is_partial(report.path):
            from sidecar_lint.rendering import partial_findings

            report.findings = partial_findings(report.findings)
        if report.helm_text is not None and plan is not None and plan.mode != "never":
            _map_helm_stdin(report, lines, request)
        fixes.applied += report.applied
        fixes.notes.extend(report.fix_notes)
        if report.fixed is not None:
            fixes.contents.append((report.path, report.fixed, item.is_stdin))
        if report.diff:
            fixes.diffs.append(report.diff)
        found.extend(report.findings)
        if report.lines:
            lines[report.path] = report.lines
        objects.extend(ObjectEntry(report.path, i, ref) for i, ref in report.objects)
        s = report.summary
        summary.files += s.files
        summary.documents += s.documents
        summary.objects += s.objects
        summary.workloads += s.workloads
    for profile in inputs.profiles:
        if profile.cache is not None:
            profile.cache.save()
    if plan is not None and plan.targets:
        rendered = _lint_renders(request, inputs, plan)
        for merged in rendered[0]:
            found.extend(merged.findings)
            if merged.lines:
                lines.setdefault(merged.path, {}).update(merged.lines)
            objects.extend(ObjectEntry(merged.path, i, ref) for i, ref in merged.objects)
        summary.files += rendered[1].files
        summary.documents += rendered[1].documents
        summary.objects += rendered[1].objects
        summary.workloads += rendered[1].workloads
    found.sort(key=Finding.sort_key)
    identity = repo_identity(request.repo_paths()) if request.fingerprinting else None
    if request.baseline is not None and identity is not None:
        found = apply_baseline(found, request.baseline, identity)
    result.findings = [f for f in found if f.suppression is None]
    result.suppressed = [f for f in found if f.suppression is not None]
    summary.suppressed = len(result.suppressed)
    result.summary = summary
    return LintRun(result, lines, objects, inputs.rules(), identity, notes, fixes)


def use_cluster_objects(inputs: Inputs, settings: Settings) -> None:
    """Collect the run's Namespaces, Services and SidecarSets before any file is linted.

    Every profile's linter sees them, and every cached result is tied to them. Services
    are collected only when an active rule reads them.
    """
    from sidecar_lint.cluster_scan import collect_objects

    sources = list(inputs.items)
    if inputs.renders is not None:  # what renders read is linted through them, but counts here
        sources += [Input(path) for path in inputs.renders.object_sources()]
    services = any(profile.linter.needs_services for profile in inputs.profiles)
    objects = collect_objects(sources, settings.limits, services)
    inputs.objects = objects
    digest = objects.digest()
    for profile in inputs.profiles:
        profile.linter.use_objects(objects)
        if profile.cache is not None:
            profile.cache.context = digest


def _lint_renders(
    request: RunRequest, inputs: Inputs, plan: RenderPlan
) -> tuple[list[Any], Summary]:
    """Render the plan's targets (as many at once as ``--jobs``), lint and merge them."""
    from pathlib import Path

    from sidecar_lint.cache import default_cache_dir
    from sidecar_lint.parallel import available_cores
    from sidecar_lint.rendering import merge, render_all

    linters: dict[int, Linter] = {id(p.settings): p.linter for p in inputs.profiles}

    def linter_for(target: Any) -> tuple[Linter, str, Any]:
        settings = request.resolver.for_path(str(target.file))
        linter = linters.get(id(settings))
        if linter is None:
            linter = linters[id(settings)] = settings.linter()
            if inputs.objects is not None:
                linter.use_objects(inputs.objects)
        return linter, settings.match_path(str(target.file)), settings.limits

    jobs = available_cores() if request.jobs in (None, "auto") else int(request.jobs)
    cache_dir = None
    if request.use_cache:
        cache_dir = Path(request.cache_dir) if request.cache_dir else default_cache_dir()
    from sidecar_lint.rendering import DEFAULT_TIMEOUT

    timeout = request.settings.loaded.config.render_timeout or DEFAULT_TIMEOUT
    reports = render_all(plan, linter_for, jobs, cache_dir, timeout, _helm_options(request))
    return merge(reports, plan)


def _map_helm_stdin(report: Any, lines: dict[str, dict[int, str]], request: RunRequest) -> None:
    """Piped ``helm template`` output: findings moved to the chart templates found here."""
    from pathlib import Path

    from sidecar_lint.rendering import map_helm_stream
    from sidecar_lint.rendering.plan import Paths

    paths = Paths(Path.cwd().resolve(), absolute=False)
    moved, texts = map_helm_stream(
        report.helm_text, report.findings, request.settings.limits, paths
    )
    report.findings = [f for f in moved if f.path == report.path]
    report.summary.files += len({f.path for f in moved} - {report.path})
    for finding in moved:
        if finding.path != report.path:
            report.findings.append(finding)
            text = texts.get(finding.path, [])
            n = finding.span.start_line
            lines.setdefault(finding.path, {})[n] = text[n - 1] if 0 < n <= len(text) else ""


def _helm_options(request: RunRequest) -> Any:
    """Value files, release and namespace for ``helm template`` (configuration, then flags)."""
    from pathlib import Path

    from sidecar_lint.rendering import HelmOptions

    loaded = request.settings.loaded
    helm = loaded.config.helm
    values = [(loaded.base_dir / v).resolve() for v in helm.values]
    values += [Path(v).resolve() for v in request.helm_values]
    return HelmOptions(tuple(values), helm.release_name, helm.namespace)


def repo_identity(paths: RepoPaths) -> Callable[[Finding], str]:
    """Fingerprints over repository-relative paths, so a baseline works from any directory."""

    def identity(finding: Finding) -> str:
        rel = paths.relative(finding.path)
        return replace(finding, path=rel if rel is not None else finding.path).fingerprint

    return identity


def write_baseline(request: RunRequest, run: LintRun, err: TextIO) -> list[str]:
    """Record the run's findings in ``--write-baseline``'s file; what could not be written."""
    target = request.write_baseline
    if not target or run.identity is None:
        return []
    try:
        write_atomic(target, render_baseline(run.result.findings, run.identity))
    except OSError as exc:
        return [cannot_write(target, exc)]
    say(err, f"wrote {len(run.result.findings)} finding(s) to {target}")
    return []


def write_fixes(run: LintRun, out: TextIO, err: TextIO) -> list[str]:
    """Write each fixed file back (atomically); standard input's text goes to ``out``.

    Returns what could not be written, one line each; the other files are
    written all the same.
    """
    from sidecar_lint.output import write_bytes_atomic

    failed: list[str] = []
    for note in run.fixes.notes:
        say(err, note, "note")
    for path, content, is_stdin in run.fixes.contents:
        if is_stdin:
            out.flush()
            buffer = getattr(out, "buffer", None)
            if buffer is not None:
                buffer.write(content)
                buffer.flush()
            else:
                out.write(content.decode("utf-8", "surrogateescape"))
            continue
        try:
            write_bytes_atomic(path, content)
        except OSError as exc:
            failed.append(cannot_write(path, exc))
    return failed


def exit_code(request: RunRequest, result: RunResult) -> int:
    """2 for unread paths; else 1 for a finding at or above failOn (never when recording)."""
    if result.errors:
        return EXIT_ERROR
    fail_on = request.settings.fail_on
    if request.write_baseline or fail_on == "none":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    return EXIT_FINDINGS if any(f.severity.rank >= threshold for f in result.findings) else EXIT_OK
