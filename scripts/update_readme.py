"""Regenerate the README rule table from rules/ (``--check``: fail if it is stale)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sidecar_lint.catalogue import builtin_rules
from sidecar_lint.rule_docs import update_readme

README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    fresh = update_readme(current, builtin_rules())
    if args.check:
        if fresh != current:
            print(
                "README.md rule table is stale: run python scripts/update_readme.py",
                file=sys.stderr,
            )
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
