"""Command line: ``sidecar-lint [OPTIONS] [PATH...]``.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 a usage, configuration or internal error, a path that does not exist, a
file that could not be read or standard input without content (every report
is still written), or a report that could not be written.

A path that could not be read is one line on standard error when the text
report goes to standard output (which then only counts them in its summary
line); machine-readable reports record such paths themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sidecar_lint import PROJECT_URL, __version__
from sidecar_lint.baseline import BaselineError, apply_baseline, load_baseline, render_baseline
from sidecar_lint.catalogue import CatalogueError, find_rule
from sidecar_lint.config import ConfigError
from sidecar_lint.discovery import DiscoveryError, Input, discover
from sidecar_lint.engine import Linter
from sidecar_lint.feature_gates import FEATURE_GATES, parse_feature_gates
from sidecar_lint.findings import Finding, Severity
from sidecar_lint.loader import DEFAULT_LIMITS, Limits, LoadedSource, load_bytes
from sidecar_lint.output import cannot_write, escape_surrogates, write_atomic
from sidecar_lint.paths import RepoPaths, repository_root
from sidecar_lint.report_context import ReportContext, Repository, TextOptions, blob_base
from sidecar_lint.reporters import FORMATS as REPORT_FORMATS
from sidecar_lint.reporters import location_warning_name, reporter
from sidecar_lint.results import ObjectEntry, RuleHelp, RuleInfo, RunResult, Summary
from sidecar_lint.settings import FlagValues, Settings, SettingsResolver
from sidecar_lint.versions import DEFAULT_KUBERNETES_VERSION

if TYPE_CHECKING:
    from sidecar_lint.cache import Cache
    from sidecar_lint.catalogue import RuleMeta
    from sidecar_lint.document import ObjectRef
    from sidecar_lint.parallel import Profile

#: A linted Kubernetes object: file, document index, identity (what JUnit lists).
ObjectSeen = tuple[str, int, "ObjectRef"]

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("error", "warning", "note", "none")


def format_names() -> tuple[str, ...]:
    """``auto`` (text, plus github annotations under GitHub Actions) and every report format."""
    return ("auto", *REPORT_FORMATS)


class UsageError(Exception):
    """A problem with how the tool was called (exit 2, one line on stderr)."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sidecar-lint",
        description="Lint Kubernetes manifests for sidecar mistakes and invalid fields.",
        epilog="Exit status: 0 clean, 1 findings at or above --fail-on, 2 a usage error, a path "
        "that does not exist, a file that cannot be read, empty standard input (see "
        "--allow-empty) or a report that cannot be written.",
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories (default: .); - for stdin"
    )
    p.add_argument(
        "-f",
        "--format",
        action="append",
        type=output_spec,
        metavar="FMT[:FILE]",
        help=f"output format, one of {', '.join(format_names())} (default: auto = text, plus "
        "github annotations under GitHub Actions); :FILE writes it to FILE; repeat for several "
        "outputs from one run",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the one format given without :FILE to FILE (atomically) instead of stdout",
    )
    p.add_argument(
        "--sarif-root",
        metavar="DIR",
        help="directory that SARIF URIs, annotation paths and summary links are relative to "
        "(default: the git top-level of the working directory, else the working directory)",
    )
    p.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULES",
        help="only these rules: codes, names or prefixes such as SL2 (comma-separated, repeatable)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULES",
        help="skip these rules (same forms as --select)",
    )
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest severity that makes the exit status 1 (default: warning)",
    )
    p.add_argument(
        "--kubernetes-version",
        default=None,
        metavar="X.Y",
        help=f"target Kubernetes minor version (default: {DEFAULT_KUBERNETES_VERSION})",
    )
    p.add_argument(
        "--feature-gates",
        action="append",
        default=[],
        metavar="NAME=BOOL,...",
        help="feature gates the target cluster sets, as kube-apiserver takes them, e.g. "
        "SidecarContainers=true (repeatable; a later value wins; known: "
        f"{', '.join(sorted(FEATURE_GATES))}); unset gates take the version's default",
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: .sidecar-lint.yaml or pyproject.toml "
        "[tool.sidecar-lint], searched upwards to the repository root)",
    )
    p.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    p.add_argument(
        "--show-config",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="print the effective configuration and exit; with FILE, the configuration that "
        "applies to FILE (each file takes the nearest configuration file above it)",
    )
    p.add_argument(
        "--baseline", metavar="FILE", help="report only findings that FILE does not record"
    )
    p.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record every current finding in FILE (then only new ones fail with --baseline)",
    )
    p.add_argument(
        "--report-unused-ignores",
        action="store_true",
        help="report suppression comments and annotations that suppress nothing (SL002)",
    )
    p.add_argument(
        "--max-file-size",
        type=_positive,
        default=DEFAULT_LIMITS.max_file_bytes,
        metavar="BYTES",
        help=f"skip (and report) larger files (default: {DEFAULT_LIMITS.max_file_bytes})",
    )
    p.add_argument(
        "--max-documents",
        type=_positive,
        default=DEFAULT_LIMITS.max_documents,
        metavar="N",
        help=f"documents read per file (default: {DEFAULT_LIMITS.max_documents})",
    )
    p.add_argument(
        "--max-depth",
        type=_positive,
        default=DEFAULT_LIMITS.max_depth,
        metavar="N",
        help=(
            f"nesting depth read per document (default: {DEFAULT_LIMITS.max_depth}; "
            "10,000 at most, whatever N is)"
        ),
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip paths matching GLOB during directory walks (repeatable)",
    )
    p.add_argument(
        "--stdin-filename",
        default="-",
        metavar="NAME",
        help="name to report for input read from stdin",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="accept standard input without any YAML content (nothing but whitespace, "
        "comments and --- markers), which is otherwise an error (exit 2): a failed "
        "`helm template` piped in without pipefail looks just like that",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help="lint on N processes; auto (the default) uses every core when there are many files",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the result cache",
    )
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where to keep results of unchanged files (default: $SIDECAR_LINT_CACHE_DIR, "
        "else $XDG_CACHE_HOME/sidecar-lint or ~/.cache/sidecar-lint; safe to delete)",
    )
    p.add_argument(
        "--shard",
        metavar="K/N",
        help="lint only the K-th of N shards of the files (split by a stable hash of the "
        "repository-relative path; merge the shards' SARIF logs with --merge-sarif)",
    )
    p.add_argument(
        "--merge-sarif",
        metavar="OUT",
        help="merge the SARIF logs given as PATHs into one log written to OUT (- for stdout), "
        "then exit",
    )
    p.add_argument("--list-rules", action="store_true", help="list every rule and exit")
    p.add_argument("--explain", metavar="CODE", help="explain one rule (code or name) and exit")
    p.add_argument(
        "--show-roles",
        action="store_true",
        help="print each workload's containers with their role and the reasons, then exit",
    )
    p.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour text output"
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no source snippets; no summary when clean"
    )
    p.add_argument(
        "--statistics", action="store_true", help="print counts per rule instead of each finding"
    )
    p.add_argument("--version", action="version", version=f"sidecar-lint {__version__}")
    return p


