"""Command line: ``sidecar-lint [OPTIONS] [PATH...]``.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 a usage, configuration or internal error, or a file that could not be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from sidecar_lint import __version__
from sidecar_lint.catalogue import (
    CatalogueError,
    RuleMeta,
    builtin_rules,
    find_rule,
    select_rules,
    unknown_selectors,
)
from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.discovery import DiscoveryError, Input, discover
from sidecar_lint.engine import Linter, RunResult
from sidecar_lint.findings import Severity
from sidecar_lint.loader import LoadedSource, load_bytes
from sidecar_lint.versions import DEFAULT_KUBERNETES_VERSION, KubeVersion, check_supported

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("error", "warning", "note", "none")


class UsageError(Exception):
    """A problem with how the tool was called (exit 2, one line on stderr)."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sidecar-lint",
        description="Lint Kubernetes manifests for sidecar mistakes and invalid fields.",
        epilog="Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or read errors.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - for stdin")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    p.add_argument("--select", action="append", default=[], metavar="RULES",
                   help="only these rules: codes, names or prefixes such as SL2 (comma-separated, repeatable)")
    p.add_argument("--ignore", action="append", default=[], metavar="RULES",
                   help="skip these rules (same forms as --select)")
    p.add_argument("--fail-on", choices=FAIL_ON, default="warning",
                   help="lowest severity that makes the exit status 1 (default: warning)")
    p.add_argument("--kubernetes-version", default=DEFAULT_KUBERNETES_VERSION, metavar="X.Y",
                   help=f"target Kubernetes minor version (default: {DEFAULT_KUBERNETES_VERSION})")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip paths matching GLOB during directory walks (repeatable)")
    p.add_argument("--stdin-filename", default="-", metavar="NAME", help="name to report for input read from stdin")
    p.add_argument("--list-rules", action="store_true", help="list every rule and exit")
    p.add_argument("--explain", metavar="CODE", help="explain one rule (code or name) and exit")
    p.add_argument("--show-roles", action="store_true",
                   help="print each workload's containers with their role and the reasons, then exit")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour text output")
    p.add_argument("-q", "--quiet", action="store_true", help="no source snippets; no summary when clean")
    p.add_argument("--statistics", action="store_true", help="print counts per rule instead of each finding")
    p.add_argument("--version", action="version", version=f"sidecar-lint {__version__}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sidecar-lint`` command."""
    args = build_parser().parse_args(argv)
    try:
        return run(args, sys.stdout, sys.stderr)
    except (UsageError, CatalogueError, DiscoveryError) as err:
        print(f"sidecar-lint: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. `sidecar-lint . | head`
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rules = builtin_rules()
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
    version = _version(args.kubernetes_version)
    active = _selected(rules, args.select, args.ignore)
    inputs = discover(args.paths or ["."], args.exclude, args.stdin_filename)
    linter = Linter(active, CheckOptions(kubernetes_version=version))
    if args.show_roles:
        return _show_roles(inputs, linter, args, out, err)
    result = RunResult(rules=active)
    sources: dict[str, LoadedSource] = {}
    for item in inputs:
        loaded = _read(item, result.errors)
        if loaded is None:
            continue
        sources[loaded.source.path] = loaded
        result.findings.extend(linter.lint(loaded))
    result.summary = linter.summary
    result.findings.sort(key=lambda f: f.sort_key())
    text = _render(result, args, str(version), sources, out)
    if args.output:
        from sidecar_lint.output import write_atomic

        write_atomic(args.output, text)
    else:
        out.write(text)
    return _exit_code(result, args.fail_on)


def _version(text: str) -> KubeVersion:
    try:
        version = KubeVersion.parse(text)
        check_supported(version)
    except ValueError as err:
        raise UsageError(f"--kubernetes-version: {err}") from err
    return version


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _selected(rules: Sequence[RuleMeta], select: Sequence[str], ignore: Sequence[str]) -> list[RuleMeta]:
    chosen, skipped = _split(select), _split(ignore)
    unknown = list(unknown_selectors(rules, chosen + skipped))
    if unknown:
        raise UsageError(f"unknown rule selector(s): {', '.join(unknown)}; see --list-rules")
    return select_rules(rules, chosen, skipped)


def _read(item: Input, errors: list[str]) -> LoadedSource | None:
    """Read one input; an unreadable file is recorded (exit 2), never silently skipped."""
    try:
        if item.is_stdin:
            raw = sys.stdin.buffer.read()
        else:
            with open(item.path, "rb") as handle:
                raw = handle.read()
    except OSError as exc:
        errors.append(f"{item.path}: cannot read: {exc.strerror or exc}")
        return None
    return load_bytes(item.path, raw)


def _render(
    result: RunResult,
    args: argparse.Namespace,
    version: str,
    sources: dict[str, LoadedSource],
    out: TextIO,
) -> str:
    if args.format == "json":
        from sidecar_lint.reporters.json_report import render_json

        return render_json(result, version)
    from sidecar_lint.reporters.text import render_text

    def read_line(path: str, number: int) -> str:
        loaded = sources.get(path)
        return loaded.source.line(number) if loaded else ""

    color = _use_color(args.color, out) and not args.output
    return render_text(result, read_line, color=color, quiet=args.quiet, statistics=args.statistics)


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
    inputs: Sequence[Input], linter: Linter, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    from sidecar_lint.findings import format_pointer
    from sidecar_lint.loader import iter_documents
    from sidecar_lint.workload import iter_workloads

    errors: list[str] = []
    report: list[dict[str, object]] = []
    for item in inputs:
        loaded = _read(item, errors)
        if loaded is None:
            continue
        for doc in iter_documents(loaded):
            for w in iter_workloads(doc, linter.kinds, linter.classifier):
                span, _ = doc.locate(w.template_pointer)
                report.append({
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
                })
    if args.format == "json":
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        for entry in report:
            out.write(f"{entry['file']}:{entry['line']}: {entry['object']} "
                      f"(pod template: {entry['podTemplate']})\n")
            for c in entry["containers"]:  # type: ignore[attr-defined]
                where = f"{c['list']}[{c['index']}]"
                kind = f" ({c['sidecarKind']})" if c["sidecarKind"] else ""
                out.write(f"  {where:<18} {c['name']:<24} {c['role']}{kind}\n")
                for reason in c["reasons"]:
                    out.write(f"  {'':<18} {'':<24}   - {reason}\n")
    for message in errors:
        err.write(f"sidecar-lint: error: {message}\n")
    return EXIT_ERROR if errors else EXIT_OK
