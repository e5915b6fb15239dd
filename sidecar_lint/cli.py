"""Command line: ``sidecar-lint [OPTIONS] [PATH...]``.

This module parses the flags, turns them into a :class:`~sidecar_lint.run.RunRequest`,
answers the one-shot modes (``--list-rules``, ``--explain``, ``--show-config``,
``--show-roles``, ``--merge-sarif``) and prints; the run itself is
:mod:`sidecar_lint.run`, the reports :mod:`sidecar_lint.report_writer`.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 a usage, configuration or internal error, a path that does not exist, a
file that could not be read or standard input without content (every report
is still written), or a report that could not be written.

A path that could not be read is one line on standard error, whatever the
reports; every report records it too (the text report on standard output
only counts such paths in its summary line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from sidecar_lint.autofix import FixMode
from sidecar_lint.baseline import BaselineError, load_baseline
from sidecar_lint.cli_parser import build_parser, format_names
from sidecar_lint.config import ConfigError
from sidecar_lint.discovery import DiscoveryError
from sidecar_lint.feature_gates import parse_feature_gates
from sidecar_lint.loading import Limits
from sidecar_lint.output import cannot_write, escape_surrogates
from sidecar_lint.rule_catalogue import CatalogueError, find_rule
from sidecar_lint.run import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    Inputs,
    LintRun,
    RunRequest,
    UsageError,
    exit_code,
    gather,
    lint,
    parse_shard_flag,
    plan_outputs,
    say,
    write_baseline,
    write_fixes,
)
from sidecar_lint.settings import FlagValues, SettingsResolver

__all__ = ["build_parser", "format_names", "main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sidecar-lint`` command."""
    args = build_parser().parse_args(argv)
    try:
        return run(args, sys.stdout, sys.stderr)
    except ConfigError as err:  # every problem at once, one line each
        for line in err.lines:
            say(sys.stderr, line, "error")
        return EXIT_ERROR
    except (UsageError, CatalogueError, DiscoveryError, BaselineError) as err:
        say(sys.stderr, str(err), "error")
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. `sidecar-lint . | head`
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """One invocation: a one-shot mode, or a lint run and its reports."""
    if args.merge_sarif:
        return _merge_sarif(args.merge_sarif, args.paths, err)
    resolver = SettingsResolver(args.config, args.isolated, _flags(args))
    settings = resolver.root  # run-wide: failOn, the walk's excludes, the reports' header
    for note in settings.deprecations():
        say(err, note, "warning")
    if args.list_rules:
        from sidecar_lint.rule_docs import rules_listing

        out.write(rules_listing(settings.all_rules))
        return EXIT_OK
    if args.explain:
        from sidecar_lint.rule_docs import explain

        rule = find_rule(settings.all_rules, args.explain)
        if rule is None:
            raise UsageError(f"no rule {args.explain!r}; see --list-rules")
        out.write(explain(rule))
        return EXIT_OK
    if args.show_config is not None:
        shown = settings.describe()
        if args.show_config:  # the configuration that applies to one file
            shown = {"file": args.show_config, **resolver.for_path(args.show_config).describe()}
        out.write(json.dumps(shown, indent=2) + "\n")
        return EXIT_OK
    request = _request(args, resolver)
    inputs = gather(request, err)
    if args.show_roles:
        from sidecar_lint.roles_report import show_roles

        as_json = any(spec.format == "json" for spec in request.outputs)
        as_markdown = any(spec.format == "markdown" for spec in request.outputs)
        lines, errors = show_roles(inputs, settings.limits, as_json, as_markdown)
        out.write("".join(escape_surrogates(line) + "\n" for line in lines))
        for message in errors:
            say(err, message, "error")
        return EXIT_ERROR if errors else EXIT_OK
    done = _lint_with_progress(request, inputs, err)
    for note in done.notes:  # files named explicitly that are not manifests
        say(err, note, "note")
    unwritten = write_baseline(request, done, err)
    for message in done.result.errors:  # paths that could not be read: always on stderr
        say(err, message)
    if args.diff:
        return _diff(request, done, out, err, unwritten)
    reports_out = out
    if request.fix is not None:
        if any(item.is_stdin for item in inputs.items):
            reports_out = err  # standard output carries the fixed text
        unwritten += write_fixes(done, out, err)
    from sidecar_lint.report_writer import Reports

    reports = Reports(request, done, reports_out)
    unwritten += reports.write()
    for warning in reports.location_warnings():  # once per cause, whatever the formats
        say(err, warning, "warning")
    for message in unwritten:  # each file was written whole or not at all
        say(err, message, "error")
    return EXIT_ERROR if unwritten else exit_code(request, done.result)


