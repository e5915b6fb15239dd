"""Releases: one version source, a release workflow that checks it, and docs that name it.

The docs must never send a reader to a tag that does not exist: every version or tag of this
project that README.md, docs/, CHANGELOG.md, action.yml or .pre-commit-hooks.yaml name is the
package version (``v`` + ``__version__``), the major tag (``v0``), or a placeholder the same
file explains (``<SHA>``). The release workflow's steps are run here where they can be (tag
check, built-file check, release notes, moving the major tag) with stand-ins for ``gh``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from sidecar_lint import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _release_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("release_script", ROOT / "scripts/release.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


release = _release_module()


# --------------------------------------------------------------------------------------------
# Versions and tags of this project named in the docs.


@dataclass(frozen=True)
class Reference:
    """One version or tag of this project, where it was found and what kind of name it is."""

    where: str
    kind: str  # action | tag | rev | pip | version | prose
    value: str


@dataclass(frozen=True)
class Block:
    """A paragraph of prose or a fenced code block, with its first line number."""

    first_line: int
    lines: tuple[str, ...]
    code: bool


OWN_ACTION = re.compile(r"sidecar-lint/sidecar-lint@([^\s`'\")\]]+)")
BARE_ACTION = re.compile(r"(?<![\w./-])@(v\d[\w.-]*)")
OWN_URL_REF = re.compile(
    r"sidecar-lint/sidecar-lint/(?:releases/tag|tree|blob|compare)/([^\s`'\")\]/]+)"
)
TRAILING = ".,;:"  # sentence punctuation after a reference is not part of it
PIP_PIN = re.compile(r"\bsidecar-lint(?:\[[\w,.-]+\])?\s*(?:===?|~=)\s*([\w.!+-]+)")
TOOL_VERSION = re.compile(
    r"\"sidecar-lint\",\s*\"(?:semantic)?[vV]ersion\":\s*\"([^\"]+)\"|\bsidecar-lint (\d+\.\d+[\w.+-]*)"
)
REPO = re.compile(r"^\s*-?\s*repo:\s*(\S+)")
REV = re.compile(r"\brev:\s*['\"]?([^\s'\"#`]+)")
V_TOKEN = re.compile(r"(?<![\w.@:/+-])v\d+(?:\.\d+)*(?:[a-z]+\d*)?(?![\w.-]*\w)")
NAME = re.compile(r"sidecar[-_]lint", re.IGNORECASE)
CHANGELOG_VERSION = re.compile(r"^(?:## )?\[(\d[^\]]*)\]")
PLACEHOLDER = re.compile(r"^<[^<>]+>$")
#: Words after which a version is another tool's (Kubernetes v1.30, Python v3.12).
OTHER_TOOLS = {"kubernetes", "k8s", "kubectl", "kube-apiserver", "python", "helm", "node", "go"}
#: `owner/repo@…` naming another project's action: the line's versions are that action's.
OTHER_ACTION = re.compile(r"(?<![\w.-])(?!sidecar-lint/sidecar-lint@)[\w.-]+/[\w./-]+@")


def blocks(text: str) -> Iterator[Block]:
    """Fenced code blocks and blank-line separated paragraphs, in order."""
    lines = text.splitlines()
    start, current, code = 1, list[str](), False
    for number, line in enumerate(lines, 1):
        fence = line.lstrip().startswith("```")
        if fence and not code:
            if current:
                yield Block(start, tuple(current), False)
            start, current, code = number + 1, [], True
        elif fence and code:
            yield Block(start, tuple(current), True)
            start, current, code = number + 1, [], False
        elif not code and not line.strip():
            if current:
                yield Block(start, tuple(current), False)
            start, current = number + 1, []
        else:
            current.append(line)
    if current:
        yield Block(start, tuple(current), code)


def _line_references(line: str, name: str, own_rev: bool, near: bool) -> list[tuple[str, str]]:
    """(kind, value) of each reference to this project on one line."""
    found: list[tuple[str, str]] = []
    claimed: list[tuple[int, int]] = []

    def free(match: re.Match[str]) -> bool:
        return not any(a <= match.start() < b for a, b in claimed)

    patterns = [("action", OWN_ACTION), ("tag", OWN_URL_REF), ("pip", PIP_PIN)]
    patterns += [("version", TOOL_VERSION), ("rev", REV)]
    if name == "CHANGELOG.md":
        patterns.append(("version", CHANGELOG_VERSION))
    for kind, pattern in patterns:
        for m in pattern.finditer(line):
            claimed.append(m.span())
            value = next(g for g in m.groups() if g is not None).rstrip(TRAILING)
            if kind == "tag":
                found += [(kind, v) for v in value.split("...") if v not in ("HEAD", "main")]
            elif kind != "rev" or own_rev:
                found.append((kind, value))
    if not near or OTHER_ACTION.search(line):
        return found
    found += [("action", m.group(1)) for m in BARE_ACTION.finditer(line) if free(m)]
    for m in V_TOKEN.finditer(line):
        before = line[: m.start()].rstrip().rstrip("`*_(\"'").split()
        word = before[-1].strip("`*_(\"'").lower() if before else ""
        if free(m) and word not in OTHER_TOOLS and not word.endswith(":"):
            found.append(("prose", m.group(0)))
    return found


def project_references(text: str, name: str) -> list[Reference]:
    """Every version or tag of sidecar-lint that ``text`` names; other tools' are left out.

    A ``v1.2.3``-like word counts when its paragraph (or code block) mentions sidecar-lint and
    nothing else claims it: not an image tag (``:v0.27.1``), a path (``batch/v1``), another
    action (``actions/checkout@v4``), a YAML or JSON key's value, or a version after another
    tool's name. A ``rev:`` in a code block is this project's when its ``repo:`` is.
    """
    found: list[Reference] = []
    for block in blocks(text):
        in_code = block.code or not name.endswith(".md")
        near = any(NAME.search(line) for line in block.lines)
        repo = ""
        for offset, line in enumerate(block.lines):
            repo_match = REPO.match(line)
            repo = repo_match.group(1) if repo_match else repo
            own_rev = not in_code or "sidecar-lint" in repo
            where = f"{name}:{block.first_line + offset}"
            refs = _line_references(line, name, own_rev, near)
            found += [Reference(where, kind, value) for kind, value in refs]
    return found


def explained_placeholders(text: str) -> set[str]:
    """Placeholders (``<SHA>``) that a paragraph of prose names on their own, to explain them."""
    named: set[str] = set()
    for block in blocks(text):
        if block.code:
            continue
        prose = " ".join(block.lines)
        for m in re.finditer(r"`(<[^<>`]+>)`", prose):
            named.add(m.group(1))
    return named


def reference_problems(
    refs: list[Reference],
    version: str,
    history: frozenset[str] = frozenset(),
    explained: frozenset[str] = frozenset(),
) -> list[str]:
    """Each reference that is neither the version, nor the major tag, nor an explained placeholder.

    ``history`` holds versions a changelog may name besides the current one (its own sections).
    """
    versions = {version, *history}
    tags = {f"v{v}" for v in versions}
    major = f"v{version.split('.')[0]}"
    allowed = {
        "action": tags | {major},
        "tag": tags | {major},
        "prose": tags | {major},
        "rev": tags,
        "pip": versions,
        "version": versions,
    }
    problems = []
    for ref in refs:
        if ref.value in allowed[ref.kind]:
            continue
        if ref.kind in ("action", "rev") and PLACEHOLDER.match(ref.value):
            if ref.value in explained:
                continue
            problems.append(f"{ref.where}: placeholder {ref.value} is not explained")
            continue
        problems.append(
            f"{ref.where}: {ref.kind} reference {ref.value!r} is not {sorted(allowed[ref.kind])}"
        )
    return problems


def scanned_files() -> list[Path]:
    names = ["README.md", "CHANGELOG.md", "action.yml", ".pre-commit-hooks.yaml"]
    return [ROOT / n for n in names] + sorted((ROOT / "docs").glob("*.md"))


def changelog_history() -> frozenset[str]:
    sections = release.changelog_sections((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    return frozenset(name for name in sections if name[:1].isdigit())


def problems_in(path: Path, version: str = __version__) -> tuple[list[Reference], list[str]]:
    text = path.read_text(encoding="utf-8")
    refs = project_references(text, path.name)
    history = changelog_history() if path.name == "CHANGELOG.md" else frozenset()
    explained = frozenset(explained_placeholders(text))
    return refs, reference_problems(refs, version, history, explained)


def test_every_version_the_docs_name_is_the_package_version_or_the_major_tag() -> None:
    everything: dict[str, list[Reference]] = {}
    problems: list[str] = []
    for path in scanned_files():
        refs, found = problems_in(path)
        everything[path.name] = refs
        problems += found
    assert problems == []
    # The scan sees what the docs really say (it is not vacuous).
    for name in ("README.md", "integrations.md"):
        values = {(r.kind, r.value) for r in everything[name]}
        assert ("action", "v0") in values, name
        assert ("rev", f"v{__version__}") in values, name
        assert ("action", "<SHA>") in values and ("rev", "<SHA>") in values, name
    assert ("version", __version__) in {(r.kind, r.value) for r in everything["json-output.md"]}
    assert ("tag", f"v{__version__}") in {(r.kind, r.value) for r in everything["CHANGELOG.md"]}


def test_a_wrong_version_in_the_docs_fails_the_check() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = text.replace("sidecar-lint/sidecar-lint@v0", "sidecar-lint/sidecar-lint@v0.0.9", 1)
    assert stale != text
    refs = project_references(stale, "README.md")
    problems = reference_problems(refs, __version__, explained=frozenset({"<SHA>"}))
    assert len(problems) == 1 and "'v0.0.9'" in problems[0]
    # The same docs are wrong for any other package version.
    refs, _ = problems_in(ROOT / "README.md")
    assert reference_problems(refs, "9.9.9", explained=frozenset({"<SHA>"}))


BAD_SAMPLE = """\
Pin `sidecar-lint/sidecar-lint@v0.0.9`, or `@v1` for sidecar-lint.

