"""Kustomize directories rendered with the real tool, and every finding placed at its source.

The tree under ``tests/data/kustomize`` has a base (a Deployment with a log shipper and a
Job), a component, two overlays with ``namePrefix`` and patches (a CPU limit raised to 4,
a sidecar added to the Job, a JSON patch that unpins an image, a strategic-merge patch with
a ``$patch: replace`` directive) and a kustomization that cannot be built. ``.ci/run``
refuses to run when neither kustomize nor kubectl is installed, so these never skip in CI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sidecar_lint.rendering.origin import in_source_order, translate
from sidecar_lint.rendering.plan import partial_findings
from sidecar_lint.rendering.tools import find_kustomize, first_error_line
from tests.conftest import lint
from tests.harness import run_cli

TREE = Path(__file__).resolve().parent / "data" / "kustomize"
needs_tool = pytest.mark.skipif(
    find_kustomize() is None, reason="neither kustomize nor kubectl on PATH (.ci/run requires one)"
)

#: Every finding of a run over the whole tree: file, line, column, rule, and the renders.
EXPECTED = [
    (
        "base/deployment.yaml",
        15,
        17,
        "SL301",
        [
            "base/kustomization.yaml",
            "overlays/dev/kustomization.yaml",
            "overlays/prod/kustomization.yaml",
        ],
    ),
    ("broken/kustomization.yaml", 2, 5, "SL001", ["broken/kustomization.yaml"]),
    # the strategic merge puts the patched log shipper first: the overlay caused it
    ("overlays/dev/no-limits.yaml", 9, 11, "SL501", ["overlays/dev/kustomization.yaml"]),
    # `$patch: replace` drops the base's limits: reported at the patch's resources
    ("overlays/dev/no-limits.yaml", 10, 11, "SL402", ["overlays/dev/kustomization.yaml"]),
    # the JSON patch's value, found through the base's container order
    ("overlays/dev/unpinned.yaml", 3, 10, "SL502", ["overlays/dev/kustomization.yaml"]),
    ("overlays/prod/cpu.yaml", 9, 11, "SL501", ["overlays/prod/kustomization.yaml"]),
    ("overlays/prod/cpu.yaml", 12, 20, "SL401", ["overlays/prod/kustomization.yaml"]),
    # the sidecar the prod patch adds to the Job
    ("overlays/prod/sidecar.yaml", 9, 11, "SL201", ["overlays/prod/kustomization.yaml"]),
    ("overlays/prod/sidecar.yaml", 9, 11, "SL501", ["overlays/prod/kustomization.yaml"]),
    ("overlays/prod/sidecar.yaml", 9, 17, "SL301", ["overlays/prod/kustomization.yaml"]),
    ("overlays/prod/sidecar.yaml", 9, 17, "SL402", ["overlays/prod/kustomization.yaml"]),
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(TREE, copy)
    return copy


def findings(proc: Any) -> list[dict[str, Any]]:
    return list(json.loads(proc.stdout)["findings"])


def placed(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(f["file"], f["line"], f["column"], f["code"], f.get("renderedIn")) for f in found]


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@needs_tool
def test_every_finding_is_reported_once_at_the_line_to_edit(tree: Path) -> None:
    before = snapshot(tree)
    proc = run_cli("--isolated", "--no-cache", "--format", "json", ".", cwd=tree, clean=True)
    found = findings(proc)
    assert placed(found) == [tuple(e) for e in EXPECTED]
    assert proc.returncode == 1
    assert snapshot(tree) == before  # the user's tree is never written to
    by_code = {(f["file"], f["code"]): f for f in found}
    failure = by_code["broken/kustomization.yaml", "SL001"]
    assert failure["message"].startswith("cannot render broken: accumulating resources")
    assert "nope.yaml" in failure["message"] and "sidecar-lint-render" not in failure["message"]
    # the objects as rendered: the overlay's name prefix is in the message
    assert by_code["overlays/prod/cpu.yaml", "SL401"]["object"]["name"] == "prod-web"
    assert by_code["base/deployment.yaml", "SL301"]["object"]["name"] == "web"
    assert "/tmp" not in proc.stdout.replace(str(tree), "")


@needs_tool
def test_a_single_overlay_reports_the_base_lines_it_renders(tree: Path) -> None:
    proc = run_cli("--isolated", "--no-cache", "--format", "json", "overlays/prod", cwd=tree)
    assert [(f[0], f[1], f[2], f[3]) for f in placed(findings(proc))] == [
        ("base/deployment.yaml", 15, 17, "SL301"),
        ("overlays/prod/cpu.yaml", 9, 11, "SL501"),
        ("overlays/prod/cpu.yaml", 12, 20, "SL401"),
        ("overlays/prod/sidecar.yaml", 9, 11, "SL201"),
        ("overlays/prod/sidecar.yaml", 9, 11, "SL501"),
        ("overlays/prod/sidecar.yaml", 9, 17, "SL301"),
        ("overlays/prod/sidecar.yaml", 9, 17, "SL402"),
    ]


@needs_tool
def test_sarif_lists_the_overlays_as_related_locations(tree: Path) -> None:
    proc = run_cli(
        "--isolated", "--no-cache", "--format", "sarif", "--sarif-root", ".", ".", cwd=tree
    )
    results = json.loads(proc.stdout)["runs"][0]["results"]
    base = next(
        r for r in results if r["ruleId"] == "SL301" and "base/" in json.dumps(r["locations"])
    )
    related = [
        loc["physicalLocation"]["artifactLocation"]["uri"] for loc in base["relatedLocations"]
    ]
    assert related == [
        "base/kustomization.yaml",
        "overlays/dev/kustomization.yaml",
        "overlays/prod/kustomization.yaml",
    ]


@needs_tool
def test_a_comment_in_the_patch_suppresses_the_rendered_finding(tree: Path) -> None:
    patch = tree / "overlays" / "prod" / "cpu.yaml"
    patch.write_text(
        patch.read_text().replace('cpu: "4"', 'cpu: "4"  # sidecar-lint: ignore[SL401] batch')
    )
    proc = run_cli("--isolated", "--no-cache", "--format", "json", "overlays/prod", cwd=tree)
    assert ("overlays/prod/cpu.yaml", "SL401") not in {
        (f["file"], f["code"]) for f in findings(proc)
    }
    assert json.loads(proc.stdout)["summary"]["suppressed"] == 1


@needs_tool
def test_renders_are_cached_by_the_content_of_every_file_read(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ("--isolated", "--cache-dir", str(cache), "--format", "json", "overlays/prod")
    first = run_cli(*args, cwd=tree)
    assert len(list((cache / "renders").glob("*.json"))) == 1
    assert findings(run_cli(*args, cwd=tree)) == findings(first)
    patch = tree / "overlays" / "prod" / "cpu.yaml"
    patch.write_text(patch.read_text().replace('cpu: "4"', 'cpu: "8"'))
    again = [f["message"] for f in findings(run_cli(*args, cwd=tree)) if f["code"] == "SL401"]
    assert len(again) == 1 and "cpu limit of 8" in again[0]
    assert len(list((cache / "renders").glob("*.json"))) == 2


@needs_tool
def test_parallel_renders_print_what_one_at_a_time_prints(tree: Path) -> None:
    one = run_cli("--isolated", "--no-cache", "-j", "1", "--format", "json", ".", cwd=tree)
    two = run_cli("--isolated", "--no-cache", "-j", "2", "--format", "json", ".", cwd=tree)
    assert one.stdout == two.stdout and placed(findings(one)) == [tuple(e) for e in EXPECTED]


@needs_tool
def test_a_named_file_is_linted_through_the_kustomization_that_reads_it(tree: Path) -> None:
    """What pre-commit does: name the changed files; each is judged as its overlay renders it."""
    proc = run_cli(
        "--isolated", "--no-cache", "--format", "json", "overlays/prod/cpu.yaml", cwd=tree
    )
    assert [(f[0], f[1], f[2], f[3]) for f in placed(findings(proc))] == [
        ("overlays/prod/cpu.yaml", 9, 11, "SL501"),
        ("overlays/prod/cpu.yaml", 12, 20, "SL401"),
    ]
    assert json.loads(proc.stdout)["summary"]["files"] == 1


def test_a_render_that_takes_too_long_is_sl001_and_the_run_goes_on(tree: Path) -> None:
    bin_dir = tree.parent / "bin"
    bin_dir.mkdir()
    slow = bin_dir / "kustomize"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    (tree / ".sidecar-lint.yaml").write_text("renderTimeout: 0.5\n")
    proc = run_cli(
        "--no-cache",
        "--format",
        "json",
        "overlays/prod",
        "base/job.yaml",
        cwd=tree,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        timeout=60,
    )
    found = findings(proc)
    failure = next(f for f in found if f["code"] == "SL001")
    assert (failure["file"], failure["line"]) == ("overlays/prod/kustomization.yaml", 1)
    assert failure["message"] == "cannot render overlays/prod: kustomize timed out after 0.5 s"


def test_show_roles_shows_the_files_as_written(tree: Path) -> None:
    proc = run_cli("--isolated", "--show-roles", ".", cwd=tree, clean=True)
    assert "base/deployment.yaml:9: Deployment web (pod template: spec.template)" in proc.stdout
    assert "overlays/prod/sidecar.yaml" in proc.stdout


def test_render_never_lints_patches_as_partial_objects(tree: Path) -> None:
    proc = run_cli(
        "--isolated", "--no-cache", "--render", "never", "--format", "json", ".", cwd=tree
    )
    # the raw base still has its finding; the patches get no whole-object rule and no SL101
    # for `$patch`, the prod sidecar patch no SL201/SL501 (the Job is in the base)
    assert [(f[0], f[1], f[2], f[3]) for f in placed(findings(proc))] == [
        ("base/deployment.yaml", 15, 17, "SL301")
    ]
    named = run_cli(
        "--isolated",
        "--no-cache",
        "--render",
        "never",
        "--format",
        "json",
        "overlays/dev/no-limits.yaml",
        "overlays/prod/sidecar.yaml",
        cwd=tree,
    )
    assert findings(named) == []


def test_without_a_tool_auto_says_so_and_always_is_an_error(tree: Path) -> None:
    no_tools = {"PATH": ""}
    auto = run_cli("--isolated", "--no-cache", "--format", "json", ".", cwd=tree, env=no_tools)
    assert "5 kustomization(s) linted file by file, not rendered" in auto.stderr
    assert [f["code"] for f in findings(auto)] == ["SL301"]
    always = run_cli("--isolated", "--no-cache", "--render", "always", ".", cwd=tree, env=no_tools)
    assert always.returncode == 2
    assert "--render always: neither kustomize nor kubectl is on PATH" in always.stderr


def test_the_render_mode_is_a_configuration_key(tree: Path) -> None:
    (tree / ".sidecar-lint.yaml").write_text("render: never\n")
    proc = run_cli("--no-cache", "--format", "json", ".", cwd=tree, env={"PATH": ""})
    assert "not rendered" not in proc.stderr
    assert [f["code"] for f in findings(proc)] == ["SL301"]


def test_the_first_error_line_drops_kubectl_log_prefixes() -> None:
    stderr = (
        'E1204 18:47:17.122523   13338 run.go:72] "command failed" err="accumulating '
        "resources: 'nope.yaml': no such file\"\nmore\n"
    )
    assert first_error_line(stderr) == "accumulating resources: 'nope.yaml': no such file"
    assert first_error_line("\nError: invalid Kustomization: bad\n") == "invalid Kustomization: bad"
    assert first_error_line("") == "the render failed without a message"


def test_list_items_are_followed_by_name_not_by_index() -> None:
    rendered = {"containers": [{"name": "b", "image": "x"}, {"name": "a"}]}
    source = {"containers": [{"name": "a"}, {"name": "b", "image": "x"}]}
    assert translate(rendered, ("containers", 0, "image"), source) == ("containers", 1, "image")
    assert translate(rendered, ("containers", 1, "image"), source) is None
    added = {"containers": [{"name": "b", "image": "x", "args": ["-v"]}]}
    assert in_source_order(added, ("containers", 0, "args", 0), source) == (
        "containers",
        1,
        "args",
        0,
    )


def test_patch_directives_are_not_unknown_fields() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      $patch: delete
      imagePullPolicy: Sometimes
"""
    found = lint(text, select=["SL101", "SL102", "SL402", "SL501"])
    kept = partial_findings(found)
    assert any(f.code == "SL101" and "$patch" in f.message for f in found)
    assert not any("$patch" in f.message for f in kept)
    assert all(f.code not in ("SL402", "SL501") for f in kept)
