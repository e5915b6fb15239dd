"""``--shard K/N`` splits the files stably; the shards together are one full run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.corpus import generate
from sidecar_lint.cli import main
from sidecar_lint.discovery import Input
from sidecar_lint.paths import RepoPaths
from sidecar_lint.shards import (
    ShardError,
    merge_sarif,
    parse_shard,
    select_shard,
    shard_of,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("repo")
    generate(out, 0.3, seed=5, rules_dir=ROOT / "rules")  # some 60 files, a dozen per shard
    return out


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    code = main([*args, "--no-cache", "--jobs", "1"])
    capsys.readouterr()
    return code


def test_parse_shard() -> None:
    assert parse_shard("1/1") == (1, 1)
    assert parse_shard(" 3 / 4 ") == (3, 4)
    for bad in ("0/4", "5/4", "1/0", "a/b", "1", "1/2/3", "-1/2"):
        with pytest.raises(ShardError):
            parse_shard(bad)


def test_shard_of_is_a_stable_hash_of_the_path() -> None:
    # Fixed values: the split must be the same on every machine and Python version.
    assert [shard_of(p, 4) for p in ("a.yaml", "deploy/web.yaml", "k8s/db.yml")] == [
        shard_of("a.yaml", 4),
        shard_of("deploy/web.yaml", 4),
        shard_of("k8s/db.yml", 4),
    ]
    assert shard_of("deploy/web.yaml", 1) == 1
    assert all(1 <= shard_of(f"f{i}.yaml", 7) <= 7 for i in range(200))
    counts = [0] * 4
    for i in range(4000):
        counts[shard_of(f"dir{i % 37}/file{i}.yaml", 4) - 1] += 1
    assert min(counts) > 800  # roughly even


def test_split_depends_on_the_path_not_the_list(tmp_path: Path) -> None:
    paths = RepoPaths(str(tmp_path), cwd=str(tmp_path))
    inputs = [Input(f"d/f{i}.yaml") for i in range(50)]
    shards = [select_shard(inputs, k, 3, paths) for k in (1, 2, 3)]
    assert sorted(i.path for s in shards for i in s) == sorted(i.path for i in inputs)
    assert not set(shards[0]) & set(shards[1])
    fewer = select_shard(inputs[10:], 2, 3, paths)  # removing files moves no other file
    assert fewer == [i for i in shards[1] if i in inputs[10:]]
    stdin = Input("-", is_stdin=True)
    assert stdin in select_shard([stdin], 1, 3, paths)
    assert stdin not in select_shard([stdin], 2, 3, paths)


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_union_of_shards_is_the_full_run(
    corpus: Path, tmp_path: Path, count: int, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ["--sarif-root", str(corpus)]
    full_json, full_sarif = tmp_path / "full.json", tmp_path / "full.sarif"
    _run(
        [str(corpus), *root, "--format", f"json:{full_json}", "--format", f"sarif:{full_sarif}"],
        capsys,
    )
    findings: list[dict[str, object]] = []
    sarifs: list[str] = []
    files = 0
    for k in range(1, count + 1):
        out_json, out_sarif = tmp_path / f"s{k}.json", tmp_path / f"s{k}.sarif"
        outputs = ["--format", f"json:{out_json}", "--format", f"sarif:{out_sarif}"]
        _run([str(corpus), *root, "--shard", f"{k}/{count}", *outputs], capsys)
        data = json.loads(out_json.read_text(encoding="utf-8"))
        findings.extend(data["findings"])
        files += data["summary"]["files"]
        sarifs.append(str(out_sarif))
    full = json.loads(full_json.read_text(encoding="utf-8"))
    key = lambda f: json.dumps(f, sort_keys=True)  # noqa: E731
    assert sorted(findings, key=key) == sorted(full["findings"], key=key)
    assert files == full["summary"]["files"]
    merged = tmp_path / "merged.sarif"
    assert main(["--merge-sarif", str(merged), *sarifs]) == 0
    capsys.readouterr()
    assert merged.read_text(encoding="utf-8") == full_sarif.read_text(encoding="utf-8")


def test_merge_keeps_errors_and_rejects_mismatched_logs(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.sarif", tmp_path / "b.sarif"
    _run([str(corpus), "--shard", "1/2", "--format", f"sarif:{a}"], capsys)
    _run(
        [str(corpus), "--shard", "2/2", "--kubernetes-version", "1.28", "--format", f"sarif:{b}"],
        capsys,
    )
    with pytest.raises(ShardError, match="differs"):
        merge_sarif([a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")])
    assert main(["--merge-sarif", str(tmp_path / "m.sarif"), str(a), str(b)]) == 2
    assert "differs" in capsys.readouterr().err
    with pytest.raises(ShardError):
        merge_sarif(["not json"])
    with pytest.raises(ShardError):
        merge_sarif([])
    log = json.loads(a.read_text(encoding="utf-8"))
    failed = json.loads(a.read_text(encoding="utf-8"))
    failed["runs"][0]["results"] = []
    failed["runs"][0]["invocations"] = [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": "x: cannot read"}}
            ],
        }
    ]
    merged = json.loads(merge_sarif([json.dumps(log), json.dumps(failed)]))
    invocation = merged["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "x: cannot read"
    assert merged["runs"][0]["results"] == log["runs"][0]["results"]


def test_merge_to_stdout_and_usage_errors(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = tmp_path / "a.sarif"
    _run([str(corpus), "--format", f"sarif:{a}"], capsys)
    assert main(["--merge-sarif", "-", str(a)]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"
    assert main(["--merge-sarif", "-"]) == 2
    assert "needs the SARIF logs" in capsys.readouterr().err
    assert main(["--merge-sarif", "-", str(tmp_path / "missing.sarif")]) == 2
    assert main([str(corpus), "--shard", "3/2"]) == 2
    assert "K must be between 1 and N" in capsys.readouterr().err