```yaml
repos:
  - repo: https://github.com/sidecar-lint/sidecar-lint
    rev: v0.2.0
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
```

pip install sidecar-lint==0.0.1; sidecar-lint v1.2.3 is out.
Or `uses: sidecar-lint/sidecar-lint@<TAG>`, see https://github.com/sidecar-lint/sidecar-lint/releases/tag/v2.0.0.
"""


def test_the_check_names_each_wrong_reference() -> None:
    refs = project_references(BAD_SAMPLE, "sample.md")
    problems = reference_problems(refs, "0.1.0")
    assert [(p.split(": ")[0], p.split(": ", 1)[1].split(" is ")[0]) for p in problems] == [
        ("sample.md:1", "action reference 'v0.0.9'"),
        ("sample.md:1", "action reference 'v1'"),
        ("sample.md:6", "rev reference 'v0.2.0'"),
        ("sample.md:11", "pip reference '0.0.1'"),
        ("sample.md:11", "prose reference 'v1.2.3'"),
        ("sample.md:12", "placeholder <TAG>"),
        ("sample.md:12", "tag reference 'v2.0.0'"),
    ]


GOOD_SAMPLE = """\
For sidecar-lint: until v0.1.0 is published, use `uses: sidecar-lint/sidecar-lint@<SHA> # main`
and `rev: <SHA>`, where `<SHA>` is a commit of main; then `@v0` or `rev: v0.1.0`.

