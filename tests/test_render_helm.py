"""Helm charts: rendered with ``helm template``, findings traced to the template lines.

``tests/data/helm/web`` is a chart (a Deployment whose log shipper's image and CPU limit come
from values, and a Job with a legacy sidecar behind an ``if``); ``web-rendered.yaml`` beside
it is its ``helm template release web`` output: the templates with every action replaced by
its value, each object under its ``# Source:`` comment, as helm prints them. A stand-in
``helm`` on PATH prints that file, so the whole pipeline runs without helm installed; the
last test runs the real helm when it is on PATH and expects the same findings.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from sidecar_lint.rendering.helm import source_of, template_file
from sidecar_lint.rendering.tools import find_helm
from tests.harness import run_cli

DATA = Path(__file__).resolve().parent / "data" / "helm"

#: Every finding on the chart: template file, line, column and rule.
EXPECTED = [
    # the container key of the log shipper (its whole entry is what the rule judges)
    ("web/templates/deployment.yaml", 19, 17, "SL301"),
    # the action that writes the image: the line to change (or its value in values.yaml)
    ("web/templates/deployment.yaml", 20, 18, "SL502"),
    ("web/templates/deployment.yaml", 23, 20, "SL401"),
    ("web/templates/job.yaml", 14, 11, "SL201"),
    ("web/templates/job.yaml", 14, 17, "SL301"),
    ("web/templates/job.yaml", 14, 17, "SL402"),
]


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "web", tmp_path / "web")
    return tmp_path


def stand_in_helm(directory: Path, output: Path) -> Path:
    """A ``helm`` that records its arguments and prints ``output``."""
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{directory}/args'\ncat '{output}'\n")
    helm.chmod(helm.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def placed(proc: Any) -> list[tuple[Any, ...]]:
    found = json.loads(proc.stdout)["findings"]
    return [(f["file"], f["line"], f["column"], f["code"]) for f in found]


def test_recorded_output_is_reported_at_the_template_lines(chart: Path, tmp_path: Path) -> None:
    bin_dir = stand_in_helm(tmp_path, DATA / "web-rendered.yaml")
    (chart / "prod.yaml").write_text("shipper: {cpu: '2'}\n")
    proc = run_cli(
        "--isolated",
        "--no-cache",
        "--format",
        "json",
        "--helm-values",
        "prod.yaml",
        "web",
        cwd=chart,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        clean=True,
    )
    assert placed(proc) == EXPECTED
    args = (tmp_path / "args").read_text().splitlines()
    assert args == [
        "template",
        "release",
        str((chart / "web").resolve()),
        "--values",
        str(chart / "prod.yaml"),
    ]
    # the rendered objects' names, and the chart's other files counted, not linted twice
    data = json.loads(proc.stdout)
    assert {f["object"]["name"] for f in data["findings"]} == {"release-web", "release-web-report"}
    assert data["summary"]["files"] == 5


def test_release_and_namespace_come_from_the_configuration(chart: Path, tmp_path: Path) -> None:
    bin_dir = stand_in_helm(tmp_path, DATA / "web-rendered.yaml")
    (chart / ".sidecar-lint.yaml").write_text(
        "helm: {releaseName: shop, namespace: prod, values: [web/values.yaml]}\n"
    )
    run_cli("--no-cache", "web", cwd=chart, env={"PATH": f"{bin_dir}:/usr/bin:/bin"}, clean=True)
    args = (tmp_path / "args").read_text().splitlines()
    values = str((chart / "web" / "values.yaml").resolve())
    assert args == [
        "template",
        "shop",
        str((chart / "web").resolve()),
        "--namespace",
        "prod",
        "--values",
        values,
    ]


def test_a_helm_error_is_sl001_at_chart_yaml(chart: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text(
        "#!/bin/sh\necho 'Error: parse error at (web/templates/job.yaml:3)' >&2\nexit 1\n"
    )
    helm.chmod(0o755)
    proc = run_cli(
        "--isolated", "--no-cache", "--format", "json", "web", cwd=chart, env={"PATH": str(bin_dir)}
    )
    found = json.loads(proc.stdout)["findings"]
    assert [(f["file"], f["line"], f["code"]) for f in found] == [("web/Chart.yaml", 1, "SL001")]
    assert found[0]["message"] == "cannot render web: parse error at (web/templates/job.yaml:3)"


def test_without_helm_a_chart_gets_one_note_and_its_templates_are_not_parsed(chart: Path) -> None:
    (chart / "web" / "templates" / "broken.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.x }\n  labels: [\n"
    )
    proc = run_cli("--isolated", "--no-cache", "--format", "json", ".", cwd=chart, env={"PATH": ""})
    assert proc.stderr.count("Helm chart not rendered") == 1
    assert "helm template web | sidecar-lint -" in proc.stderr
    assert placed(proc) == []
    always = run_cli(
        "--isolated", "--no-cache", "--render", "always", ".", cwd=chart, env={"PATH": ""}
    )
    assert always.returncode == 2 and "--render always: helm is not on PATH" in always.stderr
    never = run_cli(
        "--isolated", "--no-cache", "--render", "never", "--format", "json", ".", cwd=chart
    )
    assert any(f[0] == "web/templates/broken.yaml" for f in placed(never))  # as before


def test_source_comments_name_the_template_of_each_object() -> None:
    lines = (DATA / "web-rendered.yaml").read_text().splitlines()
    assert source_of(lines, 2) == "web/templates/deployment.yaml"
    assert source_of(lines, 31) == "web/templates/job.yaml"
    assert source_of(["apiVersion: v1"], 0) is None
    chart = DATA / "web"
    assert (
        template_file(chart, "web/templates/job.yaml")
        == (chart / "templates" / "job.yaml").resolve()
    )
    assert (
        template_file(chart, "web/charts/db/templates/x.yaml")
        == (chart / "charts" / "db" / "templates" / "x.yaml").resolve()
    )


def test_piped_helm_output_is_mapped_to_the_templates_found_here(chart: Path) -> None:
    rendered = (DATA / "web-rendered.yaml").read_text(encoding="utf-8")
    args = ("--isolated", "--no-cache", "--format", "json", "-", "--stdin-filename", "out.yaml")
    proc = run_cli(*args, cwd=chart, stdin=rendered, clean=True)
    assert placed(proc) == EXPECTED
    elsewhere = run_cli(*args, cwd=chart / "web" / "templates", stdin=rendered)
    assert {f[0] for f in placed(elsewhere)} == {"out.yaml"}  # no chart named web below here
    assert len(placed(elsewhere)) == len(EXPECTED)
    never = run_cli(*args, "--render", "never", cwd=chart, stdin=rendered)
    assert {f[0] for f in placed(never)} == {"out.yaml"}


@pytest.mark.skipif(find_helm() is None, reason="helm is not installed")
def test_the_real_helm_gives_the_recorded_findings(chart: Path) -> None:
    proc = run_cli("--isolated", "--no-cache", "--format", "json", "web", cwd=chart)
    assert placed(proc) == EXPECTED
