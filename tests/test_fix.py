"""``--fix``: each fix on awkward files, byte for byte, and what the run does around it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from tests.harness import run_cli, unprivileged_prefix

pytestmark = pytest.mark.usefixtures("isolated_cwd")


@pytest.fixture
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def fix(tmp_path: Path, name: str, content: bytes | str, *flags: str) -> tuple[bytes, int]:
    """Run ``--fix`` (and ``flags``) over one file; its new bytes and the exit status."""
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    code = main(["--isolated", "--no-cache", "--fix", "-q", *flags, str(path)])
    return path.read_bytes(), code


def fixed_text(tmp_path: Path, name: str, content: str, *flags: str) -> str:
    data, _ = fix(tmp_path, name, content, *flags)
    again, _ = fix(tmp_path, name, data, *flags)  # a second --fix changes nothing
    assert again == data
    return data.decode()


# --------------------------------------------------------------------------- SL501

COMMENTED_CRLF = (
    "\ufeff# head\r\n"
    "apiVersion: apps/v1 # a\r\n"
    "kind: Deployment # k\r\n"
    "metadata: # m\r\n"
    "  name: web # n\r\n"
    "spec: # s\r\n"
    "  template: # t\r\n"
    "    metadata: # tm\r\n"
    "      labels: # l\r\n"
    "        app: web # \tapp\r\n"
    "    # before spec\r\n"
    "    spec: # ps\r\n"
    "      containers: # c\r\n"
    "      - name: envoy # e\r\n"
    "        image: envoyproxy/envoy:v1.31.0 # ei\r\n"
    "      - name: web # w\r\n"
    "        image: registry.example.com/web:1.0 # wi\r\n"
)


def test_default_container_annotation_keeps_bom_crlf_and_every_comment(tmp_path: Path) -> None:
    data, code = fix(tmp_path, "web.yaml", COMMENTED_CRLF.encode("utf-8"))
    expected = COMMENTED_CRLF.replace(
        "        app: web # \tapp\r\n",
        "        app: web # \tapp\r\n"
        "      annotations:\r\n"
        "        kubectl.kubernetes.io/default-container: web\r\n",
    )
    assert data == expected.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert code == 1  # other findings remain (SL402)


def test_default_container_annotation_in_flow_style(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata: {name: web, labels: {app: web}}\n"
        "spec:\n"
        '  containers: [{name: envoy, image: "envoyproxy/envoy:v1.31.0"}, '
        '{name: web, image: "registry.example.com/web:1.0"}]\n'
    )
    assert fixed_text(tmp_path, "pod.yaml", text) == text.replace(
        "{app: web}}",
        "{app: web}, annotations: {kubectl.kubernetes.io/default-container: web}}",
    )


def test_inserted_entry_is_quoted_like_its_neighbours(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: web\n"
        "  annotations:\n"
        '    "prometheus.io/scrape": "true"\n'
        "spec:\n"
        "  containers:\n"
        "    - name: envoy\n"
        "      image: envoyproxy/envoy:v1.31.0\n"
        "    - name: web\n"
        "      image: registry.example.com/web:1.0\n"
    )
    assert fixed_text(tmp_path, "pod.yaml", text) == text.replace(
        '"true"\n', '"true"\n    "kubectl.kubernetes.io/default-container": "web"\n'
    )


POD_JSON = """{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "web"
  },
  "spec": {
    "volumes": [
      {"name": "scratch", "emptyDir": {}},
      {"name": "data", "emptyDir": {}}
    ],
    "containers": [
      {"name": "envoy", "image": "envoyproxy/envoy:v1.31.0"},
      {"name": "web", "image": "registry.example.com/web:1.0",
       "volumeMounts": [{"name": "data", "mountPath": "/d"}]}
    ]
  }
}
"""


def test_json_files_get_json_edits(tmp_path: Path) -> None:
    result = fixed_text(tmp_path, "pod.json", POD_JSON, "--unsafe-fixes")
    assert result == POD_JSON.replace(
        '"name": "web"\n  },',
        '"name": "web",\n    "annotations": {"kubectl.kubernetes.io/default-container": "web"}\n  },',
    ).replace('      {"name": "scratch", "emptyDir": {}},\n', "")
    assert json.loads(result)["metadata"]["annotations"]


# --------------------------------------------------------------------------- SL101


def test_misspelled_quoted_key_is_renamed_only_with_unsafe_fixes(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: web\n"
        "spec:\n"
        "  containers:\n"
        "    - name: web\n"
        "      image: registry.example.com/web:1.0\n"
        '      "imagePullPolicie": Always  # typo\n'
    )
    assert fixed_text(tmp_path, "pod.yaml", text) == text  # unsafe: not without the flag
    assert fixed_text(tmp_path, "pod.yaml", text, "--unsafe-fixes") == text.replace(
        '"imagePullPolicie"', '"imagePullPolicy"'
    )


SIDECARS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/migrate:1.0
      # the mesh
      sidecarContainers:
        # first the proxy
        - name: envoy   # proxy
          image: envoyproxy/envoy:v1.31.0
          args:
            - --config=/etc/envoy.yaml
        - name: fluent-bit
          image: fluent/fluent-bit:3.1.9
      containers:
        - name: web
          image: registry.example.com/web:1.0
"""