```yaml
- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
- uses: sidecar-lint/sidecar-lint@v0
repos:
  - repo: https://github.com/sidecar-lint/sidecar-lint
    rev: v0.1.0
```

`pip install sidecar-lint==0.1.0` prints `sidecar-lint 0.1.0` for `--version`.
"""

OTHER_TOOLS_SAMPLE = """\
sidecar-lint runs on Kubernetes v1.30 and 1.33, with python 3.12 and helm v3.15.
sidecar-lint works next to `actions/checkout@v4` and github/codeql-action/upload-sarif@v3.

```yaml
# sidecar-lint example
apiVersion: batch/v1
kind: Job
spec:
  template:
    spec:
      containers:
        - {name: exporter, image: "prom/statsd-exporter:v0.27.1"}
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
```
"""


def test_the_right_references_and_other_tools_versions_pass() -> None:
    refs = project_references(GOOD_SAMPLE, "good.md")
    assert {(r.kind, r.value) for r in refs} == {
        ("prose", "v0.1.0"),
        ("action", "<SHA>"),
        ("rev", "<SHA>"),
        ("action", "v0"),
        ("rev", "v0.1.0"),
        ("pip", "0.1.0"),
        ("version", "0.1.0"),
    }
    explained = frozenset(explained_placeholders(GOOD_SAMPLE))
    assert explained == {"<SHA>"}
    assert reference_problems(refs, "0.1.0", explained=explained) == []
    assert project_references(OTHER_TOOLS_SAMPLE, "other.md") == []


def test_a_changelog_may_name_its_own_older_sections_only() -> None:
    changelog = """\
