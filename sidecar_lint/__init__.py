"""sidecar-lint: a policy linter for Kubernetes sidecar containers."""

__version__ = "0.1.0"
