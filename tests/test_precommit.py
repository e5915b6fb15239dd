"""The pre-commit hook (.pre-commit-hooks.yaml), run by the real pre-commit.

The hook repository is a snapshot of this working tree (tracked and untracked files,
.gitignore honoured) committed to a temporary git repository, so what is tested is
exactly what is on disk. The repository being checked is another temporary git
repository. pre-commit's cache, git's configuration and the environment are isolated.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / ".pre-commit-hooks.yaml"

BAD = """\
apiVersion: v1
kind: Pod
metadata:
  name: cart
  namespace: store
spec:
  containers:
    - name: cart
      image: registry.example.com/store/cart:1.4.2
  sidecarContainers:
    - name: envoy
      image: envoyproxy/envoy:v1.31.2
"""

BAD_JSON = """\
{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "basket", "namespace": "store"},
  "spec": {
    "containers": [{"name": "basket", "image": "registry.example.com/store/basket:2.0.0"}],
    "sidecarContainers": [{"name": "envoy", "image": "envoyproxy/envoy:v1.31.2"}]
  }
}
"""

GOOD = """\
apiVersion: v1
kind: Pod
metadata:
  name: checkout
  namespace: store
spec:
  containers:
    - name: checkout
      image: registry.example.com/store/checkout:3.2.0
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {memory: 128Mi}
"""

# Not Kubernetes at all: these must pass without a word.
OTHERS = {
    "helm/values.yaml": "replicaCount: 2\nimage: {repository: cart, tag: 1.4.2}\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n",
    "package.json": '{"name": "store", "version": "1.0.0", "private": true}\n',
    # JSON with comments, which the hook leaves out by name.
    "tsconfig.json": '{\n  // comments are fine here\n  "compilerOptions": {"strict": true},\n}\n',
    "notes.txt": "apiVersion: v1\nkind: Pod\nsidecarContainers: []\n",
}
CLEAN_FILES = ["k8s/good.yaml", *OTHERS]


def hooks() -> list[dict[str, object]]:
    data = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def require_pre_commit() -> None:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is a test dependency: pip install -e '.[test]'")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")


def hermetic_env(tmp: Path) -> dict[str, str]:
    """No inherited git state or identity, no user config, pre-commit's cache under tmp."""
    dropped = ("GIT_", "PRE_COMMIT", "GITHUB_", "RUNNER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    for name in ("FORCE_COLOR", "NO_COLOR"):
        env.pop(name, None)
    env.update(
        {
            "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
            "PRE_COMMIT_COLOR": "never",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    return env


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "core.hooksPath=/dev/null", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def commit_all(repo: Path, env: dict[str, str]) -> str:
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "--no-verify", "-m", "snapshot")
    return git(repo, env, "rev-parse", "HEAD").strip()


def checkout_files() -> list[str] | None:
    """The working tree's files as git sees them (tracked and untracked, not ignored)."""
    if not (ROOT / ".git").exists():
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    if proc.returncode != 0:
        return None
    return [n for n in proc.stdout.decode().split("\0") if n and (ROOT / n).is_file()]


def snapshot_of_checkout(dest: Path, env: dict[str, str]) -> str:
    """Copy the working tree into a fresh git repository; return its commit."""
    names = checkout_files()
    if names is not None:
        for name in names:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    else:  # not a git checkout (an unpacked source distribution), or git refuses to read it
        shutil.copytree(
            ROOT,
            dest,
            ignore=shutil.ignore_patterns(
                ".git",
                ".venv",
                "*.egg-info",
                "__pycache__",
                ".*_cache",
                ".hypothesis",
                "build",
                "dist",
            ),
            dirs_exist_ok=True,
        )
    git(dest, env, "init", "-q")
    return commit_all(dest, env)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, dict[str, str]]:
    """(hook repository snapshot, repository to check, snapshot commit, environment)."""
    require_pre_commit()
    base = tmp_path_factory.mktemp("pre-commit")
    env = hermetic_env(base)
    hook_repo = base / "hook-repo"
    hook_repo.mkdir()
    rev = snapshot_of_checkout(hook_repo, env)

    target = base / "target"
    files = {"k8s/bad.yaml": BAD, "k8s/bad.json": BAD_JSON, "k8s/good.yaml": GOOD, **OTHERS}
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(target, env, "init", "-q")
    commit_all(target, env)
    return hook_repo, target, rev, env


def pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_untouched(repo: Path, env: dict[str, str]) -> None:
    """The hook writes no report file and changes nothing."""
    assert git(repo, env, "status", "--porcelain", "--untracked-files=all") == ""


def assert_clean_files_silent(output: str) -> None:
    for name in CLEAN_FILES:
        assert f"{name}:" not in output, f"{name} should pass silently:\n{output}"
    assert "\x1b[" not in output, "no colour codes"


def assert_only_bad_files_reported(output: str) -> None:
    assert "k8s/bad.yaml:10:3: error SL101 [unknown-field] Pod store/cart" in output
    assert "k8s/bad.json:7:5: error SL101 [unknown-field] Pod store/basket" in output
    assert_clean_files_silent(output)


# --------------------------------------------------------------------------------------------
# The manifest.


def test_manifest_is_valid_for_pre_commit() -> None:
    require_pre_commit()
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def hook_named(name: str) -> dict[str, object]:
    (hook,) = (h for h in hooks() if h["id"] == name)
    return hook


def test_hook_definition() -> None:
    assert [h["id"] for h in hooks()] == ["sidecar-lint", "sidecar-lint-fix"]
    hook = hook_named("sidecar-lint")
    assert hook["id"] == "sidecar-lint"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["yaml", "json"]
    assert hook.get("pass_filenames", True) is True
    assert not hook.get("always_run", False)
    entry = str(hook["entry"]).split()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert entry[0] in scripts, "entry must be a console script of the package"
    # Plain text, never colour, never a report file (parallel chunks would overwrite it).
    assert entry[1:] == ["--format", "text", "--color", "never"]
    assert "args" not in hook, "users' args would replace the defaults"
    assert str(hook["minimum_pre_commit_version"]) >= "2.9.0", "types_or needs 2.9.0"


def test_fix_hook_is_the_lint_hook_with_fix() -> None:
    lint, fix = hook_named("sidecar-lint"), hook_named("sidecar-lint-fix")
    assert str(fix["entry"]).split() == [
        "sidecar-lint",
        "--fix",
        "--format",
        "text",
        "--color",
        "never",
    ]
    same = ("language", "types_or", "exclude", "minimum_pre_commit_version")
    assert {k: fix[k] for k in same} == {k: lint[k] for k in same}
    assert "args" not in fix


def test_exclude_pattern_leaves_out_only_json_with_comments() -> None:
    hook = hook_named("sidecar-lint")
    pattern = re.compile(str(hook["exclude"]))
    for name in (
        "tsconfig.json",
        "web/tsconfig.app.json",
        ".vscode/settings.json",
        ".devcontainer/devcontainer.json",
    ):
        assert pattern.search(name), name
    for name in (
        "k8s/app.yaml",
        "deploy/pod.json",
        "vscode/app.json",
        "config.json",
        "devcontainer.yaml",
    ):
        assert not pattern.search(name), name


# --------------------------------------------------------------------------------------------
# The real thing.


@pytest.mark.slow
def test_try_repo_fails_on_bad_manifests_only(
    repos: tuple[Path, Path, str, dict[str, str]],
) -> None:
    hook_repo, target, _, env = repos
    proc = pre_commit(
        target,
        env,
        "try-repo",
        str(hook_repo),
        "sidecar-lint",
        "--all-files",
        "--verbose",
        "--color=never",
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "sidecar-lint" in output and "Failed" in output
    assert_only_bad_files_reported(output)
    assert_untouched(target, env)


@pytest.mark.slow
def test_configured_hook_passes_clean_and_non_kubernetes_files(
    repos: tuple[Path, Path, str, dict[str, str]],
) -> None:
    hook_repo, target, rev, env = repos
    config = target.parent / "pre-commit-config.yaml"
    config.write_text(
        textwrap.dedent(
            f"""\
            repos:
              - repo: {hook_repo}
                rev: {rev}
                hooks:
                  - id: sidecar-lint
            """
        ),
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return pre_commit(target, env, "run", "--config", str(config), "--color=never", *args)

    clean = run("--verbose", "--files", *CLEAN_FILES)
    output = clean.stdout + clean.stderr
    assert clean.returncode == 0, output
    assert "sidecar-lint" in output and "Passed" in output
    assert_clean_files_silent(output)

    everything = run("--all-files")
    output = everything.stdout + everything.stderr
    assert everything.returncode == 1, output
    assert_only_bad_files_reported(output)
    assert_untouched(target, env)


@pytest.mark.slow
def test_fix_hook_fixes_the_files_and_fails_the_commit(
    repos: tuple[Path, Path, str, dict[str, str]], tmp_path: Path
) -> None:
    hook_repo, _, _, env = repos
    target = tmp_path / "target"
    files = {"k8s/bad.yaml": BAD, "k8s/bad.json": BAD_JSON, "k8s/good.yaml": GOOD, **OTHERS}
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(target, env, "init", "-q")
    commit_all(target, env)

    def run() -> subprocess.CompletedProcess[str]:
        return pre_commit(
            target,
            env,
            "try-repo",
            str(hook_repo),
            "sidecar-lint-fix",
            "--all-files",
            "--verbose",
            "--color=never",
        )

    proc = run()
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "files were modified by this hook" in output
    assert (target / "k8s/bad.yaml").read_text(encoding="utf-8") == BAD.replace(
        "  sidecarContainers:\n", "  initContainers:\n"
    ).replace("envoy:v1.31.2\n", "envoy:v1.31.2\n      restartPolicy: Always\n")
    assert json.loads((target / "k8s/bad.json").read_text(encoding="utf-8"))["spec"][
        "initContainers"
    ] == [{"name": "envoy", "image": "envoyproxy/envoy:v1.31.2", "restartPolicy": "Always"}]
    changed = git(target, env, "status", "--porcelain").split()
    assert sorted(name for name in changed if name != "M") == ["k8s/bad.json", "k8s/bad.yaml"]
    commit_all(target, env)
    again = run()  # nothing left to fix: nothing changes
    output = again.stdout + again.stderr
    assert "files were modified by this hook" not in output
    assert "SL101" not in output
    assert_untouched(target, env)


def test_documented_config_is_valid(tmp_path: Path) -> None:
    require_pre_commit()
    text = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if "repos:" in b)
    config = yaml.safe_load(block)
    assert config["repos"][0]["hooks"][0]["id"] == hooks()[0]["id"]
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(block, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