## [Unreleased]

## [0.2.0] - 2026-03-01

- sidecar-lint v0.2.0 adds rules.

## [0.1.0] - 2026-01-01

[0.2.0]: https://github.com/sidecar-lint/sidecar-lint/releases/tag/v0.2.0
[0.1.0]: https://github.com/sidecar-lint/sidecar-lint/releases/tag/v0.1.0
[0.0.5]: https://github.com/sidecar-lint/sidecar-lint/releases/tag/v0.0.5
"""
    refs = project_references(changelog, "CHANGELOG.md")
    history = frozenset(n for n in release.changelog_sections(changelog) if n[0].isdigit())
    assert history == {"0.2.0", "0.1.0"}
    problems = reference_problems(refs, "0.2.0", history)
    assert [p.split(": ")[0] for p in problems] == ["CHANGELOG.md:11", "CHANGELOG.md:11"]


def test_the_newest_changelog_section_is_the_package_version() -> None:
    sections = release.changelog_sections((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    names = list(sections)
    assert names[0] == "Unreleased"
    assert names[1] == __version__
    assert sections[__version__][1], "the release notes come from this section"


# --------------------------------------------------------------------------------------------
# One version source.


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return dict(tomllib.load(handle))


def test_the_version_is_written_in_one_place() -> None:
    pyproject = _pyproject()
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"] == {"path": "sidecar_lint/__init__.py"}
    assert release.package_version() == __version__
    assignments = [
        path.relative_to(ROOT).as_posix()
        for folder in ("sidecar_lint", "scripts", "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^__version__\s*=", path.read_text(encoding="utf-8"), re.M)
    ]
    assert assignments == ["sidecar_lint/__init__.py"]


def _release_tree(tmp_path: Path, version: str = __version__, dated: bool = True) -> Path:
    """A copy of what the release script reads, with the version's changelog section dated."""
    root = tmp_path / "repo"
    (root / "sidecar_lint").mkdir(parents=True)
    (root / "scripts").mkdir()
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(ROOT / "scripts" / "release.py", root / "scripts" / "release.py")
    (root / "sidecar_lint" / "__init__.py").write_text(f'__version__ = "{version}"\n')
    heading = f"## [{version}] - 2026-01-31" if dated else f"## [{version}] - not released yet"
    (root / "CHANGELOG.md").write_text(
        f"# Changelog\n\n## [Unreleased]\n\n{heading}\n\n### Added\n\n- Everything.\n\n"
        "## [0.0.1] - 2025-01-01\n\n- Old.\n\n"
        f"[{version}]: https://github.com/sidecar-lint/sidecar-lint/releases/tag/v{version}\n"
    )
    return root


