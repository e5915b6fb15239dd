"""Kubernetes minor versions, compared as numbers (1.9 < 1.25)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

#: The minors whose API field tables ship with the package.
SUPPORTED_RANGE = ("1.25", "1.37")
#: The newest minor the tables know: fields valid in current clusters are not called
#: unknown by default. Older clusters pin theirs (``kubernetesVersion`` or the flag).
DEFAULT_KUBERNETES_VERSION = SUPPORTED_RANGE[1]

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$")


@total_ordering
@dataclass(frozen=True)
class KubeVersion:
    """A Kubernetes ``major.minor``; patch levels never change the API."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> KubeVersion:
        """Accept ``1.33``, ``v1.33`` and ``1.33.2``; raise ValueError otherwise."""
        match = _VERSION.match(str(text).strip())
        if not match:
            raise ValueError(
                f"not a Kubernetes version: {text!r} (expected MAJOR.MINOR, e.g. 1.33)"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, KubeVersion):
            return NotImplemented
        return (self.major, self.minor) < (other.major, other.minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def at_least(self, text: str) -> bool:
        return self >= KubeVersion.parse(text)


def check_supported(version: KubeVersion) -> None:
    """Reject versions the field tables cannot answer for (a usage error, exit 2)."""
    low, high = (KubeVersion.parse(v) for v in SUPPORTED_RANGE)
    if not low <= version <= high:
        raise ValueError(
            f"Kubernetes {version} is not supported: choose a version from "
            f"{SUPPORTED_RANGE[0]} to {SUPPORTED_RANGE[1]}"
        )
