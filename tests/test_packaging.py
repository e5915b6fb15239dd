"""The wheel carries the rule catalogue and data: `pip install .` without -e must work."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.harness import run_cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_rules_and_runs_from_site_packages(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    wheel = next(tmp_path.glob("sidecar_lint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    rule_files = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    for name in rule_files:
        assert f"sidecar_lint/_rules/{name}" in names
    assert "sidecar_lint/data/k8s_fields.json" in names
    assert "sidecar_lint/data/injectors.yaml" in names
    assert "sidecar_lint/data/deprecated_images.yaml" in names
    assert not any(n.startswith("rules/") for n in names), "rules must not be a top-level package"

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    env = {"PYTHONPATH": str(target)}
    example = ROOT / "examples" / "pod-sidecar-containers.yaml"
    # Run from an unrelated directory so the source checkout cannot be imported.
    proc = run_cli("--format", "json", str(example), cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr
    assert '"code": "SL101"' in proc.stdout
    probe = "import sidecar_lint.rule_catalogue as c; print(c.builtin_rules_dir())"
    listing = run_cli(program=("-c", probe), cwd=tmp_path, env=env)
    assert listing.returncode == 0, listing.stderr
    assert str(target) in listing.stdout