def test_the_tag_check_reads_the_file_hatch_reads(tmp_path: Path) -> None:
    root = _release_tree(tmp_path, "2.3.4")
    assert release.check_tag("v2.3.4", root) == "2.3.4"
    for tag in ("2.3.4", "v2.3.5", "v2", "v2.3.4rc1"):
        with pytest.raises(release.ReleaseError, match="does not name the package version"):
            release.check_tag(tag, root)
    # Another version file, named in [tool.hatch.version], is the one read.
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(
        pyproject.replace('path = "sidecar_lint/__init__.py"', 'path = "version.py"')
    )
    (root / "version.py").write_text('__version__ = "3.0.0"\n')
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    (root / "CHANGELOG.md").write_text(changelog.replace("2.3.4", "3.0.0"))
    assert release.check_tag("v3.0.0", root) == "3.0.0"


def test_the_tag_check_wants_a_dated_changelog_section(tmp_path: Path) -> None:
    root = _release_tree(tmp_path, "2.3.4", dated=False)
    with pytest.raises(release.ReleaseError, match=r"date the 2\.3\.4 section"):
        release.check_tag("v2.3.4", root)
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n- Soon.\n")
    with pytest.raises(release.ReleaseError, match=r"no section '## \[2\.3\.4\]"):
        release.check_tag("v2.3.4", root)
    (root / "CHANGELOG.md").write_text("## [2.3.4] - 2026-01-31\n\n## [2.3.3] - 2026-01-01\n")
    with pytest.raises(release.ReleaseError, match="section is empty"):
        release.check_tag("v2.3.4", root)


def test_release_notes_are_the_sections_body(tmp_path: Path) -> None:
    root = _release_tree(tmp_path, "2.3.4")
    assert release.release_notes("2.3.4", root) == "### Added\n\n- Everything.\n"
    assert release.release_notes("0.0.1", root) == "- Old.\n"


def test_the_release_script_exit_statuses(tmp_path: Path) -> None:
    root = _release_tree(tmp_path, "2.3.4")
    script = root / "scripts" / "release.py"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)

    assert (run("version").returncode, run("version").stdout) == (0, "2.3.4\n")
    assert (run("check-tag", "v2.3.4").returncode, run("check-tag", "v2.3.4").stdout) == (
        0,
        "2.3.4\n",
    )
    wrong = run("check-tag", "v2.3.5")
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr.startswith("release: tag 'v2.3.5' does not name")
    assert run("notes", "9.9.9").returncode == 1
    assert run("check-tag").returncode == 2


# --------------------------------------------------------------------------------------------
# The release workflow.


def _workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return dict(data)


def _job(name: str) -> dict[str, Any]:
    return dict(_workflow()["jobs"][name])


def _step(job: str, name: str) -> dict[str, Any]:
    return next(s for s in _job(job)["steps"] if s.get("name") == name)


def _uses(job: str) -> list[str]:
    return [s["uses"] for s in _job(job)["steps"] if "uses" in s]


def _github_glob(pattern: str) -> re.Pattern[str]:
    """A tag filter as GitHub reads it (``*``, ``+``, ``?`` and ``[…]``)."""
    out = ""
    for token in re.findall(r"\[[^\]]*\]|\*\*|.", pattern):
        if token.startswith("["):
            out += token
        elif token == "**":
            out += ".*"
        elif token == "*":
            out += "[^/]*"
        elif token in "+?":
            out += token
        else:
            out += re.escape(token)
    return re.compile(out + r"\Z")


