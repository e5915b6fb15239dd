"""SL502: a sidecar image without a version: no tag, or ``:latest``, and no digest.

Sidecars are usually third-party images (proxies, shippers, agents) that
change behaviour between releases. Without a tag the runtime pulls
``latest``, and for ``latest`` the default ``imagePullPolicy`` is
``Always``: every new pod may run a different release than the pods next to
it, and a rollback of the application does not roll the sidecar back.

The tag is read from the last path component only, so a registry port
(``localhost:5000/shipper``) is not mistaken for a tag. A digest
(``@sha256:…``) pins the image whatever the tag says.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.model import Violation, Workload


def image_tag(image: str) -> tuple[str, str | None, str | None]:
    """Split an image reference into (repository, tag, digest); missing parts are None."""
    ref, _, digest = image.strip().partition("@")
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :], digest or None
    return ref, None, digest or None


@check("sidecar_image_not_pinned")
def sidecar_image_not_pinned(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag sidecar images with no tag or the ``latest`` tag, unless a digest pins them."""
    for sidecar in workload.sidecars:
        image = sidecar.image
        if not image or not image.strip() or "{{" in image or "$(" in image:
            continue
        repository, tag, digest = image_tag(image)
        if digest or (tag and tag != "latest"):
            continue
        problem = (
            "has no tag, so the runtime pulls 'latest'" if not tag else "uses the tag 'latest'"
        )
        yield Violation(
            f"{workload.ref.display()}: sidecar {sidecar.label()} image '{image.strip()}' "
            f"{problem}, which moves with every release and is pulled again by every new pod "
            f"(imagePullPolicy defaults to Always); pin a release tag "
            f"({repository}:<version>) or a digest ({repository}@sha256:…)",
            pointer=sidecar.at("image"),
            container=sidecar,
        )