def test_invented_sidecar_list_moves_into_init_containers_with_its_comments(
    tmp_path: Path,
) -> None:
    assert (
        fixed_text(tmp_path, "deploy.yaml", SIDECARS)
        == """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/migrate:1.0
        # first the proxy
        - name: envoy   # proxy
          image: envoyproxy/envoy:v1.31.0
          args:
            - --config=/etc/envoy.yaml
          restartPolicy: Always
        - name: fluent-bit
          image: fluent/fluent-bit:3.1.9
          restartPolicy: Always
      # the mesh
      containers:
        - name: web
          image: registry.example.com/web:1.0
"""
    )


def test_invented_sidecar_list_creates_init_containers_in_the_indentless_style(
    tmp_path: Path,
) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: web\n"
        "spec:\n"
        "  sidecars:\n"
        "  - name: envoy\n"
        "    image: envoyproxy/envoy:v1.31.0\n"
        "  containers:\n"
        "  - name: web\n"
        "    image: registry.example.com/web:1.0\n"
    )
    assert fixed_text(tmp_path, "pod.yaml", text) == text.replace(
        "  sidecars:\n  - name: envoy\n    image: envoyproxy/envoy:v1.31.0\n",
        "  initContainers:\n  - name: envoy\n    image: envoyproxy/envoy:v1.31.0\n"
        "    restartPolicy: Always\n",
    )


def test_no_native_sidecar_move_where_the_target_has_none(tmp_path: Path) -> None:
    text = SIDECARS.replace("initContainers:", "initContainers: # old")
    assert fixed_text(tmp_path, "deploy.yaml", text, "--kubernetes-version", "1.27") == text


# --------------------------------------------------------------------------- SL201

JOB_LIST = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: report
  spec:
    template:
      spec:
        restartPolicy: Never
        containers:
          - name: report
            image: registry.example.com/report:1.0
          # the proxy\t(a tab in this comment)
          - name: cloud-sql-proxy # proxy
            image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0
            args: ["--port=5432"]
---
apiVersion: v1
kind: Service
metadata:
  name: report
"""


def test_job_sidecar_moves_to_a_new_init_containers_in_a_list_item(tmp_path: Path) -> None:
    assert (
        fixed_text(tmp_path, "jobs.yaml", JOB_LIST, "--unsafe-fixes")
        == """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: report
  spec:
    template:
      spec:
        restartPolicy: Never
        initContainers:
          # the proxy\t(a tab in this comment)
          - name: cloud-sql-proxy # proxy
            image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0
            args: ["--port=5432"]
            restartPolicy: Always
        containers:
          - name: report
            image: registry.example.com/report:1.0
---
apiVersion: v1
kind: Service
metadata:
  name: report
