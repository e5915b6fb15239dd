"""Configuration discovery and validation: every error is one line with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidecar_lint.config import ConfigError, find_config, load_config, resolve_config
from tests.conftest import SIX_MISTAKES

FULL = """\
kubernetesVersion: "1.30"
featureGates: {SidecarContainers: true}
failOn: error
select: [SL]
ignore: [SL502]
exclude: ["charts/*/templates"]
rules:
  SL401:
    severity: error
    params: {maxCpu: "500m"}
  sidecar-image-not-pinned:
    severity: "off"
overrides:
  - files: "jobs/**"
    ignore: [SL201]
sidecars:
  names: ["*-helper"]
  images: ["registry.example.com/sidecars/*"]
  never: ["app-proxy"]
workloads:
  - apiVersion: example.com/v1
    kind: Worker
    podTemplate: $.spec.podTemplate
rulePaths: [policies]
"""


def test_full_example_validates(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(FULL)
    loaded = load_config(path)
    cfg = loaded.config
    assert cfg.kubernetes_version == "1.30" and cfg.fail_on == "error"
    assert cfg.feature_gates == {"SidecarContainers": True}
    assert cfg.rules["SL401"].params == {"maxCpu": "500m"}
    assert cfg.overrides[0].files == ["jobs/**"]
    assert cfg.workloads[0].pod_template == "$.spec.podTemplate"
    assert loaded.rule_dirs() == [(tmp_path / "policies").resolve()]


def test_discovery_walks_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    deep = repo / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / ".sidecar-lint.yml").write_text("failOn: note\n")
    (tmp_path / ".sidecar-lint.yaml").write_text("failOn: error\n")  # outside the repo
    assert find_config(deep) == repo / ".sidecar-lint.yml"
    (repo / "a" / ".sidecar-lint.yaml").write_text("failOn: none\n")
    assert find_config(deep) == repo / "a" / ".sidecar-lint.yaml"


def test_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".sidecar-lint.yaml").write_text("failOn: error\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_config(repo) is None


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.sidecar-lint]\nkubernetesVersion = "1.31"\nignore = ["SL5"]\n'
    )
    (tmp_path / "sub").mkdir()
    found = find_config(tmp_path / "sub")
    assert found == tmp_path / "pyproject.toml"
    assert load_config(found).config.ignore == ["SL5"]


def test_pyproject_without_the_table_is_not_a_config(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert find_config(tmp_path) is None


def test_explicit_and_isolated(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".sidecar-lint.yaml").write_text("failOn: error\n")
    other = tmp_path / "ci.yaml"
    other.write_text("failOn: note\n")
    assert resolve_config(None, False, tmp_path).config.fail_on == "error"
    assert resolve_config(str(other), False, tmp_path).config.fail_on == "note"
    assert resolve_config(None, True, tmp_path).config.fail_on is None
    with pytest.raises(ConfigError, match=r"missing\.yaml: configuration file not found"):
        resolve_config(str(tmp_path / "missing.yaml"), False, tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "failOn: sometimes\n",
            ":1:1: failOn: 'sometimes' is not a failOn level; use error, warning, note or none",
        ),
        ("kubernetesVersion: 1.30\n", ':1:1: kubernetesVersion: quote the version, e.g. "1.30"'),
        ("kubernetesVersion: latest\n", ":1:1: kubernetesVersion: not a Kubernetes version"),
        ("selct: [SL1]\n", ":1:1: selct: unknown key 'selct'; did you mean 'select'?"),
        (
            "rules:\n  SL401:\n    severity: fatal\n",
            ":3:5: rules.SL401.severity: 'fatal' is not a severity; use error, warning, note or off",
        ),
        (
            "rules:\n  SL401:\n    parms: {}\n",
            ":3:5: rules.SL401.parms: unknown key 'parms'; did you mean 'params'?",
        ),
        ("overrides:\n  - ignore: [SL201]\n", ":2:5: overrides.0.files: required key 'files'"),
        (
            "workloads:\n  - apiVersion: x/v1\n    kind: W\n    podTemplate: '$..[?('\n",
            ":4:5: workloads.0.podTemplate: invalid JSONPath",
        ),
        ("sidecars: [a]\n", ":1:1: sidecars: expected a mapping (key: value), got the list [a]"),
        ("select: SL1\n", ":1:1: select: expected a list, got the string 'SL1'; write [SL1]"),
        (
            "featureGates:\n  SidecarContainers: true\n  ContainerRestartRule: true\n",
            ":3:3: featureGates.ContainerRestartRule: unknown feature gate "
            "'ContainerRestartRule'; did you mean 'ContainerRestartRules'?",
        ),
        (
            "featureGates:\n  SidecarContainers: 1\n",
            ":2:3: featureGates.SidecarContainers: expected true or false, got the number 1",
        ),
        ("featureGate: {}\n", ":1:1: featureGate: unknown key 'featureGate'; did you mean"),
        ("exclude: [\n", ":1:11: invalid YAML"),
        ("failOn: error\nfailOn: note\n", ":2:1: duplicate key 'failOn'"),
        ("a: 1\n---\nb: 2\n", ": a configuration file holds one YAML document"),
    ],
)
def test_error_paths_are_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    assert expected in message, message


def test_pyproject_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.sidecar-lint]\nfailOn = "error"\nselekt = ["SL1"]\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml:3:1: selekt: unknown key"):
        load_config(path)
    path.write_text("[tool.sidecar-lint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path)


def test_empty_file_is_the_default(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text("# nothing yet\n")
    assert load_config(path).config.select == []


def test_configured_severity_wins_over_a_checks_own() -> None:
    from sidecar_lint.checks.registry import CheckOptions
    from sidecar_lint.engine import Linter, RuleTuning
    from sidecar_lint.rule_catalogue import builtin_rules, select_rules
    from sidecar_lint.versions import KubeVersion

    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n"
        "    - {name: proxy, image: 'envoyproxy/envoy:v1.31.0', restartPolicy: Always}\n"
        "  containers:\n    - {name: app, image: 'x:1'}\n"
    )
    rules = select_rules(builtin_rules(), ["SL106"])
    options = CheckOptions(kubernetes_version=KubeVersion.parse("1.28"))
    (own,) = Linter(rules, options).lint_text(text)
    assert own.severity.value == "warning"
    tuned = Linter(rules, options, tuning={"SL106": RuleTuning(severity="error")})
    (configured,) = tuned.lint_text(text)
    assert configured.severity.value == "error"


# --------------------------------------------------------------------------- every problem at once


def test_every_mistake_is_listed_in_file_order_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(SIX_MISTAKES)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.lines == [
        f'{path}:1:1: kubernetesVersion: quote the version, e.g. "1.30": unquoted, YAML reads '
        "it as the number 1.3",
        f"{path}:2:1: failOn: 'sometimes' is not a failOn level; use error, warning, note or none",
        f"{path}:3:1: selct: unknown key 'selct'; did you mean 'select'?",
        f"{path}:6:5: rules.SL401.severity: 'fatal' is not a severity; use error, warning, "
        "note or off",
        f"{path}:7:5: rules.SL401.parms: unknown key 'parms'; did you mean 'params'?",
        f"{path}:8:1: sidecars: expected a mapping (key: value), got the list [a]",
    ]
    assert str(err.value) == "\n".join(err.value.lines)


def test_duplicate_keys_are_listed_with_the_other_problems(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text("select: SL1\nfailOn: error\nfailOn: note\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert [line.split(": ", 1)[0].rsplit(":", 2)[1:] for line in err.value.lines] == [
        ["1", "1"],
        ["3", "1"],
    ]
    assert err.value.lines[1].endswith(":3:1: duplicate key 'failOn'")


@pytest.mark.parametrize("word", ["off", "Off", "OFF"])
def test_unquoted_off_is_the_severity_the_user_wrote(tmp_path: Path, word: str) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(f"rules:\n  SL401:\n    severity: {word}\n  SL402: {{severity: off}}\n")
    if word == "off":
        rules = load_config(path).config.rules
        assert rules["SL401"].severity == "off" and rules["SL402"].severity == "off"
        return
    with pytest.raises(ConfigError) as err:  # echoed as written, not as False
        load_config(path)
    assert err.value.lines == [
        f"{path}:3:5: rules.SL401.severity: '{word}' is not a severity; use error, warning, "
        "note or off"
    ]


def test_other_yaml_11_booleans_are_echoed_as_written(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(
        "failOn: no\noverrides:\n  - files: x\n    rules:\n      SL401:\n        severity: yes\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.lines == [
        f"{path}:1:1: failOn: 'no' is not a failOn level; use error, warning, note or none",
        f"{path}:6:9: overrides.0.rules.SL401.severity: 'yes' is not a severity; use error, "
        "warning, note or off",
    ]


def test_a_real_boolean_where_a_severity_belongs_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text("rules:\n  SL401: {severity: false}\n")
    with pytest.raises(ConfigError, match=r":2:11: rules.SL401.severity: 'false' is not a sev"):
        load_config(path)


PYPROJECT_MISTAKES = """\
[project]
name = "demo"  # [tool.sidecar-lint] in a comment is not a table

