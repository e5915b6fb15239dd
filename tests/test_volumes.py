"""SL103/SL302 details that case files cannot express: parameters and annotation formats."""

from __future__ import annotations

import textwrap

import pytest

from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.checks.volumes import _injector_mounts, _json_names
from sidecar_lint.engine import Linter, RuleTuning
from sidecar_lint.rule_catalogue import CatalogueError, builtin_rules, select_rules
from tests.conftest import lint

POD = """
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
    - {name: app, image: "example.com/app:1.0.0"}
  volumes:
    - {name: otel-config, configMap: {name: otel}}
    - {name: leftover, emptyDir: {}}
"""


def _lint_tuned(text: str, params: dict[str, object]) -> list[str]:
    rules = select_rules(builtin_rules(), ["SL302"])
    linter = Linter(rules, CheckOptions(), tuning={"SL302": RuleTuning(params=params)})
    return [f.message for f in linter.lint_text(textwrap.dedent(text), "pod.yaml")]


def test_ignore_patterns_silence_matching_volumes_only() -> None:
    assert len(lint(POD, select=["SL302"])) == 2
    messages = _lint_tuned(POD, {"ignore": ["otel-*"]})
    assert len(messages) == 1 and "'leftover'" in messages[0]


def test_ignore_must_be_a_list_of_patterns() -> None:
    with pytest.raises(CatalogueError, match="SL302"):
        _lint_tuned(POD, {"ignore": 3})


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ('[{"name": "a", "mountPath": "/a"}, {"name": "b"}]', {"a", "b"}),
        ('{"a": {"mountPath": "/a"}, "b": {"mountPath": "/b"}}', {"a", "b"}),
        ('[{"mountPath": "/a"}, "x", {"name": 3}]', set()),
        ("not json", set()),
        ("", set()),
        (None, set()),
        (42, set()),
    ],
)
def test_istio_volume_annotation_forms(value: object, names: set[str]) -> None:
    assert _json_names(value) == names


def test_dapr_and_istio_mount_annotations_are_combined() -> None:
    annotations = {
        "dapr.io/volume-mounts": "certs:/mnt/certs, ,config:/mnt/config",
        "dapr.io/volume-mounts-rw": "scratch:/tmp/scratch",
        "sidecar.istio.io/userVolumeMount": '[{"name": "istio-logs", "mountPath": "/l"}]',
    }
    assert _injector_mounts(annotations) == {"certs", "config", "scratch", "istio-logs"}


def test_undeclared_and_unused_point_at_each_other() -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          volumeMounts: [{name: html-files, mountPath: /usr/share/nginx/html}]
      volumes:
        - {name: html-file, configMap: {name: html}}
    """
    found = lint(text, select=["SL103", "SL302"])
    assert [f.code for f in found] == ["SL103", "SL302"]
    assert "Did you mean 'html-file'?" in found[0].message
    assert "rename the mount to 'html-file'" in found[1].message


def test_odd_annotations_do_not_crash() -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: odd
      annotations: {1: x, sidecar.istio.io/userVolumeMount: [not, a, string], dapr.io/volume-mounts: 5}
    spec:
      containers:
        - {name: app, image: "example.com/app:1.0.0"}
      volumes:
        - {name: workload-socket, emptyDir: {}}
        - {name: leftover, emptyDir: {}}
    """
    found = lint(text, select=["SL103", "SL302"])
    assert [f.code for f in found] == ["SL302"]
    assert "'leftover'" in found[0].message  # workload-socket: an Istio annotation is present
