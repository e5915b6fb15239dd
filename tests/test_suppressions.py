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


# --------------------------------------------------------------------------- unknown codes


def _sl002(text: str, report_unused: bool = False) -> list[tuple[int, int, int, str, str]]:
    found = lint(text, ["SL002", "SL101"], report_unused_ignores=report_unused)
    return [
        (f.span.start_line, f.span.start_col, f.span.end_col, f.severity.value, f.message)
        for f in found
        if f.code == "SL002"
    ]


def test_a_typo_in_a_comment_is_reported_at_the_code_and_still_suppresses_nothing() -> None:
    text = _render().replace("volumeMount: []", "volumeMount: []  # sidecar-lint: ignore[SL1O1]")
    number, line = next((n, ln) for n, ln in enumerate(text.splitlines(), 1) if "SL1O1" in ln)
    column = line.index("SL1O1") + 1
    assert _sl002(text) == [
        (
            number,
            column,
            column + 5,
            "warning",
            "unknown rule 'SL1O1' in suppression; did you mean SL101?",
        )
    ]
    assert _state(lint(text, ["SL101"], counted_only=False)) == {"web": None, "helper": None}


def test_every_unknown_selector_of_a_list_is_reported_on_its_own() -> None:
    text = "# sidecar-lint: ignore-file[ SL5O1 ,SL101,  unknown-feild,SL5,ALL]\n" + _render()
    first = text.splitlines()[0]
    assert [(c, m) for _, c, _, _, m in _sl002(text)] == [
        (first.index("SL5O1") + 1, "unknown rule 'SL5O1' in suppression; did you mean SL501?"),
        (
            first.index("unknown-feild") + 1,
            "unknown rule 'unknown-feild' in suppression; did you mean unknown-field?",
        ),
    ]


def test_known_rules_accept_what_suppressions_accept() -> None:
    from sidecar_lint.rule_catalogue import builtin_rules
    from sidecar_lint.suppressions import KnownRules

    known = KnownRules.of((r.code, r.name) for r in builtin_rules())
    for selector in ("SL501", "sl501", "SL5", "SL", "main-container-not-first", "ALL", "all", "*"):
        assert known.selects_any(selector), selector
    for selector in ("SL5O1", "SL9", "S", "main-container-first", "SL501 reason", ""):
        assert not known.selects_any(selector), selector
    assert known.nearest("SL5O1") == "SL501"
    assert known.nearest("Main-Container-Not-Frist") == "main-container-not-first"
    assert known.nearest("XYZ") is None


def test_an_annotation_value_that_is_not_on_one_line_points_at_the_key() -> None:
    text = _render(obj='{sidecar-lint.io/ignore: "SL402,\n    SL4O2"}')
    key_line = next(i for i, line in enumerate(text.splitlines(), 1) if "sidecar-lint.io" in line)
    key_col = text.splitlines()[key_line - 1].index("sidecar-lint.io") + 1
    assert [(ln, c, m) for ln, c, _, _, m in _sl002(text)] == [
        (key_line, key_col, "unknown rule 'SL4O2' in suppression; did you mean SL402?")
    ]


def test_the_linter_knows_every_builtin_rule_even_when_not_selected() -> None:
    text = _render().replace(
        "image: nginx:1.27", "image: nginx:1.27  # sidecar-lint: ignore[SL501]"
    )
    assert _sl002(text) == []  # SL501 is not selected, but it exists