def _diff(
    request: RunRequest, done: LintRun, out: TextIO, err: TextIO, unwritten: list[str]
) -> int:
    """``--diff``: the diffs on standard output, a count on standard error; nothing written.

    Reports named with a file are still written. Exit 1 when there is a diff.
    """
    from sidecar_lint.report_writer import Reports

    for note in done.fixes.notes:
        say(err, note, "note")
    for diff in done.fixes.diffs:
        out.write(escape_surrogates(diff))
    files = [spec for spec in request.outputs if spec.path is not None]
    unwritten += Reports(replace(request, outputs=tuple(files)), done, out).write()
    n = done.fixes.applied
    say(err, f"would fix {n} problem{'s' if n != 1 else ''} in {len(done.fixes.diffs)} file(s)")
    for message in unwritten:
        say(err, message, "error")
    if unwritten or done.result.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if done.fixes.diffs else EXIT_OK


def _fix_mode(args: argparse.Namespace, resolver: SettingsResolver) -> FixMode | None:
    """``--fix`` (or the configuration's ``fix``) writes; ``--diff`` only compares."""
    settings = resolver.root
    if args.diff:
        return FixMode(unsafe=settings.unsafe_fixes, write=False)
    if settings.fix:
        return FixMode(unsafe=settings.unsafe_fixes, write=True)
    return None


def _request(args: argparse.Namespace, resolver: SettingsResolver) -> RunRequest:
    """The lint run the flags ask for (outputs planned, baseline read, shard parsed)."""
    return RunRequest(
        resolver,
        paths=tuple(args.paths),
        stdin_name=args.stdin_filename,
        allow_empty=args.allow_empty,
        outputs=plan_outputs(args.format or (), args.output, args.sarif_root, os.environ),
        baseline=load_baseline(Path(args.baseline)) if args.baseline else None,
        shard=parse_shard_flag(args.shard) if args.shard else None,
        jobs=args.jobs,
        use_cache=not args.no_cache,
        cache_dir=args.cache_dir,
        write_baseline=args.write_baseline,
        sarif_root=args.sarif_root,
        color=args.color,
        quiet=args.quiet,
        statistics=args.statistics,
        render="never" if args.show_roles else args.render,  # roles of the files as written
        fix=_fix_mode(args, resolver),
        helm_values=tuple(args.helm_values),
    )


def _lint_with_progress(request: RunRequest, inputs: Inputs, err: TextIO) -> LintRun:
    """:func:`lint`, with a progress line on ``err`` where one belongs (see ``progress``)."""
    from sidecar_lint.progress import progress_line

    stdout_formats = [spec.format for spec in request.outputs if spec.path is None]
    line = progress_line(err, len(inputs.items), stdout_formats, request.quiet, os.environ)
    try:
        return lint(request, inputs, line)
    finally:
        if line is not None:
            line.close()


def _merge_sarif(target: str, logs: Sequence[str], err: TextIO) -> int:
    from sidecar_lint.shards import ShardError, merge_files

    if not logs:
        raise UsageError("--merge-sarif OUT needs the SARIF logs to merge as arguments")
    try:
        count = merge_files(target, logs)
    except ShardError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:  # the merged log could not be written
        raise UsageError(cannot_write(target, exc)) from exc
    if target != "-":
        err.write(f"sidecar-lint: merged {len(logs)} log(s), {count} result(s), into {target}\n")
    return EXIT_OK


def _flags(args: argparse.Namespace) -> FlagValues:
    try:  # --feature-gates: syntax and gate names
        gates = tuple(parse_feature_gates(args.feature_gates).items())
    except ValueError as exc:
        raise UsageError(f"--feature-gates: {exc}") from exc
    return FlagValues(
        kubernetes_version=args.kubernetes_version,
        feature_gates=gates,
        fail_on=args.fail_on,
        select=tuple(_split(args.select)),
        ignore=tuple(_split(args.ignore)),
        exclude=tuple(args.exclude),
        report_unused_ignores=args.report_unused_ignores,
        limits=Limits(args.max_file_size, args.max_documents, args.max_depth),
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
    )


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]
