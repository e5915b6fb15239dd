"""Files a walk meets that are not manifests: passed over silently, or noted when named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sidecar_lint.loading import load_bytes, not_a_manifest
from tests.harness import run_cli

#: Shaped like an Angular project's tsconfig.app.json: a block comment, then JSON with
#: a line comment and a trailing comma.
TSCONFIG = """\
/* To learn more about this file see: https://angular.dev/reference/configs/workspace-config */
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "outDir": "./out-tsc/app", // build output
    "types": []
  },
  "files": ["src/main.ts"],
}
"""

#: Shaped like a renovate.json with a comment.
RENOVATE = """\
{
  // keep dependencies fresh, grouped weekly
  "$schema": "https://docs.renovatebot.com/renovate-schema.json",
  "extends": ["config:recommended"],
  "schedule": ["before 5am on monday"]
}
"""

#: A broken manifest: it is one (apiVersion, kind), so its syntax error is reported.
BROKEN_POD = """\
{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "web"},
  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"},]}
}
"""


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("tsconfig.app.json", TSCONFIG, "JSON with comments"),
        ("renovate.json", RENOVATE, "JSON with comments"),
        ("package.json", '{"name": "app", "version": ', "not valid YAML or JSON"),
        ("notes.yaml", "title: notes\nitems: [1, 2\n", "not valid YAML or JSON"),
        ("pod.json", BROKEN_POD, None),
        ("flow.yaml", "{apiVersion: v1, kind: Pod, spec: [\n", None),
        ("values.yaml", "replicas: 2\n", None),  # it parses: nothing to judge
        ("binary.json", "\x00\x01", None),  # not read as text: never judged
    ],
)
def test_which_files_are_not_manifests(name: str, text: str, reason: str | None) -> None:
    found = not_a_manifest(load_bytes(name, text.encode()))
    if reason is None:
        assert found is None
    else:
        assert found is not None and found.startswith(reason), found


def tree(root: Path) -> None:
    (root / "src").mkdir()
    (root / "tsconfig.app.json").write_text(TSCONFIG)
    (root / "renovate.json").write_text(RENOVATE)
    (root / "src" / "pod.json").write_text(BROKEN_POD)


def test_a_walk_passes_over_files_that_are_not_manifests(tmp_path: Path) -> None:
    tree(tmp_path)
    proc = run_cli("--format", "json", ".", cwd=tmp_path, clean=True)
    report = json.loads(proc.stdout)
    assert {(f["file"], f["code"]) for f in report["findings"]} == {("src/pod.json", "SL001")}
    assert proc.returncode == 1
    assert "tsconfig" not in proc.stderr and "renovate" not in proc.stderr


def test_a_named_file_that_is_not_a_manifest_gets_one_note(tmp_path: Path) -> None:
    tree(tmp_path)
    proc = run_cli("--format", "json", "tsconfig.app.json", "renovate.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"] == []
    assert proc.stderr.splitlines() == [
        "sidecar-lint: note: renovate.json: JSON with comments and no apiVersion or kind: "
        "not a Kubernetes manifest, not linted",
        "sidecar-lint: note: tsconfig.app.json: JSON with comments and no apiVersion or kind: "
        "not a Kubernetes manifest, not linted",
    ]


def test_the_note_survives_the_cache(tmp_path: Path) -> None:
    tree(tmp_path)
    cache = {"SIDECAR_LINT_CACHE_DIR": str(tmp_path / "cache")}
    first = run_cli("renovate.json", cwd=tmp_path, env=cache)
    second = run_cli("renovate.json", cwd=tmp_path, env=cache)
    assert (tmp_path / "cache").is_dir()
    assert first.stderr == second.stderr and "renovate.json: JSON with comments" in first.stderr