"""
    )


def test_moves_in_json_keep_json(tmp_path: Path) -> None:
    text = """\
{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "basket"},
  "spec": {
    "containers": [{"name": "basket", "image": "registry.example.com/basket:2.0.0"}],
    "sidecarContainers": [{"name": "envoy", "image": "envoyproxy/envoy:v1.31.2"}]
  }
}
"""
    assert fixed_text(tmp_path, "pod.json", text) == text.replace(
        '"sidecarContainers": [{"name": "envoy", "image": "envoyproxy/envoy:v1.31.2"}]',
        '"initContainers": [{"name": "envoy", "image": "envoyproxy/envoy:v1.31.2", '
        '"restartPolicy": "Always"}]',
    )
    job = """\
{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "r"},
 "spec": {"template": {"spec": {"restartPolicy": "Never", "initContainers": [],
   "containers": [
     {"name": "report", "image": "registry.example.com/report:1.0"},
     {"name": "cloud-sql-proxy",
      "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0"}
   ]}}}}
"""
    assert (
        fixed_text(tmp_path, "job.json", job, "--unsafe-fixes")
        == """\
{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "r"},
 "spec": {"template": {"spec": {"restartPolicy": "Never", "initContainers": [{"name": "cloud-sql-proxy",
      "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0",
      "restartPolicy": "Always"}],
   "containers": [
     {"name": "report", "image": "registry.example.com/report:1.0"}
   ]}}}}
