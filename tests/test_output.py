"""Report files are written atomically, with ordinary permissions, and as valid UTF-8."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sidecar_lint.output import (
    cannot_write,
    escape_surrogates,
    json_escape_surrogates,
    utf8_bytes,
    write_atomic,
)
from tests.harness import CACHE_ENV, clean_environment


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


# --------------------------------------------------------------------------- targets
# Only regular files (and names that do not exist yet) are replaced by a rename;
# a symlink writes its target, anything else is written in place.

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX FIFOs and symlinks")
LINUX_FD = pytest.mark.skipif(
    not os.path.isdir("/dev/fd") or sys.platform == "win32", reason="needs /dev/fd"
)


def _read_in_thread(path: Path) -> tuple[threading.Thread, list[bytes]]:
    """A reader on the FIFO ``path`` (a daemon, so a broken writer cannot hang the suite)."""
    received: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, received


@POSIX
def test_a_symlink_writes_its_target_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "report.json"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to("real/report.json")
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == "real/report.json"
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # the file's own mode is kept
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["report.json"]


@POSIX
def test_a_chain_of_links_and_a_dangling_link(tmp_path: Path) -> None:
    (tmp_path / "b").symlink_to("c")  # dangling: c does not exist yet
    (tmp_path / "a").symlink_to(tmp_path / "b")
    write_atomic(tmp_path / "a", "made")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert (tmp_path / "c").read_text() == "made" and not (tmp_path / "c").is_symlink()


@POSIX
def test_a_looping_link_is_one_error_and_stays(tmp_path: Path) -> None:
    (tmp_path / "x").symlink_to("y")
    (tmp_path / "y").symlink_to("x")
    with pytest.raises(OSError) as caught:
        write_atomic(tmp_path / "x", "{}")
    assert cannot_write("x", caught.value) == "x: cannot write: Too many levels of symbolic links"
    assert os.readlink(tmp_path / "x") == "y" and os.readlink(tmp_path / "y") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x", "y"]


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@POSIX
def test_a_fifo_is_written_in_place_for_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    thread, received = _read_in_thread(fifo)
    write_atomic(fifo, "report\n")
    thread.join(timeout=30)
    assert received == [b"report\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


@POSIX
def test_a_link_to_a_fifo_writes_the_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to("pipe")
    thread, received = _read_in_thread(tmp_path / "pipe")
    write_atomic(tmp_path / "link", "via link")
    thread.join(timeout=30)
    assert received == [b"via link"]
    assert (tmp_path / "link").is_symlink()


@LINUX_FD
def test_a_dev_fd_path_writes_the_descriptor(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        write_atomic(f"/dev/fd/{write_end}", "through the pipe")
        os.close(write_end)
        write_end = -1
        with os.fdopen(read_end, "rb") as handle:
            read_end = -1
            assert handle.read() == b"through the pipe"
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)


@LINUX_FD
def test_a_dev_fd_path_to_a_regular_file_appends_to_it(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    with open(log, "ab") as handle:
        handle.write(b"before\n")
        handle.flush()
        write_atomic(f"/dev/fd/{handle.fileno()}", "report\n")
    assert log.read_bytes() == b"before\nreport\n"


@pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="creating a device node needs root",
)
def test_a_character_device_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    # A node of its own in tmp_path, never the system's /dev/null: (1, 3) is the null device.
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError as err:  # pragma: no cover - e.g. a container without CAP_MKNOD
        pytest.skip(f"cannot create a device node here: {err}")
    before = os.lstat(node)
    write_atomic(node, "discarded")
    after = os.lstat(node)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


# --------------------------------------------------------------------------- end to end

_MANIFEST = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  bogus: 1\n  containers: []\n"
)


def _cli(cwd: Path, *argv: str, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
    env = clean_environment({CACHE_ENV: str(cwd / ".cache")})
    return subprocess.Popen(
        [sys.executable, "-m", "sidecar_lint", "--select", "SL101", "--sarif-root", ".", *argv],
        cwd=cwd,
        env=env,
        pass_fds=pass_fds,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@POSIX
def test_cli_writes_a_report_into_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(_MANIFEST)
    os.mkfifo(tmp_path / "out.fifo")
    thread, received = _read_in_thread(tmp_path / "out.fifo")
    proc = _cli(tmp_path, "--format", "json", "-o", "out.fifo", "pod.yaml")
    out, err = proc.communicate(timeout=120)
    thread.join(timeout=30)
    assert (proc.returncode, out, err) == (1, b"", b"")
    assert [f["code"] for f in json.loads(received[0])["findings"]] == ["SL101"]
    assert stat.S_ISFIFO(os.lstat(tmp_path / "out.fifo").st_mode)


@LINUX_FD
def test_cli_writes_a_report_to_dev_fd(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(_MANIFEST)
    read_end, write_end = os.pipe()
    try:
        proc = _cli(
            tmp_path,
            "--format",
            f"sarif:/dev/fd/{write_end}",
            "--format",
            "text",
            "pod.yaml",
            pass_fds=(write_end,),
        )
        os.close(write_end)
        write_end = -1
        with os.fdopen(read_end, "rb") as handle:
            read_end = -1
            data = handle.read()
        out, err = proc.communicate(timeout=120)
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
    assert proc.returncode == 1, err
    assert err == b""
    results = json.loads(data)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["SL101"]
    assert out.startswith(b"pod.yaml:5:3: error SL101")  # text still on standard output
