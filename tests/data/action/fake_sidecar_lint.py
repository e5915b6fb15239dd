"""Stand-in for the sidecar-lint command in the action tests.

It records its argument vector (JSON, in the file named by FAKE_SIDECAR_LINT_ARGV),
writes small reports for every ``--format FMT:FILE`` unless FAKE_SIDECAR_LINT_WRITE
is ``0``, and exits with FAKE_SIDECAR_LINT_EXIT (default 0).
"""

from __future__ import annotations

import json
import os
import sys

REPORTS = {
    "json": json.dumps(
        {
            "schemaVersion": 1,
            "findings": [],
            "errors": [],
            "summary": {"findings": 5, "bySeverity": {"error": 1, "warning": 3, "note": 1}},
        }
    ),
    "sarif": json.dumps({"version": "2.1.0", "runs": [{"results": []}]}),
    "markdown": "## fake sidecar-lint report\n",
}


def main() -> int:
    argv = sys.argv[1:]
    with open(os.environ["FAKE_SIDECAR_LINT_ARGV"], "w", encoding="utf-8") as handle:
        json.dump(argv, handle)
    if os.environ.get("FAKE_SIDECAR_LINT_WRITE", "1") == "1":
        specs = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--format"]
        for spec in specs:
            fmt, _, path = spec.partition(":")
            if path and fmt in REPORTS:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(REPORTS[fmt])
    return int(os.environ.get("FAKE_SIDECAR_LINT_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main())
