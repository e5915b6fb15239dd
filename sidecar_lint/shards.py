"""Split one lint run over several machines, and put the SARIF logs back together.

``--shard K/N`` keeps the files whose repository-relative path hashes to
``K-1`` modulo ``N``. The hash is of the path, not of a position in a list,
so a file stays in its shard when others are added or removed, and every
machine of a CI matrix computes the same split from the same checkout.

``--merge-sarif OUT IN...`` joins the shards' SARIF logs into the log one
full run would have written: the same tool and rules, the results of all
shards in report order, the invocation's errors together.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sidecar_lint.discovery import Input
from sidecar_lint.paths import RepoPaths

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class ShardError(Exception):
    """A bad ``--shard`` value or SARIF logs that do not belong together."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; K counts from 1."""
    match = _SPEC.match(text)
    if match is None:
        raise ShardError(f"--shard {text!r}: expected K/N, e.g. 1/4")
    k, n = int(match[1]), int(match[2])
    if n < 1 or not 1 <= k <= n:
        raise ShardError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def shard_of(key: str, count: int) -> int:
    """The 1-based shard of a repository-relative path (stable across machines and runs)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select_shard(inputs: Sequence[Input], k: int, n: int, paths: RepoPaths) -> list[Input]:
    """The inputs of shard ``k`` of ``n``; standard input always belongs to shard 1."""
    chosen: list[Input] = []
    for item in inputs:
        if item.is_stdin:
            if k == 1:
                chosen.append(item)
            continue
        rel = paths.relative(item.path)
        key = rel if rel is not None else item.path.replace("\\", "/")
        if shard_of(key, n) == k:
            chosen.append(item)
    return chosen


# --------------------------------------------------------------------------- SARIF


def merge_sarif(texts: Sequence[str]) -> str:
    """One SARIF log from the logs of the shards of one run (see the module docstring)."""
    logs: list[Any] = []
    for i, text in enumerate(texts):
        try:
            log = json.loads(text)
        except ValueError as err:
            raise ShardError(f"input {i + 1}: not JSON: {err}") from err
        if not isinstance(log, dict) or len(log.get("runs") or []) != 1:
            raise ShardError(f"input {i + 1}: not a SARIF log with exactly one run")
        logs.append(log)
    if not logs:
        raise ShardError("no SARIF logs to merge")
    first = logs[0]
    base_run = first["runs"][0]
    for i, log in enumerate(logs[1:], start=2):
        run = log["runs"][0]
        for key in ("tool", "properties", "automationDetails", "columnKind"):
            if run.get(key) != base_run.get(key):
                raise ShardError(
                    f"input {i}: {key} differs from the first log; were the shards run with "
                    "the same version and configuration?"
                )
        if log.get("version") != first.get("version"):
            raise ShardError(f"input {i}: SARIF version differs from the first log")
    results: list[Any] = [r for log in logs for r in log["runs"][0].get("results", [])]
    results.sort(key=_result_order)  # stable: one file's results all come from one shard
    notifications = [
        n
        for log in logs
        for inv in log["runs"][0].get("invocations", [])
        for n in inv.get("toolExecutionNotifications", [])
    ]
    notifications.sort(key=lambda n: str((n.get("message") or {}).get("text", "")))
    merged_run = dict(base_run)
    merged_run["results"] = results
    invocation: dict[str, Any] = {
        "executionSuccessful": all(
            inv.get("executionSuccessful", True)
            for log in logs
            for inv in log["runs"][0].get("invocations", [])
        )
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    merged_run["invocations"] = [invocation]
    merged = dict(first)
    merged["runs"] = [merged_run]
    return json.dumps(merged, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _result_order(result: Any) -> tuple[Any, ...]:
    """The order a full run reports in: file, position, rule, message, container."""
    location = (result.get("locations") or [{}])[0]
    physical = location.get("physicalLocation") or {}
    uri = unquote(str((physical.get("artifactLocation") or {}).get("uri", "")))
    region = physical.get("region") or {}
    logical = (location.get("logicalLocations") or [{}])[0]
    container = (logical.get("properties") or {}).get("container") or ""
    return (
        uri,
        region.get("startLine", 0),
        region.get("startColumn", 0),
        region.get("endLine", 0),
        region.get("endColumn", 0),
        str(result.get("ruleId", "")),
        str((result.get("message") or {}).get("text", "")),
        container,
    )


def merge_files(out: str, inputs: Sequence[str]) -> int:
    """Read ``inputs``, write the merged log to ``out`` (atomically); the number of results."""
    from sidecar_lint.output import write_atomic

    texts: list[str] = []
    for name in inputs:
        try:
            texts.append(Path(name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise ShardError(f"{name}: cannot read: {err}") from err
    merged = merge_sarif(texts)
    if out == "-":
        import sys

        sys.stdout.write(merged)
    else:
        write_atomic(out, merged)
    return len(json.loads(merged)["runs"][0]["results"])
