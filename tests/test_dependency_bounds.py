"""The declared lower bounds are the versions CI tests: pyproject and the constraints agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
MINIMUM = ROOT / ".ci" / "minimum-versions.txt"
CI = ROOT / ".ci" / "run"
README = ROOT / "README.md"

_LOWER = re.compile(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_lower_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds: dict[str, str] = {}
    for requirement in project["dependencies"]:
        if ";" in requirement:  # a backport for older Pythons, not a version the suite chooses
            continue
        match = _LOWER.match(requirement)
        assert match, f"runtime dependency without a lower bound: {requirement!r}"
        bounds[_normal(match.group(1))] = match.group(2)
    return bounds


def _pinned_minimums() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in MINIMUM.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_normal(name)] = version.strip()
    return pins


def _release(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def test_every_lower_bound_is_pinned_for_the_minimum_run() -> None:
    declared = _declared_lower_bounds()
    pinned = _pinned_minimums()
    assert set(declared) == set(pinned)
    for name, version in declared.items():
        assert _release(version) == _release(pinned[name]), (name, version, pinned[name])


def test_ci_runs_the_readme_command_and_the_minimum_versions() -> None:
    script = CI.read_text(encoding="utf-8")
    assert "-c .ci/minimum-versions.txt" in script
    assert "PIP_NO_CACHE_DIR=1" in script
    readme_lines = README.read_text(encoding="utf-8").splitlines()
    fence = readme_lines.index("```sh")
    test_command = readme_lines[fence + 2]
    assert test_command.endswith("pytest"), test_command
    # .ci/run reads the command out of the README; prove its reading gives the same line.
    extract = re.search(r"readme_test_command=\$\((.*)\)\n", script)
    assert extract, "the README command is not read by .ci/run"
    proc = subprocess.run(
        ["bash", "-c", extract.group(1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == test_command
