"""The catalogue matches each rule file's ``params:`` with its check's params model.

The model is the one source of parameter names, types and defaults; a rule
file that disagrees with it is rejected with its path and the parameter.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from sidecar_lint.checks.registry import get_check
from sidecar_lint.rule_catalogue import (
    CatalogueError,
    builtin_rules,
    builtin_rules_dir,
    first_document,
    load_rules,
    param_fields,
)

ROOT = Path(__file__).resolve().parent.parent
SL401 = "SL401-sidecar-resources-exceed-main.yaml"
CUSTOM = ROOT / "tests" / "data" / "custom_rules"


def _copy(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


def _sl401() -> str:
    return (builtin_rules_dir() / SL401).read_text(encoding="utf-8")


def test_a_param_the_model_lacks_is_rejected(tmp_path: Path) -> None:
    text = _sl401().replace(
        "params:\n", "params:\n  maxGpu:\n    description: Largest GPU count.\n", 1
    )
    path = _copy(tmp_path, SL401, text)
    with pytest.raises(CatalogueError) as err:
        load_rules([tmp_path])
    message = str(err.value)
    assert str(path) in message
    assert "'maxGpu' is not a field of SidecarResourceParams" in message


def test_a_model_param_the_file_does_not_document_is_rejected(tmp_path: Path) -> None:
    text = re.sub(r"(?m)^  maxRatio:\n    description: .*\n", "", _sl401())
    assert "maxRatio:" not in text.split("\n---\n")[0]
    path = _copy(tmp_path, SL401, text)
    with pytest.raises(CatalogueError) as err:
        load_rules([tmp_path])
    assert str(path) in str(err.value)
    assert "'maxRatio' of SidecarResourceParams" in str(err.value)
    assert "not documented" in str(err.value)


def test_a_builtin_file_may_not_write_a_default(tmp_path: Path) -> None:
    text = _sl401().replace("  maxCpu:\n", '  maxCpu:\n    default: "2"\n', 1)
    path = _copy(tmp_path, SL401, text)
    with pytest.raises(CatalogueError, match=r"params\.maxCpu\.default") as err:
        load_rules([tmp_path])
    assert str(path) in str(err.value)


def test_params_for_a_check_without_a_model_are_rejected(tmp_path: Path) -> None:
    name = "SL402-sidecar-without-resources.yaml"
    text = (builtin_rules_dir() / name).read_text(encoding="utf-8")
    text = text.replace("\nexamples:", "\nparams:\n  strict:\n    description: x\nexamples:", 1)
    _copy(tmp_path, name, text)
    with pytest.raises(CatalogueError, match="takes no parameters, but params: lists strict"):
        load_rules([tmp_path])


def test_builtin_defaults_come_from_the_model() -> None:
    for rule in builtin_rules():
        spec = get_check(rule.check)
        assert spec is not None, rule.code
        if spec.params is None:
            assert not rule.params, rule.code
            continue
        fields = param_fields(spec.params)
        assert list(fields) == sorted(fields, key=list(rule.params).index), rule.code
        for key, param in rule.params.items():
            assert param.default == fields[key].get_default(call_default_factory=True)
        # The documented defaults validate to what the model builds on its own.
        assert spec.build_params(rule.default_params) == spec.params.model_validate({})


def test_sl401_defaults_as_documented() -> None:
    rule = next(r for r in builtin_rules() if r.code == "SL401")
    assert rule.default_params == {"maxCpu": "1", "maxMemory": "1Gi", "maxRatio": 1.0}


def test_a_user_rule_sets_values_for_a_generic_check() -> None:
    rules = {r.code: r for r in load_rules([CUSTOM], builtin=False)}
    assert rules["ACME001"].default_params["roles"] == ["native-sidecar"]
    assert "kinds" not in rules["ACME001"].params  # optional fields may stay undocumented


def test_a_user_rule_with_an_unknown_param_is_rejected(tmp_path: Path) -> None:
    name = "ACME002-sidecar-registry.yaml"
    text = (CUSTOM / name).read_text(encoding="utf-8")
    text = text.replace("  roles:", "  role:", 1)
    path = _copy(tmp_path, name, text)
    with pytest.raises(CatalogueError, match="'role' is not a field of JsonPathParams") as err:
        load_rules([tmp_path], builtin=False)
    assert str(path) in str(err.value)


def test_a_user_rule_must_give_a_required_param_a_value(tmp_path: Path) -> None:
    name = "ACME002-sidecar-registry.yaml"
    text = (CUSTOM / name).read_text(encoding="utf-8")
    text = text.replace('path: {default: "$.image", ', "path: {", 1)
    _copy(tmp_path, name, text)
    with pytest.raises(CatalogueError, match=r"params\.path needs a default"):
        load_rules([tmp_path], builtin=False)


def test_the_cases_document_is_not_parsed(tmp_path: Path) -> None:
    text = _sl401().split("\n---\n", 1)[0] + "\n---\ncases: [this is not: valid yaml\n"
    _copy(tmp_path, SL401, text)
    (rule,) = load_rules([tmp_path])
    assert rule.code == "SL401"


def test_first_document_cuts_only_at_a_document_marker() -> None:
    assert first_document(b"a: |\n  ---\n  b\nc: 1\n--- \nd: 2\n") == b"a: |\n  ---\n  b\nc: 1\n"
    assert first_document(b"---\na: 1\n---\nb: 2\n") == b"---\na: 1\n"
    assert first_document(b"a: 1\r\n---\r\nb: 2\r\n") == b"a: 1\r\n"
    assert first_document(b"a: 1\n") == b"a: 1\n"
    assert first_document(b"a: 1\n--- # cases\nb: 2\n") == b"a: 1\n"
    assert first_document(b"a: 1\n---") == b"a: 1\n"
    assert first_document(b"a: |\n  x\n----\n---x: 1\n") == b"a: |\n  x\n----\n---x: 1\n"


def test_a_rule_file_with_windows_line_ends_reads_the_same(tmp_path: Path) -> None:
    text = _sl401()
    _copy(tmp_path, SL401, text.replace("\n", "\r\n"))
    (crlf,) = load_rules([tmp_path])
    lf = next(r for r in builtin_rules() if r.code == "SL401")
    assert "\r\n" in (tmp_path / SL401).read_bytes().decode()
    assert crlf == lf


def test_the_cut_reads_what_a_full_parse_reads_as_the_first_document() -> None:
    paths = sorted(builtin_rules_dir().glob("*.yaml"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        docs = list(yaml.safe_load_all(text))
        assert len(docs) == 2, f"{path}: the rule, then its cases"
        assert yaml.safe_load(first_document(text.encode()).decode()) == docs[0], path
        assert "cases" not in docs[0], path


def test_the_result_cache_keys_on_what_the_catalogue_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sidecar_lint import cache as cache_module
    from sidecar_lint.config import resolve_config
    from sidecar_lint.settings import FlagValues, resolve_settings

    (tmp_path / ".sidecar-lint.yaml").write_text("rulePaths: [policies]\n", encoding="utf-8")
    shutil.copytree(CUSTOM, tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    rule = tmp_path / "policies" / "ACME001-native-sidecar-startup-probe.yaml"

    def key() -> str:
        return cache_module.run_key(resolve_settings(resolve_config(None, False), FlagValues()))

    before = key()
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text + "---\ncases: []\n", encoding="utf-8")
    assert key() == before  # test cases decide no finding
    rule.write_text(text.replace("title: Every", "title: Each", 1), encoding="utf-8")
    assert key() != before
