"""Generated documentation is up to date with the rule catalogue."""

from __future__ import annotations

from pathlib import Path

from sidecar_lint.rule_catalogue import builtin_rules
from sidecar_lint.rule_docs import rules_reference, update_readme

ROOT = Path(__file__).resolve().parent.parent


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme(readme, builtin_rules()) == readme, "run python scripts/update_readme.py"


def test_rules_reference_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert rules_reference(builtin_rules()) == current, "run python scripts/update_readme.py"


def test_readme_opens_with_the_two_setup_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert len(block) == 2
    assert block[0].endswith("sidecar-lint examples/")
    # .ci/run reads this line out of the README and runs it: see
    # tests/test_dependency_bounds.py::test_ci_runs_the_readme_command_and_the_minimum_versions.
    assert block[1].endswith("&& pytest")


def test_readme_examples_are_valid(tmp_path: Path) -> None:
    import re

    from sidecar_lint.config import load_config
    from sidecar_lint.rule_catalogue import load_rules
    from sidecar_lint.settings import FlagValues, resolve_settings

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    yaml_blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    toml_blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    config = next(b for b in yaml_blocks if b.startswith("# .sidecar-lint.yaml"))
    rule = next(b for b in yaml_blocks if b.startswith("# policies/"))
    (tmp_path / ".sidecar-lint.yaml").write_text(config)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "ACME002-sidecar-registry.yaml").write_text(rule)
    loaded = load_config(tmp_path / ".sidecar-lint.yaml")
    settings = resolve_settings(loaded, FlagValues())
    settings.linter()  # parameters validate against the rules' models
    assert [r.code for r in load_rules([tmp_path / "policies"], builtin=False)] == ["ACME002"]
    (tmp_path / "pyproject.toml").write_text(toml_blocks[0])
    resolve_settings(load_config(tmp_path / "pyproject.toml"), FlagValues()).linter()


def _workflow_block(path: Path) -> str:
    import re

    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    (block,) = [b for b in blocks if b.startswith("# .github/workflows/sidecar-lint.yml\n")]
    return str(block)


def test_readme_shows_the_documented_workflow() -> None:
    """One workflow for users: the README's is docs/integrations.md's, character for character."""
    readme = _workflow_block(ROOT / "README.md")
    assert readme == _workflow_block(ROOT / "docs" / "integrations.md")


def test_documented_workflow_runs_once_per_change_with_what_the_upload_needs() -> None:
    import yaml

    workflow = yaml.safe_load(_workflow_block(ROOT / "README.md"))
    on = workflow.pop(True)  # YAML 1.1 reads the key `on` as True
    assert on == {"push": {"branches": ["main"]}, "pull_request": None}
    assert workflow["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "actions": "read",
    }
    (job,) = workflow["jobs"].values()
    checkout, lint = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 2}
    assert lint["uses"].startswith("sidecar-lint/sidecar-lint@")
    assert lint["with"]["upload-sarif"] == "true"