def test_workflow_matches_githubs_schema() -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.fail("check-jsonschema is a test dependency: pip install -e '.[test]'")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_runs_on_release_tags_only() -> None:
    on = _workflow()["on"]
    assert list(on) == ["push"] and list(on["push"]) == ["tags"]
    patterns = [_github_glob(p) for p in on["push"]["tags"]]

    def matches(tag: str) -> bool:
        return any(p.match(tag) for p in patterns)

    assert all(matches(t) for t in ("v0.1.0", "v1.20.3", "v2.0.0rc1"))
    assert not any(matches(t) for t in ("v0", "v1", "0.1.0", "latest", "v0.1"))


def test_each_job_has_the_least_permissions_it_needs() -> None:
    wf = _workflow()
    assert wf["permissions"] == {}
    jobs = wf["jobs"]
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "build": {"contents": "read"},
        "test": {"contents": "read"},
        "publish": {"id-token": "write"},
        "github": {"contents": "write"},
    }
    assert jobs["publish"]["environment"]["name"] == "pypi"
    assert [name for name, job in jobs.items() if "environment" in job] == ["publish"]


def test_nothing_is_published_before_the_wheel_passed_the_tests() -> None:
    jobs = _workflow()["jobs"]
    assert jobs["test"]["needs"] == "build"
    assert set(jobs["publish"]["needs"]) == {"build", "test"}
    assert "publish" in jobs["github"]["needs"]


def test_every_action_is_pinned_like_the_other_workflows() -> None:
    existing = (ROOT / ".github" / "workflows" / "sidecar-lint.yml").read_text(encoding="utf-8")
    action = (ROOT / "action.yml").read_text(encoding="utf-8")
    text = WORKFLOW.read_text(encoding="utf-8")
    for job in _workflow()["jobs"]:
        for ref in _uses(job):
            line = next(x for x in text.splitlines() if f"uses: {ref}" in x)
            if ref.startswith("pypa/gh-action-pypi-publish@"):
                # Pinned by its exact release tag until its commit SHA is checked.
                assert re.fullmatch(r"pypa/gh-action-pypi-publish@v\d+\.\d+\.\d+", ref), ref
                continue
            assert SHA_PIN.match(ref), f"{ref}: pin by full commit SHA"
            assert re.search(r"# v\d+\.\d+\.\d+$", line), f"{ref}: say which version the SHA is"
            name = ref.split("@")[0]
            for other in (existing, action):
                if f"uses: {name}@" in other:
                    assert f"uses: {ref}" in other, f"{name}: the same commit as elsewhere"


def test_checkouts_keep_no_credentials_except_where_the_major_tag_is_pushed() -> None:
    for job in ("build", "test"):
        (checkout,) = [
            s for s in _job(job)["steps"] if s.get("uses", "").startswith("actions/checkout@")
        ]
        assert checkout["with"]["persist-credentials"] is False, job
    assert "git push" in _step("github", "Move the major tag to the release commit")["run"]


def test_run_steps_take_values_from_env_only() -> None:
    for job in _workflow()["jobs"].values():
        for spec in job["steps"]:
            if "run" in spec:
                assert "${{" not in spec["run"], "use env: for values in run:"


def _run_bodies() -> list[tuple[str, str]]:
    return [
        (f"{name}: {spec.get('name')}", spec["run"])
        for name, job in _workflow()["jobs"].items()
        for spec in job["steps"]
        if "run" in spec
    ]


