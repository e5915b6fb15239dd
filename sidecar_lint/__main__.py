"""Allow ``python -m sidecar_lint``."""

from sidecar_lint.cli import main

raise SystemExit(main())
