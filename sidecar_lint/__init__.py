"""sidecar-lint: a policy linter for Kubernetes sidecar containers."""

__version__ = "0.1.0"

#: Where the project lives; rule help links point into it.
PROJECT_URL = "https://github.com/sidecar-lint/sidecar-lint"