def test_run_bodies_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed")
    for name, body in _run_bodies():
        proc = subprocess.run(
            [shellcheck, "--shell=bash", "--severity=style", "-"],
            input="set -e\n" + body,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, f"{name}:\n{proc.stdout}"


def _bin(tmp_path: Path) -> Path:
    """A PATH directory whose python and python3 are this interpreter."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("python", "python3"):
        (bin_dir / name).unlink(missing_ok=True)
        (bin_dir / name).symlink_to(sys.executable)
    return bin_dir


def _run_step(
    body: str, cwd: Path, env: dict[str, str], path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """A run: body as the runner runs it (bash -e), with the step's env."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    if path is not None:
        base["PATH"] = f"{path}{os.pathsep}{base.get('PATH', '')}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-c", body],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_the_tag_check_step_outputs_the_version(tmp_path: Path) -> None:
    step = _step("build", "Check the tag against the package version and the changelog")
    assert step["env"] == {"TAG": "${{ github.ref_name }}"}
    assert "scripts/release.py check-tag" in step["run"]
    root = _release_tree(tmp_path, "2.3.4")
    output = tmp_path / "output"
    for tag, status in (("v2.3.4", 0), ("v2.3.3", 1)):
        output.write_text("")
        env = {"TAG": tag, "GITHUB_OUTPUT": str(output)}
        proc = _run_step(step["run"], root, env, _bin(tmp_path))
        assert proc.returncode == status, proc.stderr
        assert output.read_text() == ("version=2.3.4\n" if status == 0 else "")
    outputs = _job("build")["outputs"]
    assert outputs["version"] == f"${{{{ steps.{step['id']}.outputs.version }}}}"


def test_the_built_files_check_wants_exactly_the_sdist_and_wheel(tmp_path: Path) -> None:
    body = _step("build", "Check the built files carry the version")["run"]
    good = ["sidecar_lint-2.3.4.tar.gz", "sidecar_lint-2.3.4-py3-none-any.whl"]
    cases = [
        (good, 0),
        (["sidecar_lint-2.3.3.tar.gz", "sidecar_lint-2.3.3-py3-none-any.whl"], 1),
        ([*good, "sidecar_lint-2.3.4-cp312-cp312-linux_x86_64.whl"], 1),
        (good[:1], 1),
    ]
    for number, (files, status) in enumerate(cases):
        cwd = tmp_path / str(number)
        (cwd / "dist").mkdir(parents=True)
        for name in files:
            (cwd / "dist" / name).write_text("x")
        proc = _run_step(body, cwd, {"VERSION": "2.3.4"})
        assert proc.returncode == status, (files, proc.stdout, proc.stderr)
    # The names are the ones hatch builds from the project's name.
    assert _pyproject()["project"]["name"].replace("-", "_") == "sidecar_lint"


def test_the_build_step_brings_its_own_build_frontend() -> None:
    body = _step("build", "Build")["run"]
    install, build = body.strip().splitlines()
    assert re.search(r"pip install .*\bbuild==\d+(\.\d+)+$", install), install
    assert build == "python -m build"
    assert _pyproject()["build-system"]["build-backend"] == "hatchling.build"


def test_the_wheel_is_tested_as_installed_with_its_test_extra() -> None:
    install = _step("test", "Install the wheel and its test extra into a fresh virtual environment")
    wheel = "dist/sidecar_lint-$VERSION-py3-none-any.whl[test]"
    assert f'"{wheel}"' in install["run"]
    assert 'python -m venv "$RUNNER_TEMP/wheel-venv"' in install["run"]
    assert "test" in _pyproject()["project"]["optional-dependencies"]
    check = _step("build", "Check the built files carry the version")["run"]
    assert wheel.removesuffix("[test]") in check, "the wheel tested is the one built"

    run = _step("test", "Run the test suite against the installed wheel")["run"]
    lines = [line.strip() for line in run.splitlines()]
    assert 'export PATH="$RUNNER_TEMP/wheel-venv/bin:$PATH"' in lines
    # The checkout's own package cannot be imported: it is a link to the installed one.
    assert lines.index("rm -rf sidecar_lint") < lines.index('ln -s "$installed" sidecar_lint')
    assert 'test "$(sidecar-lint --version)" = "sidecar-lint $VERSION"' in lines
    assert lines[-1] == 'pytest -m "not slow"'
    markers = _pyproject()["tool"]["pytest"]["ini_options"]["markers"]
    assert any(m.startswith("slow:") for m in markers)
    assert _job("test")["steps"][2]["with"]["name"] == "dist"


