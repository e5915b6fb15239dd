"""SL503: a sidecar runs an image whose project moved or stopped publishing there.

Which images, where they went and why come from the catalogue data
(:mod:`sidecar_lint.deprecated_images`), each with its source.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.deprecated_images import replacement_for
from sidecar_lint.model import Violation, Workload


@check("deprecated_sidecar_image")
def deprecated_sidecar_image(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag each sidecar (regular or native) whose image a catalogued move covers."""
    for sidecar in workload.sidecars:
        image = sidecar.image
        if not image:
            continue
        moved = replacement_for(image)
        if moved is None:
            continue
        entry = moved.entry
        yield Violation(
            f"{workload.ref.display()}: sidecar {sidecar.label()} runs '{image}' from "
            f"{entry.title}: {entry.why}; use {moved.image} (see {entry.source})",
            pointer=sidecar.at("image"),
            container=sidecar,
        )
