"""The target version defaults to the newest minor the tool knows; a cluster pins its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from sidecar_lint.k8s_fields import FieldTables
from sidecar_lint.versions import SUPPORTED_RANGE

#: ``env[].valueFrom.fileKeyRef`` exists from Kubernetes 1.34.
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:1.27
      env:
        - name: TOKEN
          valueFrom:
            fileKeyRef: {volumeName: config, path: token.env, key: TOKEN}
"""


def unknown_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    (tmp_path / "pod.yaml").write_text(POD)
    main(["--no-cache", "--select", "SL101", "--format", "json", *args, "pod.yaml"])
    report = json.loads(capsys.readouterr().out)
    return [f["message"] for f in report["findings"]]


def test_the_default_is_the_newest_minor_the_field_tables_know() -> None:
    assert FieldTables.load().versions[-1] == SUPPORTED_RANGE[1]


def test_a_current_field_is_known_by_default_and_unknown_to_a_pinned_older_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the configuration search stops here
    assert unknown_fields(tmp_path, capsys) == []
    (pinned,) = unknown_fields(tmp_path, capsys, "--kubernetes-version", "1.33")
    assert "fileKeyRef" in pinned
    (tmp_path / ".sidecar-lint.yaml").write_text('kubernetesVersion: "1.33"\n')
    assert unknown_fields(tmp_path, capsys) == [pinned]  # pinned in the configuration
    assert unknown_fields(tmp_path, capsys, "--kubernetes-version", "1.34") == []  # flag wins
