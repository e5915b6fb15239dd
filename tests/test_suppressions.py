"""Every suppression form: object, pod template, one container, comment, whole file."""

from __future__ import annotations

from sidecar_lint.findings import Finding
from tests.conftest import lint

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {OBJECT}
spec:
  template:
    metadata:
      annotations: {TEMPLATE}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          volumeMount: []
        - name: helper
          image: busybox:1.36
          envs: []
"""


def _render(obj: str = "{}", template: str = "{}") -> str:
    return DEPLOYMENT.replace("{OBJECT}", obj).replace("{TEMPLATE}", template)


def _state(findings: list[Finding]) -> dict[str, str | None]:
    return {
        f.container or "": (f.suppression.source if f.suppression else None)
        for f in findings
        if f.code == "SL101"
    }


def test_nothing_suppressed_by_default() -> None:
    found = lint(_render(), select=["SL101"], counted_only=False)
    assert _state(found) == {"web": None, "helper": None}


def test_object_annotation_suppresses_every_container() -> None:
    found = lint(_render(obj='{sidecar-lint.io/ignore: "SL101"}'), ["SL101"], counted_only=False)
    assert _state(found) == {"web": "annotation", "helper": "annotation"}


def test_pod_template_annotation_with_reason() -> None:
    template = '{sidecar-lint.io/ignore: "unknown-field", sidecar-lint.io/ignore-reason: "legacy"}'
    found = lint(_render(template=template), ["SL101"], counted_only=False)
    assert _state(found) == {"web": "annotation", "helper": "annotation"}
    assert {f.suppression.justification for f in found if f.suppression} == {"legacy"}


def test_single_container_annotation() -> None:
    found = lint(
        _render(template='{sidecar-lint.io/ignore.helper: "SL1"}'), ["SL101"], counted_only=False
    )
    assert _state(found) == {"web": None, "helper": "annotation"}


def test_annotation_for_other_rules_does_not_suppress() -> None:
    found = lint(
        _render(obj='{sidecar-lint.io/ignore: "SL402,SL501"}'), ["SL101"], counted_only=False
    )
    assert _state(found) == {"web": None, "helper": None}


def test_comment_on_the_line_and_on_the_line_above() -> None:
    text = (
        _render()
        .replace(
            "volumeMount: []", "volumeMount: []  # sidecar-lint: ignore[SL101] typo kept on purpose"
        )
        .replace(
            "          envs: []",
            "          # sidecar-lint: ignore[unknown-field]\n          envs: []",
        )
    )
    found = lint(text, ["SL101"], counted_only=False)
    assert _state(found) == {"web": "comment", "helper": "comment"}
    reasons = {f.container: f.suppression.justification for f in found if f.suppression}
    assert reasons == {"web": "typo kept on purpose", "helper": None}


def test_comment_for_another_rule_or_line_does_not_suppress() -> None:
    text = _render().replace(
        "image: nginx:1.27", "image: nginx:1.27  # sidecar-lint: ignore[SL101]"
    )
    text = text.replace("volumeMount: []", "volumeMount: []  # sidecar-lint: ignore[SL402]")
    assert _state(lint(text, ["SL101"], counted_only=False)) == {"web": None, "helper": None}


def test_hash_inside_a_string_is_not_a_comment() -> None:
    text = _render().replace("image: nginx:1.27", 'image: "x # sidecar-lint: ignore-file"')
    assert _state(lint(text, ["SL101"], counted_only=False)) == {"web": None, "helper": None}


def test_ignore_file_everything_or_listed_rules() -> None:
    text = "# sidecar-lint: ignore-file\n" + _render()
    assert _state(lint(text, ["SL101"], counted_only=False)) == {"web": "file", "helper": "file"}
    text = "# sidecar-lint: ignore-file[SL5]\n" + _render()
    assert _state(lint(text, ["SL101"], counted_only=False)) == {"web": None, "helper": None}


def test_suppressed_findings_do_not_count() -> None:
    text = "# sidecar-lint: ignore-file\n" + _render()
    assert lint(text, ["SL101"]) == []
