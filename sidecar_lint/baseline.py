"""Baselines: accept today's findings, report only new ones.

A baseline records findings by their stable fingerprint (rule, file, object,
container, field path — never line numbers), with a count, so adding lines
above a finding does not make it "new", and a second identical finding does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sidecar_lint import __version__
from sidecar_lint.findings import Finding, Suppression
from sidecar_lint.output import json_escape_surrogates

BASELINE_VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file (one line, exit 2)."""


def _own(finding: Finding) -> str:
    return finding.fingerprint


def render_baseline(findings: Iterable[Finding], identity: Callable[[Finding], str] = _own) -> str:
    """The baseline file's text: deterministic, one entry per fingerprint.

    ``identity`` maps a finding to its fingerprint; the CLI passes one that
    uses repository-relative paths, so the baseline works from any directory.
    """
    entries: dict[str, dict[str, Any]] = {}
    for f in sorted(findings, key=Finding.sort_key):
        entry = entries.setdefault(
            identity(f),
            {
                "code": f.code,
                "file": f.path,
                "object": f.object.display() if f.object else None,
                "container": f.container,
                "message": f.message,
                "count": 0,
            },
        )
        entry["count"] += 1
    payload = {
        "version": BASELINE_VERSION,
        "tool": f"sidecar-lint {__version__}",
        "findings": dict(sorted(entries.items())),
    }
    return json_escape_surrogates(json.dumps(payload, indent=2, ensure_ascii=False)) + "\n"


def load_baseline(path: Path) -> Counter[str]:
    """Fingerprint → how many findings with it are accepted."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise BaselineError(f"{path}: cannot read baseline: {err.strerror or err}") from err
    except (ValueError, RecursionError) as err:  # JSON errors, huge integers, deep nesting
        reason = "nesting too deep" if isinstance(err, RecursionError) else str(err)
        raise BaselineError(f"{path}: not a baseline file: {reason}") from err
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: not a sidecar-lint baseline (version {BASELINE_VERSION})")
    findings = data.get("findings")
    if not isinstance(findings, dict):
        raise BaselineError(f"{path}: baseline has no 'findings' mapping")
    counts: Counter[str] = Counter()
    for key, entry in findings.items():
        count = entry.get("count", 1) if isinstance(entry, dict) else 1
        counts[str(key)] = count if isinstance(count, int) and count > 0 else 1
    return counts


def apply_baseline(
    findings: list[Finding], accepted: Counter[str], identity: Callable[[Finding], str] = _own
) -> list[Finding]:
    """Mark findings the baseline accepts as suppressed (externally), in report order."""
    remaining = Counter(accepted)
    out: list[Finding] = []
    for f in findings:
        key = identity(f)
        if f.suppression is None and remaining[key] > 0:
            remaining[key] -= 1
            f = replace(
                f,
                suppression=Suppression("external", "accepted in the baseline", "baseline"),
            )
        out.append(f)
    return out