"""
    )


def test_moves_in_yaml_flow_style(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
        'spec: {containers: [{name: web, image: "nginx:1.27"}], '
        'sidecars: [{name: proxy, image: "envoyproxy/envoy:v1.31.0"}]}  # one line\n'
    )
    assert fixed_text(tmp_path, "pod.yaml", text) == text.replace(
        'sidecars: [{name: proxy, image: "envoyproxy/envoy:v1.31.0"}]',
        'initContainers: [{name: proxy, image: "envoyproxy/envoy:v1.31.0", restartPolicy: Always}]',
    )


# --------------------------------------------------------------------------- SL108, SL302


def test_default_container_annotation_pointed_at_the_one_main_container(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: web\n"
        "  annotations:\n"
        "    kubectl.kubernetes.io/default-container: 'wbe'  # typo\n"
        "spec:\n"
        "  containers:\n"
        "    - name: web\n"
        "      image: registry.example.com/web:1.0\n"
        "    - name: envoy\n"
        "      image: envoyproxy/envoy:v1.31.0\n"
    )
    assert fixed_text(tmp_path, "pod.yaml", text, "--unsafe-fixes") == text.replace(
        "'wbe'", "'web'"
    )


def test_unused_volume_removed_with_its_own_lines_only(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: web\n"
        "spec:\n"
        "  volumes:\n"
        "  # scratch space\n"
        "  - name: scratch  # unused\n"
        "    emptyDir: {}\n"
        "  - name: data\n"
        "    emptyDir: {}\n"
        "  containers:\n"
        "  - name: web\n"
        "    image: registry.example.com/web:1.0\n"
        "    volumeMounts: [{name: data, mountPath: /d}]\n"
    )
    assert fixed_text(tmp_path, "pod.yaml", text, "--unsafe-fixes") == text.replace(
        "  - name: scratch  # unused\n    emptyDir: {}\n", ""
    )


def test_the_only_volume_takes_its_key_along(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: web\n"
        "spec:\n"
        "  volumes:\n"
        "    - name: scratch\n"
        "      emptyDir: {}\n"
        "  containers:\n"
        "    - name: web\n"
        "      image: registry.example.com/web:1.0\n"
    )
    assert fixed_text(tmp_path, "pod.yaml", text, "--unsafe-fixes") == text.replace(
        "  volumes:\n    - name: scratch\n      emptyDir: {}\n", ""
    )


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "apiVersion: v1\nkind: Pod\nmetadata: &meta\n  name: web\nspec:\n"
            "  containers:\n    - name: envoy\n      image: envoyproxy/envoy:v1.31.0\n"
            "    - name: web\n      image: registry.example.com/web:1.0\n",
            id="anchor",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: x}\n"
            "  annotations: {owner: '{{ .Values.owner }}'}\nspec:\n"
            "  containers:\n    - name: envoy\n      image: envoyproxy/envoy:v1.31.0\n"
            "    - name: web\n      image: registry.example.com/web:1.0\n",
            id="template",
        ),
        pytest.param(
            "x: &c {name: envoy, image: envoyproxy/envoy:v1.31.0}\n---\n"
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  volumes:\n"
            "    - <<: {name: scratch}\n      emptyDir: {}\n  containers:\n"
            "    - name: web\n      image: registry.example.com/web:1.0\n",
            id="merge key",
        ),
    ],
)
def test_no_fix_through_anchors_merge_keys_or_templates(tmp_path: Path, text: str) -> None:
    assert fixed_text(tmp_path, "pod.yaml", text, "--unsafe-fixes") == text


def test_a_file_with_a_broken_document_is_left_alone(tmp_path: Path) -> None:
    text = SIDECARS + "---\nkey: [unclosed\n"
    data, code = fix(tmp_path, "broken.yaml", text)
    assert data.decode() == text and code == 1


# --------------------------------------------------------------------------- the run


def test_diff_changes_nothing_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(SIDECARS)
    assert main(["--isolated", "--no-cache", "--diff", "deploy.yaml"]) == 1
    out, err = capsys.readouterr()
    assert path.read_text() == SIDECARS
    assert out.startswith("--- a/deploy.yaml\n+++ b/deploy.yaml\n")
    assert "-      sidecarContainers:\n" in out and "+          restartPolicy: Always\n" in out
    assert "would fix 1 problem in 1 file(s)" in err
    path.write_text(fixed_text(tmp_path, "deploy.yaml", SIDECARS))
    capsys.readouterr()
    assert main(["--isolated", "--no-cache", "--diff", "deploy.yaml"]) == 0
    assert capsys.readouterr().out == ""


def test_text_report_marks_fixable_findings_and_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "jobs.yaml").write_text(JOB_LIST)
    (tmp_path / "deploy.yaml").write_text(SIDECARS)
    main(["--isolated", "--no-cache", "--select", "SL101,SL201", "."])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(
        line.startswith("deploy.yaml:12:7: error SL101") and line.endswith(" [*]") for line in lines
    )
    assert any("SL201" in line and not line.endswith("[*]") for line in lines if ": error" in line)
    assert lines[-2] == "[*] 1 fixable with --fix (1 more with --unsafe-fixes)."
    main(["--isolated", "--no-cache", "--select", "SL101,SL201", "--fix", "."])
    out = capsys.readouterr().out
    assert "Fixed 1 problem.\n[*] 1 fixable with --fix --unsafe-fixes.\nFound 1 problem" in out


def test_configuration_keys_fix_and_unsafe_fixes(tmp_path: Path) -> None:
    (tmp_path / ".sidecar-lint.yaml").write_text("fix: true\nunsafeFixes: true\n")
    (tmp_path / "jobs.yaml").write_text(JOB_LIST)
    proc = run_cli("--no-cache", "jobs.yaml", cwd=tmp_path)
    assert "restartPolicy: Always" in (tmp_path / "jobs.yaml").read_text()
    assert "Fixed 1 problem." in proc.stdout
    (tmp_path / "again.yaml").write_text(JOB_LIST)
    run_cli("--no-cache", "--no-fix", "again.yaml", cwd=tmp_path)
    assert (tmp_path / "again.yaml").read_text() == JOB_LIST


def test_standard_input_gets_the_fixed_text_on_standard_output() -> None:
    proc = run_cli("--no-cache", "--isolated", "--fix", "-", stdin=SIDECARS, binary=True)
    assert b"initContainers:\n        - name: migrate" in proc.stdout
    assert b"sidecarContainers" not in proc.stdout
    assert b"Fixed 1 problem." in proc.stderr  # the report moves out of the way
    clean = run_cli("--no-cache", "--isolated", "--fix", "-", stdin=JOB_LIST, binary=True)
    assert clean.stdout == JOB_LIST.encode()  # nothing safe to fix: the text as it came


def test_symlinks_are_followed_and_mode_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text(SIDECARS)
    target.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(target.name)
    assert main(["--isolated", "--no-cache", "--fix", "-q", "link.yaml"]) == 1
    assert link.is_symlink()
    assert "restartPolicy: Always" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_unwritable_file_is_an_error_and_the_others_are_still_fixed(tmp_path: Path) -> None:
    prefix = unprivileged_prefix()
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.yaml").write_text(SIDECARS)
    (tmp_path / "b.yaml").write_text(SIDECARS)
    os.chmod(locked, 0o555)
    try:
        proc = run_cli(
            "--no-cache",
            "--isolated",
            "--fix",
            "-q",
            "locked/a.yaml",
            "b.yaml",
            cwd=tmp_path,
            program=("-m", "sidecar_lint"),
            unprivileged=bool(prefix),
        )
    finally:
        os.chmod(locked, 0o755)
    assert proc.returncode == 2
    assert "locked/a.yaml: cannot write: Permission denied" in proc.stderr
    assert (locked / "a.yaml").read_text() == SIDECARS
    assert "restartPolicy: Always" in (tmp_path / "b.yaml").read_text()


def test_sarif_results_carry_fixes_that_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_reporter_sarif import assert_valid_sarif

    (tmp_path / "jobs.yaml").write_text(JOB_LIST)
    (tmp_path / "pod.json").write_text(POD_JSON)
    main(["--isolated", "--no-cache", "--format", "sarif", "--sarif-root", ".", "."])
    log = assert_valid_sarif(capsys.readouterr().out)
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    fixes = {r["ruleId"]: r["fixes"] for r in run["results"] if "fixes" in r}
    (move,) = fixes["SL201"]
    assert move["properties"] == {"applicability": "unsafe"}
    (change,) = move["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "jobs.yaml"
    insert, delete = change["replacements"]
    assert insert["deletedRegion"] == {
        "startLine": 15,
        "startColumn": 1,
        "endLine": 15,
        "endColumn": 1,
    }
    assert insert["insertedContent"]["text"].startswith("        initContainers:\n")
    assert delete["deletedRegion"] == {
        "startLine": 18,
        "startColumn": 1,
        "endLine": 22,
        "endColumn": 1,
    }
    assert "insertedContent" not in delete
    (annotation,) = fixes["SL501"]
    assert annotation["properties"] == {"applicability": "safe"}


def test_fix_is_decided_by_the_working_directorys_configuration(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (tmp_path / ".sidecar-lint.yaml").write_text("select: [SL101]\n")
    (team / ".sidecar-lint.yaml").write_text("select: [SL101]\nfix: true\n")
    (team / "deploy.yaml").write_text(SIDECARS)
    proc = run_cli("--no-cache", ".", cwd=tmp_path)
    assert (team / "deploy.yaml").read_text() == SIDECARS
    assert "team/.sidecar-lint.yaml:2:1: fix has no effect here" in proc.stderr
    run_cli("--no-cache", ".", cwd=team)  # from team/, its configuration is the run's
    assert "sidecarContainers" not in (team / "deploy.yaml").read_text()


def test_worker_processes_fix_as_one_process_does(tmp_path: Path) -> None:
    one, many = tmp_path / "one", tmp_path / "many"
    for tree in (one, many):
        tree.mkdir()
        for i in range(4):
            (tree / f"deploy-{i}.yaml").write_text(SIDECARS)
            (tree / f"jobs-{i}.yaml").write_text(JOB_LIST)
    run_cli("--no-cache", "--isolated", "--fix", "--unsafe-fixes", "--jobs", "1", str(one))
    proc = run_cli("--no-cache", "--isolated", "--fix", "--unsafe-fixes", "--jobs", "2", str(many))
    assert "Fixed 8 problems." in proc.stdout
    for path in sorted(one.iterdir()):
        assert (
            (many / path.name).read_text()
            == path.read_text()
            != (SIDECARS if path.name.startswith("deploy") else JOB_LIST)
        )


def test_an_annotation_moved_to_the_pod_template_takes_its_emptied_mapping(
    tmp_path: Path,
) -> None:
    text = (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: web\n"
        "  annotations:  # for kubectl\n"
        "    kubectl.kubernetes.io/default-container: web\n"
        "spec:\n"
        "  template:\n"
        "    metadata: {labels: {app: web}}\n"
        "    spec:\n"
        "      containers:\n"
        "        - {name: web, image: registry.example.com/web:1.0}\n"
    )
    assert fixed_text(tmp_path, "deploy.yaml", text, "--select", "SL108") == text.replace(
        "  annotations:  # for kubectl\n    kubectl.kubernetes.io/default-container: web\n", ""
    ).replace(
        "{labels: {app: web}}",
        "{labels: {app: web}, annotations: {kubectl.kubernetes.io/default-container: web}}",
    )