def _jobs(text: str) -> str:
    if text.strip().lower() == "auto":
        return "auto"
    return str(_positive(text))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sidecar-lint`` command."""
    args = build_parser().parse_args(argv)
    try:
        return run(args, sys.stdout, sys.stderr)
    except ConfigError as err:  # every problem at once, one line each
        for line in err.lines:
            print(f"sidecar-lint: error: {escape_surrogates(line)}", file=sys.stderr)
        return EXIT_ERROR
    except (
        UsageError,
        CatalogueError,
        DiscoveryError,
        BaselineError,
    ) as err:
        print(f"sidecar-lint: error: {escape_surrogates(str(err))}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. `sidecar-lint . | head`
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    merge_out = getattr(args, "merge_sarif", None)
    if merge_out:
        from sidecar_lint.shards import ShardError, merge_files

        if not args.paths:
            raise UsageError("--merge-sarif OUT needs the SARIF logs to merge as arguments")
        try:
            count = merge_files(merge_out, args.paths)
        except ShardError as exc:
            raise UsageError(str(exc)) from exc
        except OSError as exc:  # the merged log could not be written
            raise UsageError(cannot_write(merge_out, exc)) from exc
        if merge_out != "-":
            err.write(
                f"sidecar-lint: merged {len(args.paths)} log(s), {count} result(s), into "
                f"{merge_out}\n"
            )
        return EXIT_OK
    resolver = SettingsResolver(args.config, args.isolated, _flags(args))
    settings = resolver.root  # run-wide: failOn, the walk's excludes, the reports' header
    for note in settings.deprecations():
        err.write(f"sidecar-lint: warning: {escape_surrogates(note)}\n")
    rules = settings.all_rules
    if args.list_rules:
        from sidecar_lint.rule_docs import rules_listing

        out.write(rules_listing(rules))
        return EXIT_OK
    if args.explain:
        from sidecar_lint.rule_docs import explain

        rule = find_rule(rules, args.explain)
        if rule is None:
            raise UsageError(f"no rule {args.explain!r}; see --list-rules")
        out.write(explain(rule))
        return EXIT_OK
    show = getattr(args, "show_config", None)
    if show is not None and show is not False:
        shown = settings.describe()
        if show:  # the configuration that applies to one file
            shown = {"file": show, **resolver.for_path(show).describe()}
        out.write(json.dumps(shown, indent=2) + "\n")
        return EXIT_OK
    version = settings.kubernetes_version
    outputs = plan_outputs(args, os.environ)
    accepted = load_baseline(Path(args.baseline)) if args.baseline else None
    shard = _shard(args.shard) if getattr(args, "shard", None) else None
    skipped: list[str] = []
    inputs = discover(
        args.paths or ["."],
        settings.excludes,
        args.stdin_filename,
        skipped,
        allow_empty_stdin=getattr(args, "allow_empty", False),
    )
    for note in skipped:  # not an error, but never silent
        err.write(f"sidecar-lint: note: {escape_surrogates(note)}\n")
    if shard is not None:
        from sidecar_lint.shards import select_shard

        inputs = select_shard(inputs, *shard, RepoPaths(args.sarif_root or repository_root()))
    inputs, profiles, profile_of = _profiles(args, inputs, resolver, err)
    if args.show_roles:
        linters = [p.linter for p in profiles]
        return _show_roles(
            inputs, lambda i: linters[profile_of[i]], args, out, err, settings.limits
        )
    result = RunResult()
    found, lines, objects = _lint_all(args, inputs, profiles, profile_of, result)
    found.sort(key=Finding.sort_key)
    identity = _repo_identity(args) if args.baseline or args.write_baseline else None
    if accepted is not None and identity is not None:
        found = apply_baseline(found, accepted, identity)
    result.findings = [f for f in found if f.suppression is None]
    result.suppressed = [f for f in found if f.suppression is not None]
    result.summary.suppressed = len(result.suppressed)
    unwritten: list[str] = []
    if args.write_baseline and identity is not None:
        try:
            write_atomic(args.write_baseline, render_baseline(result.findings, identity))
        except OSError as exc:
            unwritten.append(cannot_write(args.write_baseline, exc))
        else:
            err.write(
                f"sidecar-lint: wrote {len(result.findings)} finding(s) to "
                f"{escape_surrogates(args.write_baseline)}\n"
            )
    if any(spec.format == "text" and spec.path is None for spec in outputs):
        for message in result.errors:  # the text report on stdout only counts them
            err.write(f"sidecar-lint: {escape_surrogates(message)}\n")
    rules, gates = _union_rules(profiles), settings.effective_gates()
    ctx = _RenderContext(result, args, str(version), lines, objects, out, rules, gates)
    unwritten += _write_outputs(outputs, ctx)
    for warning in _location_warnings(outputs, ctx):  # once per cause, whatever the formats
        err.write(f"sidecar-lint: warning: {escape_surrogates(warning)}\n")
    if unwritten:  # each file was written whole or not at all; the others are in place
        for message in unwritten:
            err.write(f"sidecar-lint: error: {escape_surrogates(message)}\n")
        return EXIT_ERROR
    if args.write_baseline:
        return EXIT_ERROR if result.errors else EXIT_OK
    return _exit_code(result, settings.fail_on)


def _shard(text: str) -> tuple[int, int]:
    from sidecar_lint.shards import ShardError, parse_shard

    try:
        return parse_shard(text)
    except ShardError as exc:
        raise UsageError(str(exc)) from exc


def _profiles(
    args: argparse.Namespace, inputs: Sequence[Input], resolver: SettingsResolver, err: TextIO
) -> tuple[list[Input], list[Profile], list[int]]:
    """The settings of each input (its nearest configuration), as a few shared profiles.

    Every broken configuration file is reported at once. A file a walk found
    is dropped when its own (nested) configuration excludes it.
    """
    from sidecar_lint.parallel import Profile

    named = {os.path.normpath(p) for p in args.paths or []}
    errors: dict[int, ConfigError] = {}
    kept: list[tuple[Input, Settings]] = []
    for item in inputs:
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
        err.write(f"sidecar-lint: warning: {escape_surrogates(note)}\n")
    index: dict[int, int] = {}
    profiles: list[Profile] = []
    profile_of: list[int] = []
    for _, chosen in kept:
        if id(chosen) not in index:
            index[id(chosen)] = len(profiles)
            profiles.append(Profile(chosen, chosen.linter(), _open_cache(args, chosen)))
    if not profiles:
        profiles.append(Profile(resolver.root, resolver.root.linter()))
    profile_of = [index[id(chosen)] for _, chosen in kept]
    return [item for item, _ in kept], profiles, profile_of


def _union_rules(profiles: Sequence[Profile]) -> tuple[RuleMeta, ...]:
    """Every rule active in some profile, once, by code (what reports list as the run's rules)."""
    rules: dict[str, RuleMeta] = {}
    for profile in profiles:
        for rule in profile.settings.active:
            rules.setdefault(rule.code, rule)
    return tuple(sorted(rules.values(), key=lambda r: r.code))


def _lint_all(
    args: argparse.Namespace,
    inputs: Sequence[Input],
    profiles: Sequence[Profile],
    profile_of: Sequence[int],
    result: RunResult,
) -> tuple[list[Finding], dict[str, dict[int, str]], list[ObjectSeen]]:
    """Lint every input (cached, on several cores when worth it), keeping only reports."""
    from sidecar_lint.parallel import lint_inputs, tune_gc

    tune_gc()
    found: list[Finding] = []
    lines: dict[str, dict[int, str]] = {}
    objects: list[ObjectSeen] = []
    summary = Summary()
    jobs = getattr(args, "jobs", None)
    for report in lint_inputs(inputs, profiles, profile_of, jobs):
        if report.error is not None:
            result.errors.append(report.error)
            continue
        found.extend(report.findings)
        if report.lines:
            lines[report.path] = report.lines
        objects.extend((report.path, i, ref) for i, ref in report.objects)
        s = report.summary
        summary.files += s.files
        summary.documents += s.documents
        summary.objects += s.objects
        summary.workloads += s.workloads
    for profile in profiles:
        if profile.cache is not None:
            profile.cache.save()
    result.summary = summary
    return found, lines, objects


def _open_cache(args: argparse.Namespace, settings: Settings) -> Cache | None:
    if getattr(args, "no_cache", False):
        return None
    from sidecar_lint.cache import Cache, default_cache_dir, run_key

    directory = Path(args.cache_dir) if getattr(args, "cache_dir", None) else default_cache_dir()
    return Cache(directory, run_key(settings))


def _flags(args: argparse.Namespace) -> FlagValues:
    return FlagValues(
        kubernetes_version=args.kubernetes_version,
        feature_gates=_gate_flags(getattr(args, "feature_gates", None) or []),
        fail_on=args.fail_on,
        select=tuple(_split(args.select)),
        ignore=tuple(_split(args.ignore)),
        exclude=tuple(args.exclude),
        report_unused_ignores=args.report_unused_ignores,
        limits=Limits(args.max_file_size, args.max_documents, args.max_depth),
    )


def _gate_flags(values: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """``--feature-gates`` values, checked for syntax and gate names (a usage error)."""
    try:
        return tuple(parse_feature_gates(values).items())
    except ValueError as exc:
        raise UsageError(f"--feature-gates: {exc}") from exc


def _repo_identity(args: argparse.Namespace) -> Callable[[Finding], str]:
    """Fingerprints over repository-relative paths, so a baseline works from any directory."""
    paths = RepoPaths(args.sarif_root or repository_root())

    def identity(finding: Finding) -> str:
        rel = paths.relative(finding.path)
        return replace(finding, path=rel if rel is not None else finding.path).fingerprint

    return identity


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _read(item: Input, errors: list[str], limits: Limits = DEFAULT_LIMITS) -> LoadedSource | None:
    """Read one input; an unreadable file is recorded (exit 2), never silently skipped."""
    known = item.unreadable()
    if known is not None:
        errors.append(known)
        return None
    try:
        if item.is_stdin:
            raw = sys.stdin.buffer.read()
            empty = item.content_problem(raw)
            if empty is not None:
                errors.append(empty)
                return None
        else:
            with open(item.path, "rb") as handle:
                raw = handle.read()
    except OSError as exc:
        errors.append(f"{item.path}: cannot read: {exc.strerror or exc}")
        return None
    return load_bytes(item.path, raw, limits)


@dataclass(frozen=True)
class OutputSpec:
    """One requested output: a format and its file (None: standard output)."""

    format: str
    path: str | None = None


def output_spec(text: str) -> OutputSpec:
    """Parse ``FMT`` or ``FMT:FILE`` (``FMT:-`` is standard output) for ``--format``."""
    name, sep, path = text.partition(":")
    fmt = name.strip().lower()
    names = format_names()
    if fmt not in names:
        raise argparse.ArgumentTypeError(
            f"unknown format {name!r}; choose from {', '.join(names)} (optionally FMT:FILE)"
        )
    if sep and not path:
        raise argparse.ArgumentTypeError(f"{text!r}: a file name must follow the colon")
    return OutputSpec(fmt, None if not sep or path == "-" else path)


def requested_outputs(args: argparse.Namespace) -> list[OutputSpec]:
    """``--format`` values as given (``auto`` when there are none)."""
    raw = args.format
    if isinstance(raw, str):  # a Namespace built by hand with a single format
        return [output_spec(raw)]
    return list(raw or [OutputSpec("auto")])


def plan_outputs(args: argparse.Namespace, env: Mapping[str, str]) -> list[OutputSpec]:
    """Resolve ``auto`` and ``-o``; reject plans that would mix or overwrite outputs.

    Standard output takes at most one report plus ``github`` annotations, which
    always come last (after the text report under ``auto``).
    """
    root = getattr(args, "sarif_root", None)
    if root is not None and not os.path.isdir(root):
        raise UsageError(f"--sarif-root {root}: not a directory")
    specs = requested_outputs(args)
    if args.output:
        free = [i for i, spec in enumerate(specs) if spec.path is None]
        if len(free) != 1:
            raise UsageError(
                "-o/--output is the file of a single format; name the others' files as FMT:FILE"
            )
        specs[free[0]] = OutputSpec(specs[free[0]].format, args.output)
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
    return planned


@dataclass
class _RenderContext:
    """What one run hands its reports; :meth:`report_context` is what reporters see."""

    result: RunResult
    args: argparse.Namespace
    version: str
    lines: dict[str, dict[int, str]]  # path -> the source lines findings start on
    objects: list[ObjectSeen]  # every Kubernetes object linted, for JUnit
    out: TextIO
    rules: Sequence[RuleMeta] = ()  # every rule active somewhere in the run
    feature_gates: Mapping[str, bool] = field(default_factory=dict)  # effective

    @cached_property
    def repository(self) -> Repository:
        """Shared by every report, so git is asked for the root at most once."""
        return Repository(getattr(self.args, "sarif_root", None))

    def report_context(self, outputs: Sequence[OutputSpec]) -> ReportContext:
        """The run as every reporter sees it (text options are set per output)."""
        annotating = any(spec.format == "github" for spec in outputs)
        changes = None
        if annotating and os.environ.get("GITHUB_BASE_REF"):  # annotation order in a PR
            from sidecar_lint.changes import pull_request_changes

            changes = pull_request_changes(os.environ, self.repository.paths)
        return ReportContext(
            repository=self.repository,
            kubernetes_version=self.version,
            feature_gates=dict(self.feature_gates),
            rules=rule_infos(self.rules),
            rule_help=RuleHelpLookup(self.rules),
            objects=tuple(ObjectEntry(path, index, ref) for path, index, ref in self.objects),
            lines=self.lines,
            blob_url=blob_base(os.environ),
            changes=changes,
            annotating=annotating,
        )

    def text_options(self, spec: OutputSpec) -> TextOptions:
        """How the text report looks where ``spec`` writes it."""
        to_stdout = spec.path is None
        return TextOptions(
            color=to_stdout and _use_color(self.args.color, self.out),
            quiet=self.args.quiet,
            statistics=self.args.statistics,
            list_errors=not to_stdout,  # on stdout they went to stderr instead
            guard_commands=to_stdout and os.environ.get("GITHUB_ACTIONS") == "true",
        )


def rule_infos(rules: Sequence[RuleMeta]) -> tuple[RuleInfo, ...]:
    """What reports print about each rule, copied from the catalogue."""
    return tuple(
        RuleInfo(r.code, r.name, r.severity, r.title, r.rationale, r.tags, rule_help_uri(r))
        for r in rules
    )


def rule_help_uri(rule: RuleMeta) -> str | None:
    """Where a rule is documented: its section of docs/rules.md for a built-in rule.

    The section's anchor is GitHub's heading slug (``sl101-unknown-field``). A
    team's own rule (any prefix but ``SL``) links to its first web reference,
    if it has one.
    """
    if rule.code.startswith("SL"):
        anchor = f"{rule.code}-{rule.name}".lower()
        return f"{PROJECT_URL}/blob/main/docs/rules.md#{anchor}"
    return next((r for r in rule.references if r.startswith(("https://", "http://"))), None)


class RuleHelpLookup(Mapping[str, RuleHelp]):
    """Each rule's full help by code, rendered on first lookup (only SARIF embeds it)."""

    def __init__(self, rules: Sequence[RuleMeta]) -> None:
        self._rules = {rule.code: rule for rule in rules}
        self._done: dict[str, RuleHelp] = {}

    def __getitem__(self, code: str) -> RuleHelp:
        if code not in self._done:
            from sidecar_lint.rule_docs import explain, explain_markdown

            rule = self._rules[code]
            self._done[code] = RuleHelp(explain(rule), explain_markdown(rule))
        return self._done[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


def _location_warnings(outputs: Sequence[OutputSpec], ctx: _RenderContext) -> list[str]:
    """Results of reports (SARIF, GitLab) that cannot be placed on a repository file."""
    formats = dict.fromkeys(spec.format for spec in outputs)
    reports = [name for name in map(location_warning_name, formats) if name is not None]
    if not reports:
        return []
    from sidecar_lint.reporters.sarif import location_warnings

    found = [*ctx.result.findings, *ctx.result.suppressed]
    return location_warnings(found, ctx.repository.paths, " and ".join(reports))


def _write_outputs(outputs: Sequence[OutputSpec], ctx: _RenderContext) -> list[str]:
    """Render every output first, then write files atomically, then standard output.

    A file that cannot be written does not stop the others; the reasons are
    returned, one line each (the run then exits 2).
    """
    from sidecar_lint import output  # looked up at call time, so tests can watch the writes

    context = ctx.report_context(outputs)
    rendered = [
        (spec, _render(spec, ctx.result, replace(context, text=ctx.text_options(spec))))
        for spec in outputs
    ]
    unwritten: list[str] = []
    for spec, text in rendered:
        if spec.path is not None:
            try:
                output.write_atomic(spec.path, text)
            except OSError as exc:
                unwritten.append(cannot_write(spec.path, exc))
    for spec, text in rendered:
        if spec.path is None:
            ctx.out.write(escape_surrogates(text))  # as in a file, whatever stdout's encoder
    return unwritten


def _render(spec: OutputSpec, result: RunResult, context: ReportContext) -> str:
    """One output, by its format's reporter (imported only now: see reporters.FORMATS)."""
    return reporter(spec.format).render(result, context)


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def _exit_code(result: RunResult, fail_on: str) -> int:
    if result.errors:
        return EXIT_ERROR
    if fail_on == "none":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    return EXIT_FINDINGS if any(f.severity.rank >= threshold for f in result.findings) else EXIT_OK


def _show_roles(
    inputs: Sequence[Input],
    linter_of: Callable[[int], Linter],
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    limits: Limits = DEFAULT_LIMITS,
) -> int:
    from sidecar_lint.pointers import format_pointer
    from sidecar_lint.loader import iter_documents
    from sidecar_lint.workload import iter_workloads

    errors: list[str] = []
    report: list[dict[str, object]] = []
    for position, item in enumerate(inputs):
        loaded = _read(item, errors, limits)
        if loaded is None:
            continue
        linter = linter_of(position)
        for doc in iter_documents(loaded):
            for w in iter_workloads(doc, linter.kinds, linter.classifier):
                span, _ = doc.locate(w.template_pointer)
                report.append(
                    {
                        "file": doc.source.path,
                        "line": span.start_line,
                        "object": w.ref.display(),
                        "podTemplate": format_pointer(w.template_pointer) or "(the Pod itself)",
                        "runsToCompletion": w.runs_to_completion,
                        "containers": [
                            {
                                "list": c.list_key,
                                "index": c.index,
                                "name": c.name,
                                "role": c.role.value,
                                "sidecarKind": c.sidecar_kind,
                                "reasons": list(c.reasons),
                            }
                            for c in w.containers
                        ],
                    }
                )
    lines: list[str] = []
    if any(spec.format == "json" for spec in requested_outputs(args)):
        lines.append(json.dumps(report, indent=2))
    else:
        for entry in report:
            lines.append(
                f"{entry['file']}:{entry['line']}: {entry['object']} "
                f"(pod template: {entry['podTemplate']})"
            )
            for c in entry["containers"]:  # type: ignore[attr-defined]
                where = f"{c['list']}[{c['index']}]"
                kind = f" ({c['sidecarKind']})" if c["sidecarKind"] else ""
                lines.append(f"  {where:<18} {c['name']:<24} {c['role']}{kind}")
                lines.extend(f"  {'':<18} {'':<24}   - {reason}" for reason in c["reasons"])
    out.write("".join(escape_surrogates(line) + "\n" for line in lines))
    for message in errors:
        err.write(f"sidecar-lint: error: {escape_surrogates(message)}\n")
    return EXIT_ERROR if errors else EXIT_OK
