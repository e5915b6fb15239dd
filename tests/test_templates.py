"""Template text: data in rendered mesh installs, a finding (SL003) only where the API reads structure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sidecar_lint.checks.templates import holds_helm_action, is_structure_field
from tests.conftest import lint
from tests.harness import run_cli

MESH = Path(__file__).parent / "data" / "mesh"


@pytest.mark.parametrize("name", ["istio-rendered.yaml", "linkerd-rendered.yaml"])
def test_a_rendered_mesh_install_has_no_syntax_or_template_finding(name: str) -> None:
    found = lint((MESH / name).read_text(), select=["ALL"], path=name)
    assert not [f for f in found if f.code in ("SL001", "SL003")], found


def test_the_rendered_installs_lint_clean_through_the_cli(tmp_path: Path) -> None:
    for fixture in MESH.iterdir():
        shutil.copy(fixture, tmp_path / fixture.name)
    proc = run_cli("--format", "json", "--select", "SL001,SL003", ".", cwd=tmp_path, clean=True)
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["findings"] == []


def test_a_chart_template_is_a_warning_that_names_the_field() -> None:
    chart = """\
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector:
        app.kubernetes.io/instance: "{{ .Release.Name }}"
      ports:
        - port: 80
          targetPort: http
    """
    (finding,) = lint(chart, select=["SL001", "SL003"])
    assert finding.code == "SL003" and finding.severity.value == "warning"
    assert "spec.selector.app.kubernetes.io/instance" in finding.message
    assert "helm template CHART | sidecar-lint -" in finding.message
    assert (finding.span.start_line, finding.span.start_col) == (7, 33)


@pytest.mark.parametrize(
    ("pointer", "structural"),
    [
        (("metadata", "name"), True),
        (("spec", "template", "spec", "containers", 0, "image"), True),
        (("spec", "template", "metadata", "labels", "app"), True),
        (("spec", "containers", 0, "resources", "limits", "memory"), True),
        (("spec", "ports", 0, "targetPort"), True),
        (("data", "config"), False),
        (("data", "name"), False),  # a ConfigMap key that happens to be called name
        (("stringData", "image"), False),
        (("metadata", "annotations", "name"), False),
        (("spec", "containers", 0, "args", 1), False),
        (("spec", "containers", 0, "env", 0, "value"), False),
        (("spec", "source", "helm", "values"), False),  # a CRD's free string
        ((), False),
    ],
)
def test_structure_fields(pointer: tuple[str | int, ...], structural: bool) -> None:
    assert is_structure_field(pointer) is structural


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("{{ .Values.image }}", "{{ .Values.image }}"),
        ('app-{{- include "app.fullname" . }}', '{{- include "app.fullname" . }}'),
        ("{{ .Release.Name }}-web", "{{ .Release.Name }}"),
        ("{{inputs.parameters.image}}", None),  # Argo's own
        ("{{ $labels.instance }} is down", None),  # Prometheus alert text
        ("{{ .Data.password }}", None),  # Vault agent
        ("plain", None),
    ],
)
def test_only_helm_actions_count(text: str, action: str | None) -> None:
    assert holds_helm_action(text) == (None if action is None else json.dumps(action))
