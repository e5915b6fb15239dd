"""The deprecated-image catalogue (SL503's data): well-formed, sourced, matched by path."""

from __future__ import annotations

import pytest

from sidecar_lint.deprecated_images import deprecated_images, replacement_for


def test_every_entry_has_a_source_and_distinct_prefixes() -> None:
    entries = deprecated_images()
    prefixes = [p for entry in entries for p in entry.prefixes]
    assert len(prefixes) == len(set(prefixes))
    for entry in entries:
        assert entry.source.scheme == "https" and entry.why and entry.instead
        assert not any(p.endswith(("/", ":")) for p in entry.prefixes)


@pytest.mark.parametrize(
    ("image", "suggested"),
    [
        ("k8s.gcr.io/pause:3.2", "registry.k8s.io/pause:3.2"),
        ("gcr.io/google_containers/pause-amd64:3.1", "registry.k8s.io/pause-amd64:3.1"),
        ("k8s.gcr.io/git-sync/git-sync@sha256:" + "a" * 64, "registry.k8s.io/git-sync/git-sync@"),
        (
            "gcr.io/cloudsql-docker/gce-proxy",
            "gcr.io/cloud-sql-connectors/cloud-sql-proxy:<version>",
        ),
        (
            "asia.gcr.io/cloudsql-docker/gce-proxy:1.37.0",
            "gcr.io/cloud-sql-connectors/cloud-sql-proxy:<version>",
        ),
        ("registry.k8s.io/pause:3.10", None),
        ("k8s.gcr.io.example.com/pause:3.2", None),
        ("gcr.io/cloudsql-docker/gce-proxy-fork:1.0", None),
        ("mirror.example.com/k8s.gcr.io/pause:3.2", None),
    ],
)
def test_replacements(image: str, suggested: str | None) -> None:
    moved = replacement_for(image)
    if suggested is None:
        assert moved is None
    else:
        assert moved is not None and moved.image.startswith(suggested), moved
