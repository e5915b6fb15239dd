"""Sidecar images whose project moved or stopped: ``data/deprecated_images.yaml``.

The facts live in the data file, one entry per move, each with its source, so
that adding one needs no code. Prefixes match whole path components of the
image reference as written (registry host included), so ``k8s.gcr.io`` never
matches ``k8s.gcr.io.mirror.example``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

_MODEL = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DeprecatedImage(BaseModel):
    """One entry of the data file."""

    model_config = _MODEL

    title: str
    prefixes: tuple[str, ...] = Field(min_length=1)
    instead: str
    keep_path: bool = Field(alias="keepPath")
    why: str
    source: HttpUrl


class _DataFile(BaseModel):
    model_config = _MODEL

    images: tuple[DeprecatedImage, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Replacement:
    """What to run instead of one image, and why."""

    entry: DeprecatedImage
    image: str  # the suggested reference (the same tag when only the registry moved)


@cache
def deprecated_images() -> tuple[DeprecatedImage, ...]:
    """The entries of the data file, validated once per process."""
    package = __name__.rpartition(".")[0]
    text = resources.files(package).joinpath("data/deprecated_images.yaml").read_text("utf-8")
    return _DataFile.model_validate(yaml.safe_load(text)).images


def replacement_for(image: str) -> Replacement | None:
    """The move that covers ``image``, if any, with the reference to use instead."""
    reference = image.strip()
    for entry in deprecated_images():
        for prefix in entry.prefixes:
            if reference == prefix or reference.startswith((prefix + "/", prefix + ":")):
                rest = reference[len(prefix) :]
                if entry.keep_path:
                    return Replacement(entry, entry.instead + rest)
                return Replacement(entry, entry.instead + ":<version>")
    return None
