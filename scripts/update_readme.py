"""Regenerate the README rule table and docs/rules.md from rules/ (``--check``: fail if stale)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sidecar_lint.rule_catalogue import builtin_rules
from sidecar_lint.rule_docs import rules_reference, update_readme

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "rules.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    args = parser.parse_args()
    rules = builtin_rules()
    wanted = {
        README: update_readme(README.read_text(encoding="utf-8"), rules),
        REFERENCE: rules_reference(rules),
    }
    stale = [
        path
        for path, text in wanted.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} is stale: run python scripts/update_readme.py",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