[tool.sidecar-lint]
kubernetesVersion = 1.30
"select" = [
  "SL1",  # a comment, with ] and , in it
  3,
]
exclude = ["a#b", 'c]d', \"\"\"e
f\"\"\"]
rules.SL401 = { severity = "fatal", params = { maxCpu = "1" } }

[[tool.sidecar-lint.overrides]]
files = "jobs/**"
selekt = []

[[tool.sidecar-lint.overrides]]
files = "cron/**"

[tool.sidecar-lint.overrides.rules.SL402]
severty = "note"
"""


def test_pyproject_positions_come_from_a_scan_of_the_table(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT_MISTAKES)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.lines == [
        f'{path}:5:1: kubernetesVersion: quote the version, e.g. "1.30": unquoted, TOML reads '
        "it as the number 1.3",
        f"{path}:8:3: select.1: expected a string, got the number 3",
        f'{path}:12:17: rules.SL401.severity: "fatal" is not a severity; use error, warning, '
        "note or off",
        f"{path}:16:1: overrides.0.selekt: unknown key 'selekt'; did you mean 'select'?",
        f"{path}:22:1: overrides.1.rules.SL402.severty: unknown key 'severty'; did you mean "
        "'severity'?",
    ]


def test_pyproject_key_not_found_by_the_scan_falls_back_to_the_table(tmp_path: Path) -> None:
    from sidecar_lint.config import _TomlLocator

    locate = _TomlLocator('[other]\nx = 1\n\n[tool.sidecar-lint]\nselect = ["SL1"]\n')
    assert locate.position(("select", 0)) == (5, 11)
    assert locate.position(("failOn",)) == (4, 1)  # the table's header
    assert locate.written(("select", 0)) == '"SL1"'


def test_problems_found_after_validation_are_listed_together(tmp_path: Path) -> None:
    from sidecar_lint.settings import FlagValues, resolve_settings

    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(
        'kubernetesVersion: "1.2"\n'
        "select: [SLX9]\n"
        "rules:\n"
        "  SL999: {severity: note}\n"
        "  SL401:\n"
        "    params: {maxCpus: 1}\n"
        "  SL402: {params: {maxRatio: .nan}}\n"
    )
    with pytest.raises(ConfigError) as err:
        resolve_settings(load_config(path), FlagValues(ignore=("NOPE",)))
    lines = err.value.lines
    assert lines[0] == "--ignore: unknown rule selector(s): NOPE"
    assert [line.split(": ")[1] for line in lines[1:]] == [
        "kubernetesVersion",
        "select",
        "rules.SL999",
        "rules.SL401.params.maxCpus",
        "rules.SL402.params.maxRatio",
    ]
    assert lines[1].startswith(f"{path}:1:1: ") and "1.2 is not supported" in lines[1]
    assert lines[3] == f"{path}:4:3: rules.SL999: no rule 'SL999'; see --list-rules"
    assert lines[4].startswith(f"{path}:6:14: rules.SL401.params.maxCpus: unknown parameter(s)")


def test_every_pydantic_error_type_the_schema_raises_has_our_words(tmp_path: Path) -> None:
    from sidecar_lint.config import MESSAGES

    path = tmp_path / ".sidecar-lint.yaml"
    path.write_text(
        "exclude: [1, [2]]\n"
        "featureGates: {SidecarContainers: 'yes'}\n"
        "overrides: [{files: []}, {select: []}]\n"
        "workloads:\n  - {apiVersion: '', kind: W, podTemplate: x, completes: maybe}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert len(err.value.lines) == 7
    assert err.value.lines[3] == f"{path}:3:14: overrides.0.files: must list at least one item"
    for line in err.value.lines:
        assert "Input should" not in line and "Field required" not in line, line
    assert "missing" in MESSAGES and "literal_error" in MESSAGES
