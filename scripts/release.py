"""Release checks for .github/workflows/release.yml, runnable by hand before tagging.

    python scripts/release.py version            # the package version, as hatch reads it
    python scripts/release.py check-tag v0.1.0   # the tag names that version, and CHANGELOG.md
                                                 # has a dated section for it; prints the version
    python scripts/release.py notes 0.1.0        # that section, for the GitHub release notes

The version is read from the file pyproject.toml's ``[tool.hatch.version]`` names, with the
pattern hatch uses, so the tag is checked against the same source the built wheel gets its
version from. Only the standard library is used (tomli below Python 3.11, a dependency of the
project there): the release workflow runs this before anything is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

#: hatch's default pattern for a version in a Python file (``__version__ = "1.2.3"``).
HATCH_DEFAULT_PATTERN = r"(?i)^(__version__|VERSION) *= *([\'\"])v?(?P<version>.+?)\2"

#: A released section of a Keep a Changelog file: ``## [1.2.3] - 2026-01-31``.
SECTION = re.compile(r"^## \[(?P<version>[^\]]+)\](?P<rest>.*)$")
DATED = re.compile(r"^ - \d{4}-\d{2}-\d{2}$")
LINK_REFERENCE = re.compile(r"^\[[^\]]+\]: \S")


class ReleaseError(Exception):
    """A check failed; the message says what to fix."""


def version_source(root: Path = ROOT) -> tuple[Path, str]:
    """The file hatch reads the version from, and the pattern it uses there."""
    with (root / "pyproject.toml").open("rb") as handle:
        pyproject: dict[str, Any] = tomllib.load(handle)
    config = pyproject.get("tool", {}).get("hatch", {}).get("version", {})
    if "path" not in config:
        raise ReleaseError("pyproject.toml: [tool.hatch.version] names no path")
    if "version" not in pyproject.get("project", {}).get("dynamic", []):
        raise ReleaseError("pyproject.toml: the version must be dynamic (read from one file)")
    return root / str(config["path"]), str(config.get("pattern", HATCH_DEFAULT_PATTERN))


def package_version(root: Path = ROOT) -> str:
    """The version the built sdist and wheel will carry."""
    path, pattern = version_source(root)
    match = re.search(pattern, path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    if match is None:
        raise ReleaseError(f"{path.relative_to(root)}: no version matches {pattern!r}")
    return match.group("version")


def changelog_sections(text: str) -> dict[str, tuple[str, str]]:
    """Each ``## `` section by name (``Unreleased``, ``1.2.3``): (what follows ``]``, body).

    Link reference definitions (``[1.2.3]: https://…``) belong to no section.
    """
    heads: dict[str, str] = {}
    bodies: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            match = SECTION.match(line)
            name, rest = (match["version"], match["rest"]) if match else (line[3:].strip(), "")
            heads[name] = rest
            current = bodies.setdefault(name, [])
        elif current is not None and not LINK_REFERENCE.match(line):
            current.append(line)
    return {name: (heads[name], "\n".join(bodies[name]).strip()) for name in heads}


def release_notes(version: str, root: Path = ROOT) -> str:
    """The body of the changelog's section for ``version``; it must be dated and not empty."""
    changelog = root / "CHANGELOG.md"
    sections = changelog_sections(changelog.read_text(encoding="utf-8"))
    if version not in sections:
        raise ReleaseError(f"CHANGELOG.md has no section '## [{version}] - YYYY-MM-DD'")
    rest, body = sections[version]
    if not DATED.match(rest):
        raise ReleaseError(
            f"CHANGELOG.md: date the {version} section ('## [{version}] - YYYY-MM-DD') "
            "in the commit you tag"
        )
    if not body:
        raise ReleaseError(f"CHANGELOG.md: the {version} section is empty")
    return body + "\n"


def check_tag(tag: str, root: Path = ROOT) -> str:
    """The version, when ``tag`` is ``v`` + the package version and the changelog is ready."""
    version = package_version(root)
    if tag != f"v{version}":
        path, _ = version_source(root)
        raise ReleaseError(
            f"tag {tag!r} does not name the package version {version!r} "
            f"({path.relative_to(root)}): tag v{version}, or change the version first"
        )
    release_notes(version, root)
    return version


def main(argv: list[str]) -> int:
    """Run one command; a failed check is one line on standard error and exit status 1."""
    commands = {"version": 0, "check-tag": 1, "notes": 1}
    if not argv or argv[0] not in commands or len(argv) != commands[argv[0]] + 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if argv[0] == "version":
            print(package_version())
        elif argv[0] == "check-tag":
            print(check_tag(argv[1]))
        else:
            sys.stdout.write(release_notes(argv[1]))
    except (ReleaseError, OSError) as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
