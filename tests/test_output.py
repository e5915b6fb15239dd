"""Report files are written atomically, with ordinary permissions, and as valid UTF-8."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from sidecar_lint.output import (
    cannot_write,
    escape_surrogates,
    json_escape_surrogates,
    utf8_bytes,
    write_atomic,
)


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["report.sarif"]


def test_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "r.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize(
    "target", ["missing/r.json", "file/r.json", "adir"], ids=["no-dir", "not-a-dir", "is-a-dir"]
)
def test_a_target_that_cannot_be_written_raises_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("keep")
    (tmp_path / "adir").mkdir()
    with pytest.raises(OSError) as caught:
        write_atomic(target, "{}")
    assert (
        cannot_write(target, caught.value)
        == f"{target}: cannot write: "
        + {
            "missing/r.json": "No such file or directory",
            "file/r.json": "Not a directory",
            "adir": "Is a directory",
        }[target]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "file"]
    assert list((tmp_path / "adir").iterdir()) == []
    assert (tmp_path / "file").read_text() == "keep"


def test_cannot_write_without_a_reason_names_the_error() -> None:
    assert cannot_write("r.json", OSError("odd")) == "r.json: cannot write: odd"


def test_undecodable_bytes_are_shown_as_escapes() -> None:
    name = os.fsdecode(b"\xff\xfe-pod.yaml")  # how Python holds a name that is not UTF-8
    assert escape_surrogates(name) == "\\xff\\xfe-pod.yaml"
    assert escape_surrogates("\ud800 caf\u00e9") == "\\ud800 caf\u00e9"  # not a byte; é stays
    assert escape_surrogates("plain") == "plain"


def test_json_keeps_undecodable_bytes_as_exact_escapes() -> None:
    name = os.fsdecode(b"dir/\xff-pod.yaml")
    text = json_escape_surrogates(json.dumps({"file": name, "x": "caf\u00e9"}, ensure_ascii=False))
    assert text == '{"file": "dir/\\udcff-pod.yaml", "x": "caf\u00e9"}'
    text.encode("utf-8")  # valid UTF-8
    assert os.fsencode(json.loads(text)["file"]) == b"dir/\xff-pod.yaml"


def test_utf8_bytes_restores_the_original_bytes() -> None:
    assert utf8_bytes(os.fsdecode(b"\xff-caf\xc3\xa9")) == b"\xff-caf\xc3\xa9"
    assert utf8_bytes("\ud800") == b"\xed\xa0\x80"  # not an escaped byte: still distinct
    assert utf8_bytes("\ud800") != utf8_bytes("\ud801")


def test_a_report_naming_an_undecodable_file_is_valid_utf8(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    write_atomic(target, os.fsdecode(b"names/\xff-pod.yaml:6:3: error\n"))
    assert target.read_bytes() == b"names/\\xff-pod.yaml:6:3: error\n"


def test_a_report_may_have_an_undecodable_name_itself(tmp_path: Path) -> None:
    target = os.fsdecode(os.fsencode(tmp_path) + b"/\xff.json")
    try:
        write_atomic(target, "{}")
    except OSError as err:  # pragma: no cover - macOS and Windows refuse such names
        pytest.skip(f"the file system refuses a non-UTF-8 name: {err}")
    assert os.listdir(os.fsencode(tmp_path)) == [b"\xff.json"]