def test_the_installed_package_check_fails_on_the_checkouts_package(tmp_path: Path) -> None:
    run = _step("test", "Run the test suite against the installed wheel")["run"]
    script = run.split("<<'PYTHON'\n", 1)[1].split("PYTHON\n", 1)[0]
    script = "\n".join(line.strip() for line in script.splitlines())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = Path(sys.modules["sidecar_lint"].__file__ or "").resolve().parent

    def check(installed: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-", str(installed)], input=script, capture_output=True, text=True
        )

    ok = check(here)
    assert ok.returncode == 0, ok.stderr
    wrong = check(elsewhere)
    assert wrong.returncode == 1 and "AssertionError" in wrong.stderr


def _fake_gh(tmp_path: Path) -> Path:
    """A gh that records its arguments and the notes file it was given."""
    bin_dir = _bin(tmp_path)
    gh = bin_dir / "gh"
    gh.write_text(
        "#!/usr/bin/env bash\n"
        'printf "%s\\n" "$@" > "$GH_ARGS"\n'
        'while [ $# -gt 0 ]; do [ "$1" = --notes-file ] && cp "$2" "$GH_NOTES"; shift; done\n'
    )
    gh.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(("version", "prerelease"), [("2.3.4", False), ("2.4.0rc1", True)])
def test_the_github_release_has_the_changelog_section_as_notes(
    tmp_path: Path, version: str, prerelease: bool
) -> None:
    step = _step("github", "Create the GitHub release")
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
    root = _release_tree(tmp_path, version)
    (root / "dist").mkdir()
    (root / "dist" / f"sidecar_lint-{version}.tar.gz").write_text("x")
    env = {
        "TAG": f"v{version}",
        "VERSION": version,
        "GH_TOKEN": "token",
        "RUNNER_TEMP": str(tmp_path),
        "GH_ARGS": str(tmp_path / "args"),
        "GH_NOTES": str(tmp_path / "notes"),
    }
    proc = _run_step(step["run"], root, env, _fake_gh(tmp_path))
    assert proc.returncode == 0, proc.stderr
    args = (tmp_path / "args").read_text().splitlines()
    assert args[:3] == ["release", "create", f"v{version}"]
    assert f"dist/sidecar_lint-{version}.tar.gz" in args and "--verify-tag" in args
    assert ("--prerelease" in args) is prerelease
    assert (tmp_path / "notes").read_text() == "### Added\n\n- Everything.\n"


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_major_tag_moves_to_each_final_release(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    body = _step("github", "Move the major tag to the release commit")["run"]
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    _git(tmp_path, "init", "-q", str(work))
    _git(work, "remote", "add", "origin", str(origin))

    def release_commit(version: str) -> str:
        _git(work, "commit", "-q", "--allow-empty", "-m", version)
        _git(work, "tag", "-a", f"v{version}", "-m", version)
        _git(work, "push", "-q", "origin", f"v{version}")
        proc = _run_step(body, work, {"TAG": f"v{version}", "VERSION": version})
        assert proc.returncode == 0, proc.stderr
        return _git(work, "rev-parse", "HEAD")

    def remote_v0() -> str:
        return _git(origin, "rev-parse", "refs/tags/v0^{}")

    first = release_commit("0.1.0")
    assert remote_v0() == first
    assert _git(origin, "cat-file", "-t", "refs/tags/v0") == "commit"
    second = release_commit("0.2.0")
    assert remote_v0() == second != first
    release_commit("0.3.0rc1")
    assert remote_v0() == second, "a pre-release leaves the major tag alone"
