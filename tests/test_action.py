"""The GitHub Action (action.yml) and its self-test workflow.

The composite action's ``run:`` steps are executed here the way a runner would:
``bash --noprofile --norc -eo pipefail`` in the workspace, with the step's ``env:``
evaluated from the inputs and earlier steps' outputs, and fresh ``GITHUB_OUTPUT``
files. ``uses:`` steps are not run: their ``if:`` is evaluated with a small
expression evaluator and their ``with:`` is recorded. By default the install step
is replaced by the test's own interpreter (which has sidecar-lint installed); the
slow test runs the real install step into a virtual environment.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import share_bytecode

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "sidecar-lint.yml"
DATA = Path(__file__).resolve().parent / "data" / "action"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")

EXISTING_SUMMARY = "### Earlier step\n\nThis was here before sidecar-lint ran."


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def action() -> dict[str, Any]:
    data = load_yaml(ACTION)
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    return list(action()["runs"]["steps"])


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in steps() if s.get("id") == step_id)


# --------------------------------------------------------------------------------------------
# A small evaluator for the GitHub expressions the action and workflow use.


class ExpressionError(Exception):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|&&|\|\||!|\(|\)|\.)|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if not value.strip():
            return 0.0
        try:
            return float(value.strip())
        except ValueError:
            return math.nan
    return math.nan


def _equal(a: Any, b: Any) -> bool:
    """Loose equality: strings compare case-insensitively, other mixes as numbers."""
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if a is None and b is None:
        return True
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return a is b
    return _number(a) == _number(b)


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any], status: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.context = context
        self.status = status
        self.uses_status = False

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value!r}, found {token!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.unary()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.unary()
            value = right if _truthy(value) else value
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not _truthy(self.unary())
        return self.comparison()

    def comparison(self) -> Any:
        left = self.primary()
        token = self.peek()
        if token in (("op", "=="), ("op", "!=")):
            self.take()
            right = self.primary()
            same = _equal(left, right)
            return same if token == ("op", "==") else not same
        return left

    def primary(self) -> Any:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            inner = self.or_()
            self.take(")")
            return inner
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return float(value)
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r}")
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        if self.peek() == ("op", "("):
            self.take()
            self.take(")")
            return self.call(value)
        current: Any = self.context.get(value)
        if value not in self.context:
            raise ExpressionError(f"unknown context {value!r}")
        while self.peek() == ("op", "."):
            self.take()
            _, key = self.take()
            current = current.get(key) if isinstance(current, dict) else None
        return current

    def call(self, name: str) -> bool:
        self.uses_status = True
        results = {
            "always": True,
            "cancelled": False,
            "success": self.status == "success",
            "failure": self.status == "failure",
        }
        if name not in results:
            raise ExpressionError(f"unknown function {name}()")
        return results[name]


def evaluate(text: str, context: Mapping[str, Any], status: str = "success") -> Any:
    """Value of one expression (with or without the ``${{ }}`` around it)."""
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return _Parser(text, context, status).parse()


def condition(text: str | None, context: Mapping[str, Any], status: str) -> bool:
    """Whether a step with this ``if:`` runs (no status function means ``success() &&``)."""
    if text is None:
        return status == "success"
    parser_text = text.strip()
    if parser_text.startswith("${{") and parser_text.endswith("}}"):
        parser_text = parser_text[3:-2]
    parser = _Parser(parser_text, context, status)
    value = _truthy(parser.parse())
    return value if parser.uses_status else value and status == "success"


def interpolate(value: Any, context: Mapping[str, Any]) -> str:
    """A ``with:``/``env:`` value with every ``${{ }}`` replaced."""
    text = "" if value is None else str(value)

    def replace(m: re.Match[str]) -> str:
        result = evaluate(m.group(1), context)
        if result is None:
            return ""
        if isinstance(result, bool):
            return str(result).lower()
        if isinstance(result, float) and result.is_integer():
            return str(int(result))
        return str(result)

    return re.sub(r"\$\{\{(.*?)\}\}", replace, text, flags=re.S)


def test_evaluator_follows_github_semantics() -> None:
    ctx = {"inputs": {"a": "True", "b": ""}, "github": {"event": {}}}
    assert evaluate("inputs.a == 'true'", ctx) is True
    assert evaluate("${{ inputs.b != '' }}", ctx) is False
    assert evaluate("!github.event.pull_request", ctx) is True
    assert evaluate("inputs.missing == ''", {"inputs": {}}) is True
    assert condition("inputs.a == 'true'", ctx, "failure") is False
    assert condition("${{ !cancelled() && inputs.a == 'true' }}", ctx, "failure") is True
    with pytest.raises(ExpressionError):
        evaluate("secrets.TOKEN", ctx)


# --------------------------------------------------------------------------------------------
# The fake runner.


def parse_file_commands(text: str) -> dict[str, str]:
    """``name=value`` and ``name<<DELIMITER`` blocks, as in GITHUB_OUTPUT."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            i += 1
            values[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    message: str


def workflow_commands(log: str) -> list[Command]:
    """The ``::command::`` lines a runner would act on, honouring ``::stop-commands::``."""
    found: list[Command] = []
    resume: str | None = None
    for raw in log.splitlines():
        line = raw.strip()
        if resume is not None:
            if line == f"::{resume}::":
                resume = None
            continue
        m = re.match(r"^::([a-z-]+)(?: ([^:]*))?::(.*)$", line)
        if m is None:
            continue
        name, props, message = m.groups()
        if name == "stop-commands":
            resume = message
            continue
        properties = {}
        for part in (props or "").split(","):
            if "=" in part:
                key, value = part.split("=", 1)
                properties[key] = value
        found.append(Command(name, properties, message))
    return found


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    step_outputs: dict[str, dict[str, str]]
    summary: str
    workspace: Path
    runner_temp: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    uses_with: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def annotations(self) -> list[Command]:
        return [
            c
            for c in workflow_commands(self.stdout + "\n" + self.stderr)
            if c.name in ("error", "warning", "notice")
        ]


def command_script(directory: Path, *argv: str) -> str:
    """An executable that runs ``argv`` with the arguments it is given."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "sidecar-lint"
    quoted = " ".join(f"'{a}'" for a in argv)
    path.write_text(f'#!/bin/sh\nexec {quoted} "$@"\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def make_workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "workspace"
    shutil.copytree(DATA / "workspace", workspace)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(workspace)], check=True, env=clean_env())
    return workspace


def clean_env() -> dict[str, str]:
    """The test process's environment without anything of GitHub, git or colour."""
    dropped = ("GITHUB_", "INPUT_", "RUNNER_", "GIT_", "ACTIONS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    for name in ("FORCE_COLOR", "NO_COLOR", "CI"):
        env.pop(name, None)
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return share_bytecode(env)


def run_action(
    tmp_path: Path,
    inputs: Mapping[str, str] | None = None,
    *,
    workspace: Path | None = None,
    command: str | None = None,
    real_install: bool = False,
    event: Mapping[str, Any] | None = None,
    event_name: str = "push",
    extra_env: Mapping[str, str] | None = None,
    uses: Callable[[dict[str, Any], dict[str, str]], dict[str, str]] | None = None,
    runner_temp: Path | None = None,
    summary_file: Path | None = None,
) -> Run:
    """Run action.yml's steps as a runner would, with a fake GitHub environment."""
    meta = action()
    declared = meta["inputs"]
    unknown = set(inputs or {}) - set(declared)
    assert not unknown, f"not inputs of the action: {unknown}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs or {})

    workspace = workspace or make_workspace(tmp_path)
    runner_temp = runner_temp or tmp_path / "runner-temp"
    runner_temp.mkdir(parents=True, exist_ok=True)
    if summary_file is None:
        summary_file = tmp_path / "step-summary.md"
        summary_file.write_text(EXISTING_SUMMARY, encoding="utf-8")
    files = tmp_path / "runner-files"
    files.mkdir(parents=True, exist_ok=True)
    github = {
        "action_path": str(ROOT),
        "workspace": str(workspace),
        "event_name": event_name,
        "event": dict(event or {}),
        "repository": "example/store",
        "token": "not-a-token",
    }
    base_env = {
        **clean_env(),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REPOSITORY": "example/store",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "RUNNER_TEMP": str(runner_temp),
        "RUNNER_OS": "Linux",
        **(extra_env or {}),
    }
    step_outputs: dict[str, dict[str, str]] = {}
    status = "success"
    result = Run(0, "", "", {}, step_outputs, "", workspace, runner_temp)
    for index, spec in enumerate(meta["runs"]["steps"]):
        step_id = spec.get("id", f"step{index}")
        context = {
            "inputs": values,
            "github": github,
            "runner": {"temp": str(runner_temp), "os": "Linux"},
            "steps": {k: {"outputs": v} for k, v in step_outputs.items()},
        }
        if not condition(spec.get("if"), context, status):
            result.skipped.append(step_id)
            continue
        result.ran.append(step_id)
        if "uses" in spec:
            with_values = {k: interpolate(v, context) for k, v in (spec.get("with") or {}).items()}
            result.uses_with[step_id] = with_values
            step_outputs[step_id] = uses(spec, with_values) if uses else {}
            continue
        if step_id == "install" and not real_install:
            # The test's own interpreter has sidecar-lint installed.
            exe = command or command_script(tmp_path / "bin", sys.executable, "-m", "sidecar_lint")
            step_outputs[step_id] = {"python": sys.executable, "command": exe}
            continue
        assert spec.get("shell") == "bash", f"{step_id}: run steps must say shell: bash"
        output_file = files / f"{step_id}.output"
        output_file.write_text("", encoding="utf-8")
        for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE"):
            (files / f"{step_id}.{name}").write_text("", encoding="utf-8")
        env = {
            **base_env,
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_ENV": str(files / f"{step_id}.GITHUB_ENV"),
            "GITHUB_PATH": str(files / f"{step_id}.GITHUB_PATH"),
            "GITHUB_STATE": str(files / f"{step_id}.GITHUB_STATE"),
        }
        env.update({k: interpolate(v, context) for k, v in (spec.get("env") or {}).items()})
        script = files / f"{step_id}.sh"
        script.write_text(spec["run"], encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        result.stdout += proc.stdout
        result.stderr += proc.stderr
        step_outputs[step_id] = parse_file_commands(output_file.read_text(encoding="utf-8"))
        for name in ("GITHUB_ENV", "GITHUB_PATH"):
            leaked = (files / f"{step_id}.{name}").read_text(encoding="utf-8")
            assert leaked == "", f"{step_id} changed the job's {name}: {leaked!r}"
        if proc.returncode != 0:
            status = "failure"
            result.returncode = proc.returncode
    context = {"steps": {k: {"outputs": v} for k, v in step_outputs.items()}}
    result.outputs = {
        name: interpolate(spec["value"], context) for name, spec in meta["outputs"].items()
    }
    result.summary = summary_file.read_text(encoding="utf-8")
    return result


# --------------------------------------------------------------------------------------------
# Structure of action.yml.


def test_action_is_a_composite_with_documented_inputs_and_outputs() -> None:
    meta = action()
    assert meta["runs"]["using"] == "composite"
    expected = {
        "paths",
        "config",
        "kubernetes-version",
        "feature-gates",
        "fail-on",
        "args",
        "sarif-file",
        "upload-sarif",
        "summary",
        "python-version",
    }
    assert set(meta["inputs"]) == expected
    for name, spec in meta["inputs"].items():
        assert spec.get("description"), name
        assert isinstance(spec.get("default", ""), str), f"{name}: defaults are strings"
    assert {"findings", "errors", "sarif-file"} <= set(meta["outputs"])
    ids = {s.get("id") for s in steps()}
    for name, spec in meta["outputs"].items():
        assert spec.get("description"), name
        m = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert m and m.group(1) in ids, f"output {name}: {spec['value']}"


def _expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [e for v in node.values() for e in _expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in _expressions(v)]
    if isinstance(node, str):
        found = re.findall(r"\$\{\{(.*?)\}\}", node, flags=re.S)
        return found
    return []


def test_no_expression_inside_a_script_and_every_input_reference_exists() -> None:
    meta = action()
    for spec in steps():
        if "run" in spec:
            assert "${{" not in spec["run"], f"{spec.get('id')}: use env: for values in run:"
            assert spec.get("shell") == "bash"
    used = set()
    for expr in _expressions(meta["runs"]):
        for name in re.findall(r"inputs\.([\w-]+)", expr):
            assert name in meta["inputs"], f"unknown input {name}"
            used.add(name)
        for ref in re.findall(r"steps\.([\w-]+)\.outputs", expr):
            assert ref in {s.get("id") for s in steps()}, f"unknown step {ref}"
    assert used == set(meta["inputs"]), f"inputs never used: {set(meta['inputs']) - used}"
    lint_env = step("lint")["env"]
    # Every input reaches the lint step's script through env:, and nothing else does.
    mapped = {m for v in lint_env.values() for m in re.findall(r"inputs\.([\w-]+)", v)}
    assert mapped == {
        "paths",
        "config",
        "kubernetes-version",
        "feature-gates",
        "fail-on",
        "args",
        "sarif-file",
        "summary",
    }


def test_every_used_action_is_pinned_to_a_commit_with_its_version() -> None:
    used = [(ACTION, s["uses"]) for s in steps() if "uses" in s]
    for job in _workflow()["jobs"].values():
        used += [(WORKFLOW, s["uses"]) for s in job["steps"] if "uses" in s]
    assert len(used) >= 3
    for path, ref in used:
        if ref == "./":
            continue
        assert PINNED.match(ref), f"{ref}: pin by full commit SHA"
        line = next(x for x in path.read_text(encoding="utf-8").splitlines() if ref in x)
        assert re.search(r"# v\d+\.\d+\.\d+$", line), f"{ref}: say which version the SHA is"


def test_setup_python_only_when_a_version_is_asked_for() -> None:
    spec = step("python")
    assert spec["uses"].startswith("actions/setup-python@")
    assert spec["with"]["python-version"] == "${{ inputs.python-version }}"
    assert str(spec["with"].get("update-environment")).lower() == "false"
    for version, runs in (("", False), ("3.12", True)):
        ctx = {"inputs": {"python-version": version}}
        assert condition(spec["if"], ctx, "success") is runs
    assert "steps.python.outputs.python-path" in step("install")["env"]["SETUP_PYTHON_PATH"]


UPLOAD_CASES = [
    # (upload-sarif, event name, event payload, sarif-file output, earlier failure, runs)
    ("false", "push", {}, "/t/x.sarif", False, False),
    ("true", "push", {}, "/t/x.sarif", False, True),
    ("TRUE", "schedule", {}, "/t/x.sarif", False, True),
    ("true", "push", {}, "/t/x.sarif", True, True),
    ("true", "push", {}, "", True, False),
    (
        "true",
        "pull_request",
        {"pull_request": {"head": {"repo": {"full_name": "example/store"}}}},
        "/t/x.sarif",
        True,
        True,
    ),
    (
        "true",
        "pull_request",
        {"pull_request": {"head": {"repo": {"full_name": "someone/store"}}}},
        "/t/x.sarif",
        False,
        False,
    ),
    (
        "true",
        "pull_request_target",
        {"pull_request": {"head": {"repo": {"full_name": "someone/store"}}}},
        "/t/x.sarif",
        False,
        False,
    ),
]


@pytest.mark.parametrize(("upload", "event_name", "event", "sarif", "failed", "runs"), UPLOAD_CASES)
def test_sarif_upload_is_opt_in_and_skipped_for_forks(
    upload: str, event_name: str, event: dict[str, Any], sarif: str, failed: bool, runs: bool
) -> None:
    order = [s.get("id") for s in steps()]
    spec = step("upload-sarif")
    assert spec["uses"].startswith("github/codeql-action/upload-sarif@")
    assert spec["with"]["sarif_file"] == "${{ steps.lint.outputs.sarif-file }}"
    assert order.index("upload-sarif") > order.index("lint"), "upload after linting"
    ctx = {
        "inputs": {"upload-sarif": upload},
        "github": {"event_name": event_name, "event": event, "repository": "example/store"},
        "steps": {"lint": {"outputs": {"sarif-file": sarif}}},
    }
    assert condition(spec["if"], ctx, "failure" if failed else "success") is runs


def _check_jsonschema(schema: str, path: Path) -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.fail("check-jsonschema is a test dependency: pip install -e '.[test]'")
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_matches_githubs_schema() -> None:
    _check_jsonschema("vendor.github-actions", ACTION)


def test_workflow_matches_githubs_schema() -> None:
    _check_jsonschema("vendor.github-workflows", WORKFLOW)


def _workflow() -> dict[str, Any]:
    data = load_yaml(WORKFLOW)
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return dict(data)


def test_workflow_dogfoods_the_action_with_minimal_permissions() -> None:
    wf = _workflow()
    assert wf["permissions"] == {"contents": "read"}
    assert "pull_request" in wf["on"]
    own = []
    for job in wf["jobs"].values():
        assert "permissions" not in job or job["permissions"] == {"contents": "read"}
        for spec in job["steps"]:
            if "run" in spec:
                assert "${{" not in spec["run"], "use env: for values in run:"
            if spec.get("uses") == "./":
                own.append(spec)
                assert spec["with"].get("upload-sarif", "false") == "false"
    # The examples hold mistakes: each run either reports without failing or is allowed to fail.
    assert own
    for spec in own:
        paths = spec["with"]["paths"]
        if "examples/" in paths.split() or "pod-sidecar-containers" in paths:
            assert spec["with"].get("fail-on") == "none" or spec.get("continue-on-error") is True


def _run_bodies() -> list[tuple[str, str]]:
    bodies = [(f"action:{s.get('id')}", s["run"]) for s in steps() if "run" in s]
    for name, job in _workflow()["jobs"].items():
        for spec in job["steps"]:
            if "run" in spec:
                bodies.append((f"workflow:{name}:{spec.get('name')}", spec["run"]))
    return bodies


def test_run_bodies_are_valid_bash() -> None:
    for name, body in _run_bodies():
        proc = subprocess.run(["bash", "-n"], input=body, capture_output=True, text=True)
        assert proc.returncode == 0, f"{name}: {proc.stderr}"


def test_run_bodies_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed")
    for name, body in _run_bodies():
        proc = subprocess.run(
            [shellcheck, "--shell=bash", "--severity=style", "-"],
            input="set -eo pipefail\n" + body,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, f"{name}:\n{proc.stdout}"


# --------------------------------------------------------------------------------------------
# Running the action with the real sidecar-lint.


def _sarif(path: str) -> dict[str, Any]:
    log = json.loads(Path(path).read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    return dict(log)


def test_findings_annotate_the_diff_write_sarif_and_append_the_summary(tmp_path: Path) -> None:
    run = run_action(tmp_path)

    # Default fail-on is sidecar-lint's own (warning): an error and a warning fail the step.
    assert run.returncode == 1, run.stderr
    assert run.outputs["findings"] == "2"
    assert run.outputs["errors"] == "1"
    assert run.outputs["warnings"] == "1"
    assert run.outputs["notes"] == "0"

    # Annotations on the exact lines, with repository-relative paths.
    marks = {(a.name, a.properties.get("file"), a.properties.get("line")) for a in run.annotations}
    assert ("error", "k8s/bad.yaml", "14") in marks
    assert ("warning", "k8s/bad.yaml", "36") in marks
    assert not any(
        a.properties.get("file") in ("k8s/good.yaml", "helm/values.yaml") for a in run.annotations
    )
    assert "k8s/bad.yaml:14:3: error SL101" in run.stdout  # the text report is in the log

    # SARIF: in the runner's temporary directory by default, valid JSON with the results.
    sarif_file = run.outputs["sarif-file"]
    assert Path(sarif_file).is_absolute()
    assert Path(sarif_file).parent.parent == run.runner_temp
    results = _sarif(sarif_file)["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["SL101", "SL402"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"k8s/bad.yaml"}
    assert not list(run.workspace.glob("*.sarif")), "nothing is written into the checkout"

    # The summary is appended: what earlier steps wrote is still there, first.
    assert run.summary.startswith(EXISTING_SUMMARY + "\n")
    ours = run.summary[len(EXISTING_SUMMARY) :]
    assert "## sidecar-lint" in ours
    assert "SL101" in ours and "SL402" in ours
    assert "/example/store/blob/0123456789abcdef0123456789abcdef01234567/k8s/bad.yaml#L14" in ours
    assert run.ran == ["install", "lint"]
    assert run.skipped == ["python", "upload-sarif"]


def test_fail_on_none_reports_without_failing(tmp_path: Path) -> None:
    run = run_action(tmp_path, {"fail-on": "none", "sarif-file": "reports/lint.sarif"})
    assert run.returncode == 0, run.stderr
    assert run.outputs["findings"] == "2"
    assert run.outputs["sarif-file"] == "reports/lint.sarif"
    assert _sarif(str(run.workspace / "reports" / "lint.sarif"))["runs"][0]["results"]
    assert any(a.name == "error" for a in run.annotations)


def test_fail_on_error_ignores_warnings(tmp_path: Path) -> None:
    warnings_only = run_action(tmp_path / "a", {"fail-on": "error", "args": "--ignore SL101"})
    assert warnings_only.returncode == 0, warnings_only.stderr
    assert warnings_only.outputs["findings"] == "1"
    assert warnings_only.outputs["errors"] == "0"
    with_error = run_action(tmp_path / "b", {"fail-on": "error"})
    assert with_error.returncode == 1


def test_clean_paths_pass_and_non_kubernetes_yaml_is_silent(tmp_path: Path) -> None:
    run = run_action(tmp_path, {"paths": "k8s/good.yaml\nhelm/values.yaml"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.outputs["findings"] == "0"
    assert run.outputs["errors"] == "0"
    assert run.annotations == []
    assert _sarif(run.outputs["sarif-file"])["runs"][0]["results"] == []
    assert "## sidecar-lint" in run.summary


def test_unreadable_file_exits_2_after_writing_reports(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    (workspace / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    run = run_action(tmp_path, {"paths": "k8s gone.yaml", "fail-on": "none"}, workspace=workspace)
    assert run.returncode == 2
    assert run.outputs["findings"] == "2"
    assert _sarif(run.outputs["sarif-file"])["runs"][0]["results"]
    assert "gone.yaml" in run.summary
    assert any(a.name == "error" and "gone.yaml" in a.message for a in run.annotations)


def test_missing_path_fails_the_step_after_writing_reports(tmp_path: Path) -> None:
    run = run_action(tmp_path, {"paths": "k8s missing.yaml", "fail-on": "none"})
    assert run.returncode == 2
    assert "missing.yaml: does not exist" in run.stdout
    assert run.outputs["findings"] == "2"
    assert _sarif(run.outputs["sarif-file"])["runs"][0]["results"]
    assert "missing.yaml: does not exist" in run.summary
    assert "before writing a report" not in run.summary
    assert any(
        a.name == "error" and "missing.yaml: does not exist" in a.message for a in run.annotations
    )


def test_usage_error_exits_2_with_empty_outputs_and_a_note_in_the_summary(tmp_path: Path) -> None:
    run = run_action(tmp_path, {"kubernetes-version": "banana"})
    assert run.returncode == 2
    assert run.outputs["findings"] == ""
    assert run.outputs["sarif-file"] == ""
    assert run.summary.startswith(EXISTING_SUMMARY)
    assert "exit status 2" in run.summary


def test_an_old_sarif_file_is_never_left_behind(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    (workspace / "old.sarif").write_text("{}", encoding="utf-8")
    run = run_action(
        tmp_path,
        {"sarif-file": "old.sarif", "fail-on": "bogus"},
        workspace=workspace,
    )
    assert run.returncode == 2
    assert not (workspace / "old.sarif").exists()
    assert run.outputs["sarif-file"] == ""


def test_summary_false_leaves_the_job_summary_alone(tmp_path: Path) -> None:
    run = run_action(tmp_path, {"summary": "false"})
    assert run.returncode == 1
    assert run.summary == EXISTING_SUMMARY
    assert run.outputs["findings"] == "2"


def test_summary_into_an_empty_or_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "new-summary.md"
    run = run_action(tmp_path, summary_file=missing, inputs={"fail-on": "none"})
    assert run.returncode == 0
    assert "## sidecar-lint" in missing.read_text(encoding="utf-8")


def test_config_input_is_passed_to_the_cli(tmp_path: Path) -> None:
    from sidecar_lint.cli import build_parser

    if "--config" not in build_parser().format_help():
        pytest.skip("this sidecar-lint has no --config option yet")
    run = run_action(tmp_path, {"config": "ci/sidecar-lint.yaml"})
    # ci/sidecar-lint.yaml says failOn: none; discovery alone would not find it.
    assert run.returncode == 0, run.stderr
    assert run.outputs["findings"] == "2"


def test_two_runs_in_one_job_keep_separate_reports(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    temp = tmp_path / "runner-temp"
    summary = tmp_path / "summary.md"
    summary.write_text(EXISTING_SUMMARY, encoding="utf-8")
    first = run_action(
        tmp_path / "1",
        {"paths": "k8s/good.yaml"},
        workspace=workspace,
        runner_temp=temp,
        summary_file=summary,
    )
    second = run_action(
        tmp_path / "2",
        {"paths": "k8s/bad.yaml", "fail-on": "none"},
        workspace=workspace,
        runner_temp=temp,
        summary_file=summary,
    )
    assert first.outputs["sarif-file"] != second.outputs["sarif-file"]
    assert _sarif(first.outputs["sarif-file"])["runs"][0]["results"] == []
    assert len(_sarif(second.outputs["sarif-file"])["runs"][0]["results"]) == 2
    text = summary.read_text(encoding="utf-8")
    assert text.startswith(EXISTING_SUMMARY)
    assert text.count("## sidecar-lint") == 2


# --------------------------------------------------------------------------------------------
# Inputs are data, never code.

HOSTILE = [
    "$(touch pwned-1)",
    "`touch pwned-2`",
    "k8s; touch pwned-3",
    "k8s && touch pwned-4 || touch pwned-4",
    "'; touch pwned-5; echo '",
    '"; touch pwned-6; echo "',
    "${IFS}touch${IFS}pwned-7",
    "k8s\ntouch pwned-8",
    "k8s > pwned-9",
    "::warning::pwned-10",
]


def _pwned(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*pwned*")]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_paths_are_never_executed(tmp_path: Path, value: str) -> None:
    run = run_action(tmp_path, {"paths": value, "fail-on": "none"})
    assert not _pwned(tmp_path), run.stdout + run.stderr
    # Such names do not exist: sidecar-lint says so and the step fails.
    assert run.returncode == 2, run.stdout + run.stderr
    assert not any(a.message == "pwned-10" for a in run.annotations)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_args_and_config_are_never_executed(tmp_path: Path, value: str) -> None:
    run = run_action(tmp_path, {"args": value, "config": value, "kubernetes-version": value})
    assert not _pwned(tmp_path), run.stdout + run.stderr
    assert run.returncode == 2


def test_unbalanced_quote_is_a_clear_error(tmp_path: Path) -> None:
    run = run_action(tmp_path, {"paths": 'k8s "; rm -rf ~'})
    assert run.returncode == 2
    errors = [a for a in run.annotations if a.name == "error"]
    assert errors and "paths input" in errors[0].message
    assert run.outputs["findings"] == ""


# --------------------------------------------------------------------------------------------
# The argument vector, checked with a stand-in for sidecar-lint.


def _fake(
    tmp_path: Path, exit_code: int = 0, write: bool = True
) -> tuple[str, Path, dict[str, str]]:
    argv_file = tmp_path / "argv.json"
    command = command_script(
        tmp_path / "fake-bin", sys.executable, str(DATA / "fake_sidecar_lint.py")
    )
    env = {
        "FAKE_SIDECAR_LINT_ARGV": str(argv_file),
        "FAKE_SIDECAR_LINT_EXIT": str(exit_code),
        "FAKE_SIDECAR_LINT_WRITE": "1" if write else "0",
    }
    return command, argv_file, env


def test_defaults_pass_no_optional_flags(tmp_path: Path) -> None:
    command, argv_file, env = _fake(tmp_path)
    run = run_action(tmp_path, command=command, extra_env=env)
    assert run.returncode == 0
    argv = json.loads(argv_file.read_text(encoding="utf-8"))
    for flag in ("--config", "--kubernetes-version", "--fail-on"):
        assert flag not in argv
    assert argv[-2:] == ["--", "."]
    formats = [argv[i + 1].split(":", 1)[0] for i, a in enumerate(argv) if a == "--format"]
    assert formats == ["text", "github", "sarif", "json", "markdown"]
    assert run.outputs == {
        "findings": "5",
        "errors": "1",
        "warnings": "3",
        "notes": "1",
        "sarif-file": run.outputs["sarif-file"],
    }
    assert run.summary == EXISTING_SUMMARY + "\n## fake sidecar-lint report\n"


def test_inputs_become_exact_arguments(tmp_path: Path) -> None:
    command, argv_file, env = _fake(tmp_path)
    inputs = {
        "paths": "k8s 'my dir/app.yaml'\n-odd.yaml\n$(not-run)",
        "config": "ci/lint config.yaml",
        "kubernetes-version": "1.30",
        "feature-gates": "SidecarContainers=true",
        "fail-on": "note",
        "args": "--select 'SL1, SL2' --exclude \"charts/**\" --quiet",
        "summary": "False",
    }
    run = run_action(tmp_path, inputs, command=command, extra_env=env)
    assert run.returncode == 0
    argv = json.loads(argv_file.read_text(encoding="utf-8"))
    formats = [argv[i + 1].split(":", 1)[0] for i, a in enumerate(argv) if a == "--format"]
    assert formats == ["text", "github", "sarif", "json"]
    assert argv[argv.index("--config") :] == [
        "--config",
        "ci/lint config.yaml",
        "--kubernetes-version",
        "1.30",
        "--feature-gates",
        "SidecarContainers=true",
        "--fail-on",
        "note",
        "--select",
        "SL1, SL2",
        "--exclude",
        "charts/**",
        "--quiet",
        "--",
        "k8s",
        "my dir/app.yaml",
        "-odd.yaml",
        "$(not-run)",
    ]
    assert run.summary == EXISTING_SUMMARY


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_exit_status_is_sidecar_lints_after_outputs_are_written(tmp_path: Path, code: int) -> None:
    command, _, env = _fake(tmp_path, exit_code=code)
    run = run_action(tmp_path, command=command, extra_env=env)
    assert run.returncode == code
    assert run.outputs["findings"] == "5"
    assert Path(run.outputs["sarif-file"]).is_file()
    assert run.summary.endswith("## fake sidecar-lint report\n")


def test_missing_reports_give_empty_outputs(tmp_path: Path) -> None:
    command, _, env = _fake(tmp_path, exit_code=2, write=False)
    run = run_action(tmp_path, command=command, extra_env=env)
    assert run.returncode == 2
    assert run.outputs == dict.fromkeys(
        ("findings", "errors", "warnings", "notes", "sarif-file"), ""
    )
    assert "stopped with exit status 2" in run.summary


def test_invalid_summary_input_is_rejected(tmp_path: Path) -> None:
    command, argv_file, env = _fake(tmp_path)
    run = run_action(tmp_path, {"summary": "yes please"}, command=command, extra_env=env)
    assert run.returncode == 2
    assert not argv_file.exists()
    assert any("summary input" in a.message for a in run.annotations if a.name == "error")


def test_upload_step_receives_the_sarif_path(tmp_path: Path) -> None:
    seen: list[dict[str, str]] = []

    def uses(spec: dict[str, Any], with_values: dict[str, str]) -> dict[str, str]:
        seen.append(with_values)
        return {}

    run = run_action(tmp_path, {"upload-sarif": "true"}, uses=uses)
    assert run.returncode == 1
    assert "upload-sarif" not in run.skipped
    assert seen == [{"sarif_file": run.outputs["sarif-file"]}]


def test_no_upload_from_a_fork(tmp_path: Path) -> None:
    fork = {"pull_request": {"head": {"repo": {"full_name": "someone/store"}}}}
    run = run_action(tmp_path, {"upload-sarif": "true"}, event_name="pull_request", event=fork)
    assert run.returncode == 1
    assert "upload-sarif" in run.skipped
    assert Path(run.outputs["sarif-file"]).is_file()
    assert "## sidecar-lint" in run.summary


# --------------------------------------------------------------------------------------------
# The real install step.


@pytest.mark.slow
def test_install_step_builds_a_venv_from_the_action_checkout(tmp_path: Path) -> None:
    runner_temp = tmp_path / "runner-temp"
    run = run_action(
        tmp_path / "first", {"fail-on": "none"}, real_install=True, runner_temp=runner_temp
    )
    assert run.returncode == 0, run.stdout + run.stderr
    venv = runner_temp / "sidecar-lint-venv"
    install = run.step_outputs["install"]
    assert install["python"] == str(venv / "bin" / "python")
    assert install["command"] == str(venv / "bin" / "sidecar-lint")
    assert run.outputs["findings"] == "2"
    assert _sarif(run.outputs["sarif-file"])["runs"][0]["results"]
    assert any(a.name == "error" for a in run.annotations)
    # Installed from the checkout, not imported from it.
    where = subprocess.run(
        [install["python"], "-c", "import sidecar_lint; print(sidecar_lint.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where

    # A second use of the action in the same job reuses the environment.
    again = run_action(
        tmp_path / "second", {"fail-on": "none"}, real_install=True, runner_temp=runner_temp
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Reusing" in again.stdout


# --------------------------------------------------------------------------------------------
# The documented snippets use the action as it is.

DOCS = ROOT / "docs" / "integrations.md"


def _doc_blocks() -> list[Any]:
    text = DOCS.read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]


def _doc_uses_of_the_action() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("uses", "")).startswith("sidecar-lint/sidecar-lint@"):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for block in _doc_blocks():
        walk(block)
    return found


def test_documented_workflow_is_valid(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if "jobs:" in b)
    assert yaml.safe_load(block)["permissions"]["security-events"] == "write"
    path = tmp_path / "workflow.yml"
    path.write_text(block, encoding="utf-8")
    _check_jsonschema("vendor.github-workflows", path)


def test_documented_snippets_use_real_inputs_and_outputs() -> None:
    meta = action()
    uses = _doc_uses_of_the_action()
    assert len(uses) >= 3
    for spec in uses:
        assert set(spec.get("with") or {}) <= set(meta["inputs"]), spec
    text = DOCS.read_text(encoding="utf-8")
    for name in re.findall(r"steps\.lint\.outputs\.([\w-]+)", text):
        assert name in meta["outputs"], name
    for name in meta["inputs"]:
        assert f"| `{name}` |" in text, f"input {name} is not documented"
    for name in meta["outputs"]:
        assert f"`{name}`" in text, f"output {name} is not documented"
