"""The result cache: keyed by content, settings and version; outside the tree; disposable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sidecar_lint.cache import CACHE_ENV, FORMAT, Cache, default_cache_dir
from sidecar_lint.cli import main

ROOT = Path(__file__).resolve().parent.parent
POD = (ROOT / "examples" / "pod-sidecar-containers.yaml").read_text(encoding="utf-8")
JOB = (ROOT / "examples" / "job-legacy-sidecar.yaml").read_text(encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pod.yaml").write_text(POD, encoding="utf-8")
    (project / "job.yaml").write_text(JOB, encoding="utf-8")
    (project / "clean.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8")
    monkeypatch.chdir(project)
    return project


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def _lint(cache: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main([".", "--cache-dir", str(cache), "--format", "json", "--jobs", "1", *extra])
    return code, capsys.readouterr().out


def _entries(cache: Path) -> dict[str, object]:
    files = list((cache / f"v{FORMAT}").glob("*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text(encoding="utf-8"))
    return data["files"]  # type: ignore[no-any-return]


def test_warm_run_reads_the_cache_and_prints_the_same(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    cold = _lint(cache, capsys)
    assert set(_entries(cache)) == {"clean.yaml", "job.yaml", "pod.yaml"}
    warm = _lint(cache, capsys)
    assert warm == cold
    fresh = main([".", "--no-cache", "--format", "json", "--jobs", "1"])
    assert (fresh, capsys.readouterr().out) == cold


def test_cached_report_is_used_instead_of_linting(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    _lint(cache, capsys)
    cache_file = next((cache / f"v{FORMAT}").glob("*.json"))
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    data["files"]["pod.yaml"]["findings"][0]["message"] = "served from the cache"
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    _, out = _lint(cache, capsys)
    assert "served from the cache" in out


def test_changed_content_is_linted_again(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    _lint(cache, capsys)
    cache_file = next((cache / f"v{FORMAT}").glob("*.json"))
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    data["files"]["pod.yaml"]["findings"][0]["message"] = "stale"
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    (tree / "pod.yaml").write_text(POD + "\n# edited\n", encoding="utf-8")
    _, out = _lint(cache, capsys)
    assert "stale" not in out
    assert "sidecarContainers" in out


def test_settings_select_their_own_cache_file(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    _, default = _lint(cache, capsys)
    _, old = _lint(cache, capsys, "--kubernetes-version", "1.28")
    _, only = _lint(cache, capsys, "--select", "SL101")
    assert len(list((cache / f"v{FORMAT}").glob("*.json"))) == 3
    assert default != old and default != only
    assert main([".", "--no-cache", "--format", "json", "--kubernetes-version", "1.28"]) in (0, 1)
    assert capsys.readouterr().out == old


def test_configuration_file_changes_change_the_key(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    config = tree / ".sidecar-lint.yaml"
    config.write_text("kubernetesVersion: '1.33'\n", encoding="utf-8")
    _lint(cache, capsys)
    config.write_text("kubernetesVersion: '1.28'\n", encoding="utf-8")
    _, old = _lint(cache, capsys)
    assert len(list((cache / f"v{FORMAT}").glob("*.json"))) == 2
    main([".", "--no-cache", "--format", "json", "--jobs", "1"])
    assert capsys.readouterr().out == old


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b'{"format": %d, "files": {"pod.yaml": {"digest": 5}}}' % FORMAT,
        b'{"format": %d, "files": {"pod.yaml": {"path": "pod.yaml"}}}' % FORMAT,
        b'{"format": 99, "files": {}}',
        b"[1, 2, 3]",
        b"\xff\xfe\x00garbage",
    ],
)
def test_corrupt_or_partial_cache_is_ignored(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: bytes
) -> None:
    cache = tmp_path / "cache"
    expected = _lint(cache, capsys)
    for path in (cache / f"v{FORMAT}").glob("*.json"):
        path.write_bytes(damage)
    assert _lint(cache, capsys) == expected
    assert _lint(cache, capsys) == expected  # and it was rewritten in a usable shape
    assert set(_entries(cache)) == {"clean.yaml", "job.yaml", "pod.yaml"}


def test_entry_with_a_wrong_digest_is_ignored(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    _lint(cache, capsys)
    c = Cache.__new__(Cache)
    c.entries = {"pod.yaml": {"digest": "0" * 32}}
    c.hits = 0
    assert c.lookup("pod.yaml") is None


def test_no_cache_writes_nothing(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    main([".", "--no-cache", "--jobs", "1"])
    capsys.readouterr()
    assert not cache.exists()


def test_default_location_is_outside_the_tree(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    before = _snapshot(tree)
    main(["."])
    capsys.readouterr()
    assert _snapshot(tree) == before  # nothing written into the linted tree
    assert list((home / ".cache" / "sidecar-lint" / f"v{FORMAT}").glob("*.json"))


def test_default_dir_resolution(tmp_path: Path) -> None:
    assert default_cache_dir({CACHE_ENV: "/x/y"}) == Path("/x/y")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/sidecar-lint")
    assert default_cache_dir({"XDG_CACHE_HOME": "relative"}) == (
        Path.home() / ".cache" / "sidecar-lint"
    )
    assert default_cache_dir({}) == Path.home() / ".cache" / "sidecar-lint"


def test_cache_dir_can_be_deleted_between_runs(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    cache = tmp_path / "cache"
    expected = _lint(cache, capsys)
    shutil.rmtree(cache)
    assert _lint(cache, capsys) == expected


def test_unwritable_cache_dir_does_not_fail_the_run(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x", encoding="utf-8")
    code, out = _lint(blocker / "cache", capsys)
    assert code == 1 and '"findings"' in out


def test_junit_objects_come_back_from_the_cache(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    outs = []
    for _ in range(2):
        main([".", "--cache-dir", str(cache), "--format", "junit", "--jobs", "1"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert "ConfigMap" in outs[0]  # a passing object is listed too


def test_cache_file_is_replaced_atomically(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    _lint(cache, capsys)
    leftovers = [p for p in (cache / f"v{FORMAT}").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert oct(next((cache / f"v{FORMAT}").glob("*.json")).stat().st_mode & 0o777)
    assert os.access(cache / f"v{FORMAT}", os.W_OK)


# --------------------------------------------------------------------------- library versions


def test_library_versions_name_what_is_installed() -> None:
    import importlib.metadata
    import sys

    import pydantic
    import pydantic_core
    import yaml

    from sidecar_lint.cache import library_versions

    versions = library_versions()
    assert versions["pyyaml"] == yaml.__version__ == importlib.metadata.version("PyYAML")
    assert versions["pydantic"] == importlib.metadata.version("pydantic") == pydantic.VERSION
    assert versions["pydantic-core"] == pydantic_core.__version__
    assert versions["jsonpath-ng"] == importlib.metadata.version("jsonpath-ng")
    assert str(sys.version_info.major) in versions["python"]
    if yaml.__with_libyaml__:
        assert versions["libyaml"] == yaml._yaml.get_version_string()
    else:
        assert versions["libyaml"] == "unused"
    try:
        expected = importlib.metadata.version("yaml-rs")
    except importlib.metadata.PackageNotFoundError:
        expected = "absent"
    assert versions["yaml-rs"] == expected
    assert library_versions() is versions  # looked up once per process


@pytest.mark.parametrize(
    ("component", "other"),
    [
        ("python", "cpython 3.99.0.final.0"),
        # Versions no release has, so they differ from whatever is installed (the suite also
        # runs at the declared minimum versions).
        ("pyyaml", "6.0.999"),
        ("libyaml", "unused"),
        ("libyaml", "0.2.999"),
        ("pydantic", "2.999.0"),
        ("pydantic-core", "2.999.0"),
        ("jsonpath-ng", "1.999.0"),
        ("yaml-rs", "absent"),
        ("yaml-rs", "0.1.999"),
    ],
)
def test_each_library_version_is_part_of_the_run_key(
    tree: Path, monkeypatch: pytest.MonkeyPatch, component: str, other: str
) -> None:
    from sidecar_lint import cache as cache_module
    from sidecar_lint.config import resolve_config
    from sidecar_lint.settings import FlagValues, resolve_settings

    settings = resolve_settings(resolve_config(None, True), FlagValues())
    real = cache_module.library_versions()
    before = cache_module.run_key(settings)
    assert real[component] != other
    monkeypatch.setattr(cache_module, "library_versions", lambda: {**real, component: other})
    assert cache_module.run_key(settings) != before
    monkeypatch.setattr(cache_module, "library_versions", lambda: dict(real))
    assert cache_module.run_key(settings) == before


def test_results_of_another_parser_version_are_not_served(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sidecar_lint import cache as cache_module

    cache = tmp_path / "cache"
    real = cache_module.library_versions()
    monkeypatch.setattr(cache_module, "library_versions", lambda: {**real, "pyyaml": "6.0.3"})
    _lint(cache, capsys)
    cache_file = next((cache / f"v{FORMAT}").glob("*.json"))
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    data["files"]["pod.yaml"]["findings"][0]["message"] = "computed under 6.0.3"
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    _, under_old = _lint(cache, capsys)
    assert "computed under 6.0.3" in under_old  # same versions: the entry is served
    monkeypatch.setattr(cache_module, "library_versions", lambda: dict(real))
    _, out = _lint(cache, capsys)
    assert "computed under 6.0.3" not in out
    assert len(list((cache / f"v{FORMAT}").glob("*.json"))) == 2


def test_switching_the_fast_parser_off_changes_the_key(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sidecar_lint.loading import LOADER_ENV, fast_path_available

    if not fast_path_available():
        pytest.skip("yaml-rs is not installed")
    cache = tmp_path / "cache"
    _lint(cache, capsys)
    monkeypatch.setenv(LOADER_ENV, "reference")
    _lint(cache, capsys)
    assert len(list((cache / f"v{FORMAT}").glob("*.json"))) == 2
