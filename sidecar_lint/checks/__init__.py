"""Built-in check implementations (see :mod:`sidecar_lint.checks.registry`)."""
