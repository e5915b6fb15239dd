"""SL303 across files: the Service and the workload sit in different inputs of one run."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sidecar_lint.cli import main

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dashboard
  namespace: tools
spec:
  selector:
    matchLabels: {app: dashboard}
  template:
    metadata:
      labels: {app: dashboard}
    spec:
      containers:
        - name: dashboard
          image: registry.example.com/dashboard:2.0.0
          ports:
            - {name: http, containerPort: 8080}
        - name: oauth2-proxy
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.6.0
          args: [--upstream=http://127.0.0.1:8080, --http-address=0.0.0.0:4180]
          ports:
            - {name: proxy, containerPort: 4180}
"""

SERVICE = """\
# the dashboard's Service, kept with the other network objects
apiVersion: v1
kind: Service
metadata:
  name: dashboard
  namespace: tools
spec:
  selector: {app: dashboard}
  ports:
    - {port: 80, targetPort: TARGET}
"""


def run(tmp_path: Path, target: str, *extra: str) -> None:
    """Lint a run of two files, the Service's ``targetPort`` set to ``target``; SL303's findings."""
    (tmp_path / "deploy").mkdir()
    (tmp_path / "network").mkdir()
    (tmp_path / "deploy" / "dashboard.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    (tmp_path / "network" / "service.yaml").write_text(
        textwrap.dedent(SERVICE).replace("TARGET", target), encoding="utf-8"
    )
    main([".", "--select", "SL303", "--format", "json", "--no-cache", *extra])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_service_in_another_file_bypasses_the_proxy(
    jobs: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    run(tmp_path, "http", "--jobs", jobs)
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert (finding["code"], finding["file"], finding["line"], finding["container"]) == (
        "SL303",
        "deploy/dashboard.yaml",
        21,
        "oauth2-proxy",
    )
    assert "Service 'dashboard' (network/service.yaml:2)" in finding["message"]
    assert "set targetPort to 'proxy'" in finding["message"]


def test_the_service_through_the_proxy_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    run(tmp_path, "proxy")
    assert json.loads(capsys.readouterr().out)["findings"] == []
