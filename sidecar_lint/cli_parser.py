"""The command line's flags: the parser, with its value types and help texts.

Parsing only: :mod:`sidecar_lint.cli` turns the parsed flags into a run request.
"""

from __future__ import annotations

import argparse

from sidecar_lint import __version__
from sidecar_lint.feature_gates import FEATURE_GATES
from sidecar_lint.loading import DEFAULT_LIMITS
from sidecar_lint.reporters import FORMATS as REPORT_FORMATS
from sidecar_lint.run import OutputSpec, parse_output_spec
from sidecar_lint.versions import DEFAULT_KUBERNETES_VERSION

FAIL_ON = ("error", "warning", "note", "none")


def format_names() -> tuple[str, ...]:
    """``auto`` (text, plus github annotations under GitHub Actions) and every report format."""
    return ("auto", *REPORT_FORMATS)


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
        "--fix",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply safe fixes to the files in place (standard input: print the fixed text), "
        "then report what remains (configuration: fix)",
    )
    p.add_argument(
        "--unsafe-fixes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="with --fix, apply unsafe fixes too; without it, count them as fixable "
        "(configuration: unsafeFixes)",
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="print a unified diff of what --fix would change, change nothing, report nothing "
        "else on standard output; exit 1 when there is a diff",
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
    p.add_argument(
        "--render",
        choices=("auto", "never", "always"),
        default=None,
        help="render directories holding a kustomization (kustomize, else kubectl) and lint "
        "the result at the source lines: auto (default) when a tool is installed, never, or "
        "always (a missing tool is an error)",
    )
    p.add_argument(
        "--helm-values",
        action="append",
        default=[],
        metavar="FILE",
        help="a value file for every rendered Helm chart, after the configuration's "
        "helm.values (repeatable)",
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


def output_spec(text: str) -> OutputSpec:
    """Parse ``FMT`` or ``FMT:FILE`` (``FMT:-`` is standard output) for ``--format``."""
    try:
        return parse_output_spec(text, format_names())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
