"""Hostile input through the command line: exit 0, 1 or 2, a clear message, never a traceback.

The committed corpus (``tests/hostile/``) runs through every output format; large,
binary, badly encoded and file-system hostile inputs are made in ``tmp_path``.
Subprocess timeouts are hang guards only: nothing here measures speed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import xml.dom.minidom
from pathlib import Path
from typing import Any

import pytest

from sidecar_lint.cli import main
from tests.harness import CACHE_ENV, assert_clean_exit, clean_environment, run_cli
from tests.test_hostile import CORPUS, HOSTILE, deep_flow_sequence

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("text", "json", "sarif", "github", "markdown", "junit")
HANG_GUARD = 300  # seconds; only there so that a hang fails instead of stalling CI

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  sidecarContainers: []\n"
    "  containers:\n    - {name: app, image: 'registry.example.com/app:1.0.0'}\n"
)

needs_symlinks = pytest.mark.skipif(
    not hasattr(os, "symlink") or sys.platform == "win32",
    reason="symbolic links need a POSIX file system",
)
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The harness's clean environment, with this test's cache under ``tmp_path``."""
    return clean_environment({CACHE_ENV: str(tmp_path / "cache"), **extra})


def cli(
    tmp_path: Path, *args: str, cwd: Path | None = None, stdin: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the real program; a clean exit is 0, 1 or 2 and stderr never holds a traceback."""
    return run_cli(
        *args,
        cwd=cwd or tmp_path,
        stdin=stdin,
        env={CACHE_ENV: str(tmp_path / "cache"), **env},
        clean=True,
        timeout=HANG_GUARD,
    )


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    line = proc.stderr.strip()
    assert "\n" not in line and line.startswith("sidecar-lint: error: "), proc.stderr
    for needle in needles:
        assert needle in line, line


def findings(report: dict[str, Any], name: str) -> list[tuple[str, int, int, str]]:
    return [
        (f["code"], f["line"], f["column"], f["message"])
        for f in report["findings"]
        if f["file"].endswith("/" + name) or f["file"] == name
    ]


def in_process(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def parse(fmt: str, text: str) -> None:
    """Each format must still be what it claims to be."""
    if fmt in ("json", "sarif"):
        json.loads(text)
    elif fmt == "junit":
        xml.dom.minidom.parseString(text.encode("utf-8"))
    elif fmt == "github":
        assert all(line.startswith("::") for line in text.splitlines()), text[:500]


# --------------------------------------------------------------------------- the corpus


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("GITHUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("SIDECAR_LINT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The corpus copied to a scratch directory, which is also where a code tag would write."""
    target = tmp_path / "corpus"
    shutil.copytree(HOSTILE, target)
    return target


def test_the_whole_corpus_in_every_format_from_one_run(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    specs = [f"--format={fmt}:{out / ('report.' + fmt)}" for fmt in FORMATS]
    proc = cli(
        tmp_path, "--select", "ALL", "--report-unused-ignores", "--sarif-root", ".", *specs, "."
    )
    assert proc.returncode == 1 and proc.stdout == "" and proc.stderr == "", proc.stderr
    for fmt in FORMATS:
        parse(fmt, (out / f"report.{fmt}").read_text(encoding="utf-8"))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == len(report["findings"])
    assert report["summary"]["files"] == len(CORPUS)
    for name, expect in CORPUS.items():
        found = findings(report, name)
        if expect.clean:
            assert found == [], (name, found)
        for code, line, col, text in expect.must:
            assert any(
                c == code and ln == line and (col is None or cl == col) and text in m
                for c, ln, cl, m in found
            ), (name, code, line, col, text, found)
    for fmt in ("text", "json"):
        roles = cli(tmp_path, "--show-roles", "--format", fmt, ".")
        assert roles.returncode == 0 and "alias-bomb-pod.yaml" in roles.stdout
    assert sorted(p.name for p in corpus.iterdir()) == sorted(CORPUS)  # no marker file
    assert not (tmp_path / "sidecar-lint-hostile-marker").exists()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_corpus_file_alone_in_every_format(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HOSTILE)
    expected = 0 if CORPUS[name].clean else 1
    for fmt in FORMATS:
        code, out, err = in_process("--select", "ALL", "--sarif-root", ".", "--format", fmt, name)
        assert (code, err) == (expected, ""), (fmt, code, err)
        parse(fmt, out)


def test_stdin_takes_the_corpus_too(tmp_path: Path) -> None:
    for name in ("python-tags-pod.yaml", "alias-bomb-pod.yaml", "tabs.yaml", "wrong-types.json"):
        raw = (HOSTILE / name).read_bytes()
        proc = cli(tmp_path, "-q", "--stdin-filename", name, "-", stdin=raw)
        assert proc.returncode == 1 and proc.stdout.startswith(name + ":"), proc.stdout[:300]


# --------------------------------------------------------------------------- code never runs


def test_python_tags_never_run_through_the_cli(tmp_path: Path) -> None:
    for name in ("python-tags-pod.yaml", "python-tags-mkdocs.yaml"):
        shutil.copy(HOSTILE / name, tmp_path / name)
    proc = cli(tmp_path, "--format", "json", ".")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert {f["file"] for f in report["findings"]} == {"python-tags-pod.yaml"}
    assert {f["code"] for f in report["findings"]} == {"SL001"}
    assert not (tmp_path / "sidecar-lint-hostile-marker").exists()


# --------------------------------------------------------------------------- alias bombs


MAX_RSS = """\
import resource, sys
from sidecar_lint.cli import main
code = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write(f"peak {peak * (1 if sys.platform == 'darwin' else 1024)}\\n")
sys.exit(code)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX only")
@pytest.mark.parametrize(("name", "code"), [("alias-bomb.yaml", 0), ("alias-bomb-pod.yaml", 1)])
def test_alias_bombs_finish_in_bounded_memory(tmp_path: Path, name: str, code: int) -> None:
    shutil.copy(HOSTILE / name, tmp_path / name)
    for fmt in FORMATS:
        proc = subprocess.run(
            [sys.executable, "-c", MAX_RSS, "--select", "ALL", "--format", fmt, name],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=environment(tmp_path),
            timeout=HANG_GUARD,
        )
        assert_clean_exit(proc)
        assert proc.returncode == code, proc.stderr
        peak = int(proc.stderr.rsplit("peak ", 1)[1])
        assert peak < 512 * 1024 * 1024, peak  # 9**9 expanded strings would be gigabytes
        assert len(proc.stdout) < 1_000_000  # findings are per written node, not per use


# --------------------------------------------------------------------------- deep nesting


def test_deep_nesting_through_the_cli(tmp_path: Path) -> None:
    from tests.test_hostile import AFTER, DEEP

    for shape, make in DEEP.items():
        (tmp_path / f"{shape}.yaml").write_text(make() + AFTER)
        (tmp_path / f"{shape}-broken.yaml").write_text(make() + "broken: [\n" + AFTER)
    proc = cli(tmp_path, "--format", "json", ".")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    for shape in DEEP:
        deep = findings(report, f"{shape}.yaml")
        assert any(c == "SL001" and ln >= 5 and "--max-depth" in m for c, ln, _, m in deep), deep
        assert any(c == "SL101" and "Pod after" in m for c, _, _, m in deep), deep
        broken = findings(report, f"{shape}-broken.yaml")
        assert any(c == "SL001" for c, _, _, _ in broken), broken
        assert any(c == "SL101" and "Pod after" in m for c, _, _, m in broken), broken


def test_nesting_past_libyamls_own_ceiling_through_the_cli(tmp_path: Path) -> None:
    """PyYAML 6.0.4's libyaml refuses 1,000 levels; 6.0.3's does not: the CLI reads the same.

    The guard reports a deep document at the node that passes --max-depth with its own
    message and hint, and a raised limit reads 3,000 levels.
    """
    deep = "x: " + "[" * 3_000 + "]" * 3_000 + "\n"
    (tmp_path / "deep.yaml").write_text("---\n" + deep + "---\n" + POD)
    lines_before_pod = 3
    for args, depth_finding in (
        ((), (2, 3 + 256, "nesting deeper than 256 levels")),  # 1-based: the 256th "["
        (("--max-depth", "2000"), (2, 3 + 2_000, "nesting deeper than 2000 levels")),
        (("--max-depth", "5000"), None),
    ):
        proc = cli(tmp_path, "--format", "json", *args, "deep.yaml")
        assert proc.returncode == 1, proc.stderr[-2000:]
        found = findings(json.loads(proc.stdout), "deep.yaml")
        depth = [(ln, col, m) for code, ln, col, m in found if code == "SL001"]
        if depth_finding is None:
            assert depth == [], depth
        else:
            ((line, column, message),) = depth
            assert (line, column) == depth_finding[:2]
            assert message.startswith(depth_finding[2]) and "--max-depth" in message, message
            assert "exceeded maximum nesting depth" not in message
        pod = [(code, ln) for code, ln, _, m in found if code == "SL101" and "Pod p" in m]
        assert pod == [("SL101", lines_before_pod + 6)], found


# --------------------------------------------------------------------------- bytes and encodings


def encoded_files(directory: Path) -> dict[str, tuple[int, int, str] | None]:
    """Write each hostile encoding; the value is the SL001 expected (None: linted normally)."""
    pod = POD.encode()
    files: dict[str, tuple[bytes, tuple[int, int, str] | None]] = {
        "utf16le.yaml": (b"\xff\xfe" + POD.encode("utf-16-le"), None),
        "utf16be.yaml": (b"\xfe\xff" + POD.encode("utf-16-be"), None),
        "utf32le.yaml": (b"\xff\xfe\x00\x00" + POD.encode("utf-32-le"), None),
        "utf32be.yaml": (b"\x00\x00\xfe\xff" + POD.encode("utf-32-be"), None),
        "utf8-bom-crlf.yaml": (b"\xef\xbb\xbf" + POD.replace("\n", "\r\n").encode(), None),
        "latin1.yaml": (pod.replace(b"name: p", b"name: caf\xe9"), (4, 12, "byte 0xe9")),
        "binary.yaml": (bytes(range(256)) * 64, (2, 118, "byte 0x80")),
        "elf.yaml": (b"\x7fELF\x02\x01\x01" + bytes(64), (1, 8, "NUL")),
        "nul.yaml": (pod.replace(b"name: p", b"name: p\x00"), (4, 10, "NUL")),
        "bell.yaml": (pod.replace(b"name: p", b"name: p\x07"), (4, 10, "#x0007")),
        "escape.json": (b'{"apiVersion": "v1", "kind": "Pod\x1b"}', (1, 34, "invalid JSON")),
        "utf16-no-bom.yaml": (POD.encode("utf-16-le"), (1, 2, "NUL")),
    }
    for name, (raw, _) in files.items():
        (directory / name).write_bytes(raw)
    return {name: want for name, (_, want) in files.items()}


def test_binary_and_encodings_through_the_cli(tmp_path: Path) -> None:
    expected = encoded_files(tmp_path)
    proc = cli(tmp_path, "--format", "json", ".")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    for name, want in expected.items():
        found = findings(report, name)
        if want is None:
            assert [(c, ln, cl) for c, ln, cl, _ in found] == [("SL101", 6, 3)], (name, found)
            continue
        line, col, text = want
        assert len(found) == 1, (name, found)
        code, got_line, got_col, message = found[0]
        assert (code, got_line, got_col) == ("SL001", line, col), (name, found)
        assert text in message, (name, message)
    for fmt in FORMATS:  # every reporter copes with what the text report would quote
        parse(fmt, cli(tmp_path, "--sarif-root", ".", "--format", fmt, ".").stdout)


# --------------------------------------------------------------------------- large inputs


def test_large_inputs(tmp_path: Path) -> None:
    scalar = "x" * (8 << 20)
    (tmp_path / "big-scalar.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: " + scalar + "\n"
    )
    (tmp_path / "big-image.yaml").write_text(POD.replace("registry.example.com/app", scalar))
    parts = [f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n" for i in range(20_000)]
    parts.append(POD)
    many_text = "---\n".join(parts)
    (tmp_path / "many.yaml").write_text(many_text)
    line = many_text.splitlines().index("  sidecarContainers: []") + 1
    proc = cli(tmp_path, "--format", "json", ".")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert findings(report, "big-scalar.yaml") == []
    assert [(c, ln) for c, ln, _, _ in findings(report, "big-image.yaml")] == [("SL101", 6)]
    many = findings(report, "many.yaml")  # the last of 20 001 documents is still linted
    assert [(c, ln) for c, ln, _, _ in many] == [("SL101", line)], many
    assert report["summary"]["documents"] == 20_001 + 2  # and one in each big file
    assert report["summary"]["objects"] == 20_001 + 2


def test_limit_flags_name_the_limit_and_the_flag(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(("---\n" + POD) * 5)
    (tmp_path / "deep.yaml").write_text(deep_flow_sequence(50))
    proc = cli(
        tmp_path,
        "--format",
        "json",
        "--max-file-size",
        "400",
        "--max-documents",
        "2",
        "--max-depth",
        "20",
        ".",
    )
    report = json.loads(proc.stdout)
    (size,) = findings(report, "pod.yaml")
    assert size[0] == "SL001" and "above the 400 bytes limit" in size[3]
    assert "--max-file-size" in size[3]
    (depth,) = findings(report, "deep.yaml")
    assert "nesting deeper than 20 levels" in depth[3] and "--max-depth" in depth[3]
    proc = cli(tmp_path, "--format", "json", "--max-documents", "2", "pod.yaml")
    documents = findings(json.loads(proc.stdout), "pod.yaml")
    assert [c for c, *_ in documents] == ["SL101", "SL101", "SL001"]
    assert "more than 2 documents" in documents[-1][3] and "--max-documents" in documents[-1][3]


@pytest.mark.parametrize("flag", ["--max-file-size", "--max-documents", "--max-depth"])
@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_bad_limit_values_are_usage_errors(tmp_path: Path, flag: str, value: str) -> None:
    proc = cli(tmp_path, flag, value, ".")
    assert proc.returncode == 2 and flag in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- paths


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    proc = cli(tmp_path, "missing/pod.yaml")
    assert (proc.returncode, proc.stderr) == (2, "sidecar-lint: missing/pod.yaml: does not exist\n")
    assert proc.stdout.splitlines() == [
        "No problems found in 0 files, 0 Kubernetes objects; 1 path could not be read.",
    ]


def test_a_path_that_does_not_exist_still_gets_every_report(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "afile").write_text("")
    out = tmp_path / "out"
    out.mkdir()
    specs = [f"--format={fmt}:{out / ('report.' + fmt)}" for fmt in FORMATS if fmt != "text"]
    missing = ("afile/pod.yaml", "missing/pod.yaml")  # not a directory; no such directory
    proc = cli(tmp_path, "--sarif-root", ".", *specs, "--format", "text", *missing, "pod.yaml")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"sidecar-lint: {name}: does not exist" for name in missing]
    assert "pod.yaml:6:3: error SL101" in proc.stdout
    for fmt in FORMATS[1:]:
        parse(fmt, (out / f"report.{fmt}").read_text(encoding="utf-8"))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["errors"] == [{"message": f"{name}: does not exist"} for name in missing]
    assert [f["file"] for f in report["findings"]] == ["pod.yaml"]
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert notes == [f"{name}: does not exist" for name in missing]
    assert "missing/pod.yaml: does not exist" in (out / "report.markdown").read_text()
    assert "missing/pod.yaml" in (out / "report.junit").read_text()
    assert "missing/pod.yaml: does not exist" in (out / "report.github").read_text()


def test_a_path_that_does_not_exist_with_show_roles(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    proc = cli(tmp_path, "--show-roles", "gone.yaml", "pod.yaml")
    assert proc.returncode == 2 and "Pod p" in proc.stdout
    assert proc.stderr == "sidecar-lint: error: gone.yaml: does not exist\n"


@needs_symlinks
def test_a_dangling_symlink_is_unreadable_and_the_rest_is_linted(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    for args in ((".",), ("gone.yaml", "pod.yaml")):
        proc = cli(tmp_path, "--format", "text", *args, GIT_DIR=str(tmp_path / "no-git"))
        assert proc.returncode == 2
        assert "gone.yaml: cannot read: No such file or directory" in proc.stderr
        assert "pod.yaml:6:3: error SL101" in proc.stdout


def test_a_file_without_read_permission_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    secret = tmp_path / "secret.yaml"
    secret.write_text(POD)
    secret.chmod(0)
    try:
        proc = run_cli("--format", "text", ".", cwd=tmp_path, clean=True, unprivileged=True)
    finally:
        secret.chmod(0o644)
    assert proc.returncode == 2
    assert "secret.yaml: cannot read: Permission denied" in proc.stderr
    assert "pod.yaml:6:3: error SL101" in proc.stdout


def test_a_directory_named_like_a_manifest_is_walked(tmp_path: Path) -> None:
    inner = tmp_path / "x.yaml"
    inner.mkdir()
    (inner / "pod.yaml").write_text(POD)
    for args in ((".",), ("x.yaml",)):
        proc = cli(tmp_path, "--format", "json", *args)
        report = json.loads(proc.stdout)
        assert proc.returncode == 1
        assert [f["file"] for f in report["findings"]] == ["x.yaml/pod.yaml"]


@needs_symlinks
@pytest.mark.parametrize("walk", ["plain", "git"])
def test_a_symlink_loop_between_directories_is_walked_once(tmp_path: Path, walk: str) -> None:
    if walk == "git" and shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "tree"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "pod.yaml").write_text(POD)
    (root / "a" / "b" / "up.yaml").symlink_to(root / "a")  # a directory named like a manifest
    (root / "a" / "loop").symlink_to(root)
    env: dict[str, str] = {"GIT_DIR": str(tmp_path / "no-git")}
    if walk == "git":
        subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=60)
        env = {}
    proc = cli(tmp_path, "--format", "json", "tree", **env)
    report = json.loads(proc.stdout)
    files = sorted({f["file"] for f in report["findings"]})
    assert files == ["tree/a/b/pod.yaml"], (files, proc.stdout[-500:])


# --------------------------------------------------------------------------- odd files, outputs


@needs_symlinks
@pytest.mark.parametrize("how", ["named", "git-walk"])
def test_a_self_referencing_symlink_is_reported_as_unreadable(tmp_path: Path, how: str) -> None:
    if how == "git-walk" and shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "self.yaml").symlink_to("self.yaml")
    if how == "git-walk":
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    proc = cli(tmp_path, "--format", "text", "self.yaml" if how == "named" else ".")
    assert proc.returncode == 2 and "self.yaml: cannot read" in proc.stderr


@needs_symlinks
def test_a_looping_symlink_in_a_plain_walk_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD.replace("  sidecarContainers: []\n", ""))
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    proc = cli(tmp_path, "--format", "text", ".", GIT_DIR=str(tmp_path / "no-git"))
    assert proc.returncode == 2 and "a.yaml: cannot read" in proc.stderr


@needs_fifo
def test_a_named_pipe_in_a_directory_walk_is_not_opened(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sidecar_lint", "--format", "json", "."],
        cwd=tmp_path,
        env=environment(tmp_path, GIT_DIR=str(tmp_path / "no-git")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    opened = False
    deadline = time.monotonic() + HANG_GUARD
    while proc.poll() is None and time.monotonic() < deadline:
        try:  # succeeds only while some process has the pipe open for reading
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            time.sleep(0.05)
            continue
        opened = True
        os.close(fd)  # end of file for the reader: the run goes on instead of hanging
    out, _ = proc.communicate(timeout=HANG_GUARD)
    assert json.loads(out)["findings"]  # the regular file was linted either way
    assert not opened, "the linter opened a named pipe found while walking a directory"


@needs_symlinks
def test_a_self_referencing_symlink_in_a_plain_walk_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "self.yaml").symlink_to("self.yaml")
    (tmp_path / "self-loop").symlink_to("self-loop")  # not a manifest name: nothing to read
    proc = cli(tmp_path, "--format", "json", ".", GIT_DIR=str(tmp_path / "no-git"))
    report = json.loads(proc.stdout)
    stderr = "sidecar-lint: self.yaml: cannot read: Too many levels of symbolic links\n"
    assert (proc.returncode, proc.stderr) == (2, stderr)
    assert report["errors"] == [
        {"message": "self.yaml: cannot read: Too many levels of symbolic links"}
    ]
    assert [f["file"] for f in report["findings"]] == ["pod.yaml"]


def feed(fifo: Path, data: bytes) -> threading.Thread:
    """Write ``data`` into ``fifo`` as soon as a reader opens it (within the hang guard)."""

    def write() -> None:
        deadline = time.monotonic() + HANG_GUARD
        while time.monotonic() < deadline:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # no reader yet
                time.sleep(0.01)
                continue
            try:
                os.set_blocking(fd, True)
                os.write(fd, data)
            finally:
                os.close(fd)
            return

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@needs_fifo
@pytest.mark.parametrize("walk", ["plain", "git"])
def test_a_named_pipe_met_while_walking_is_skipped_with_a_note(tmp_path: Path, walk: str) -> None:
    if walk == "git" and shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "pod.yaml").write_text(POD)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "pipe.yaml").symlink_to("pipe")  # git lists a link to a pipe, not a pipe
    env: dict[str, str] = {"GIT_DIR": str(tmp_path / "no-git")}
    if walk == "git":
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
        env = {}
    proc = cli(tmp_path, "--format", "json", ".", **env)
    assert proc.returncode == 1  # a skipped pipe is not an error: it is not a manifest file
    assert proc.stderr == (
        "sidecar-lint: note: pipe.yaml: skipped, a named pipe (name it explicitly to read it)\n"
    )
    report = json.loads(proc.stdout)
    assert report["errors"] == [] and report["summary"]["files"] == 1


@pytest.mark.skipif(sys.platform == "win32", reason="UNIX sockets and /dev/null need POSIX")
def test_sockets_and_devices_met_while_walking_are_skipped_with_a_note(tmp_path: Path) -> None:
    import socket

    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "null.yaml").symlink_to(os.devnull)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock.yaml"))
        proc = cli(tmp_path, "--format", "text", ".", GIT_DIR=str(tmp_path / "no-git"))
    finally:
        server.close()
    assert proc.returncode == 1 and "pod.yaml:6:3: error SL101" in proc.stdout
    assert proc.stderr.splitlines() == [
        "sidecar-lint: note: null.yaml: skipped, a character device (name it explicitly to read it)",
        "sidecar-lint: note: sock.yaml: skipped, a socket (name it explicitly to read it)",
    ]


@needs_fifo
def test_a_named_pipe_named_explicitly_is_read_once_and_never_cached(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    clean = POD.replace("  sidecarContainers: []\n", "")
    for content, code in ((POD, 1), (clean, 0), (POD, 1)):
        writer = feed(fifo, content.encode())
        proc = subprocess.run(
            [sys.executable, "-m", "sidecar_lint", "--format", "text", "pipe.yaml"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=environment(tmp_path),
            timeout=HANG_GUARD,
        )
        writer.join(timeout=HANG_GUARD)
        assert_clean_exit(proc)
        assert (proc.returncode, proc.stderr) == (code, ""), proc.stdout
        assert ("pipe.yaml:6:3: error SL101" in proc.stdout) is (code == 1)


@pytest.mark.skipif(not os.path.exists("/dev/stdin"), reason="no /dev/stdin")
def test_dev_stdin_named_explicitly_is_read_once_and_never_cached(tmp_path: Path) -> None:
    clean = POD.replace("  sidecarContainers: []\n", "")
    for content, code in ((clean, 0), (POD, 1), (clean, 0)):
        proc = cli(tmp_path, "--format", "text", "/dev/stdin", stdin=content.encode())
        assert (proc.returncode, proc.stderr) == (code, ""), proc.stdout
        assert ("/dev/stdin:6:3: error SL101" in proc.stdout) is (code == 1)


@pytest.mark.parametrize("target", ["missing-dir/report.json", "pod.yaml/report.json", "adir"])
@pytest.mark.parametrize("option", ["-o", "--write-baseline"])
def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(
    tmp_path: Path, target: str, option: str
) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "adir").mkdir()
    args = ["--format", "json", "-o", target] if option == "-o" else [option, target]
    proc = subprocess.run(
        [sys.executable, "-m", "sidecar_lint", *args, "pod.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment(tmp_path),
        timeout=HANG_GUARD,
    )
    one_line_error(proc, target)


def test_an_output_in_a_read_only_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        proc = run_cli("-o", "locked/r.json", "pod.yaml", cwd=tmp_path, unprivileged=True)
    finally:
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []  # nothing half-written
    one_line_error(proc, "locked/r.json")


def test_an_output_denied_by_the_file_system_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a read-only directory does for users other than root (who runs these tests)."""
    import tempfile

    (tmp_path / "pod.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path)

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    code, out, err = in_process("-o", "locked/r.json", "--format", "json", "pod.yaml")
    assert (code, out) == (2, "")
    assert err == "sidecar-lint: error: locked/r.json: cannot write: Permission denied\n"


def test_one_unwritable_output_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "old.json").write_text("old")
    proc = cli(
        tmp_path,
        "--sarif-root",
        ".",
        "--format",
        "json:missing-dir/r.json",
        "--format",
        "sarif:r.sarif",
        "--write-baseline",
        "missing-dir/baseline.json",
        "--format",
        "text",
        "pod.yaml",
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "sidecar-lint: error: missing-dir/baseline.json: cannot write: No such file or directory",
        "sidecar-lint: error: missing-dir/r.json: cannot write: No such file or directory",
    ]
    assert "pod.yaml:6:3: error SL101" in proc.stdout  # standard output still has its report
    assert json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cache",
        "old.json",
        "pod.yaml",
        "r.sarif",
    ]


def test_a_merged_sarif_log_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    cli(tmp_path, "--sarif-root", ".", "--format", "sarif:a.sarif", "pod.yaml")
    proc = cli(tmp_path, "--merge-sarif", "nowhere/merged.sarif", "a.sarif")
    one_line_error(proc, "nowhere/merged.sarif: cannot write: No such file or directory")
    assert not (tmp_path / "nowhere").exists()


@pytest.fixture
def undecodable_name(tmp_path: Path) -> Path:
    """A directory holding a manifest whose file name is not valid UTF-8."""
    directory = tmp_path / "names"
    directory.mkdir()
    try:
        with open(os.fsencode(directory) + b"/\xff-pod.yaml", "wb") as handle:
            handle.write(POD.encode())
    except OSError as err:  # macOS and Windows refuse such names
        pytest.skip(f"the file system refuses a non-UTF-8 name: {err}")
    return directory


def test_a_non_utf8_file_name_in_text_json_github_junit(
    tmp_path: Path, undecodable_name: Path
) -> None:
    for fmt in ("text", "json", "github", "junit"):
        proc = cli(tmp_path, "--sarif-root", ".", "--format", fmt, "names")
        assert proc.returncode == 1, (fmt, proc.stderr[-500:])
        assert "-pod.yaml" in proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "sarif"),
        ("--format", "markdown"),
        ("--format", "text:out.txt"),
        ("--write-baseline", "baseline.json"),
    ],
    ids=["sarif", "markdown", "text-to-file", "baseline"],
)
def test_a_non_utf8_file_name_in_every_other_output(
    tmp_path: Path, undecodable_name: Path, args: tuple[str, ...]
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sidecar_lint", "--sarif-root", ".", *args, "names"],
        capture_output=True,
        cwd=tmp_path,
        env=environment(tmp_path),
        timeout=HANG_GUARD,
    )
    assert proc.returncode in (0, 1), proc.stderr[-1000:]
    assert b"Traceback" not in proc.stderr


def test_a_non_utf8_file_name_is_written_faithfully_and_as_valid_utf8(
    tmp_path: Path, undecodable_name: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    specs = [f"--format={fmt}:out/report.{fmt}" for fmt in FORMATS]
    proc = subprocess.run(
        [sys.executable, "-m", "sidecar_lint", "--sarif-root", ".", *specs, "-f", "text", "names"],
        capture_output=True,
        cwd=tmp_path,
        env=environment(tmp_path),
        timeout=HANG_GUARD,
    )
    assert (proc.returncode, proc.stderr) == (1, b""), proc.stderr[-1000:]
    shown = "names/\\xff-pod.yaml"  # an undecodable byte, shown as Python shows it
    assert proc.stdout.decode("utf-8").startswith(shown + ":6:3: error SL101")
    texts = {fmt: (out / f"report.{fmt}").read_bytes().decode("utf-8") for fmt in FORMATS}
    for fmt, text in texts.items():
        parse(fmt, text)
    assert texts["text"] == proc.stdout.decode("utf-8")
    (finding,) = json.loads(texts["json"])["findings"]
    assert os.fsencode(finding["file"]) == b"names/\xff-pod.yaml"  # the exact name, escaped
    assert '"file": "names/\\udcff-pod.yaml"' in texts["json"]
    (result,) = json.loads(texts["sarif"])["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "names/%FF-pod.yaml", "uriBaseId": "%SRCROOT%"}
    assert "(names/%FF-pod.yaml#L6)" in texts["markdown"]
    assert f"[{shown}:6:3]" in texts["markdown"]
    assert f"file={shown}," in texts["github"]
    assert shown in texts["junit"]


def test_a_baseline_of_a_non_utf8_file_name_is_read_back(
    tmp_path: Path, undecodable_name: Path
) -> None:
    proc = cli(tmp_path, "--sarif-root", ".", "--write-baseline", "baseline.json", "names")
    assert proc.returncode == 0 and "wrote 1 finding(s)" in proc.stderr
    text = (tmp_path / "baseline.json").read_bytes().decode("utf-8")
    assert "names/\\udcff-pod.yaml" in text
    proc = cli(tmp_path, "--sarif-root", ".", "--baseline", "baseline.json", "names")
    assert proc.returncode == 0 and "1 suppressed" in proc.stdout


def test_a_non_utf8_file_name_on_a_strict_standard_output(
    tmp_path: Path, undecodable_name: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a UTF-8 locale other than C.UTF-8, standard output refuses lone surrogates."""
    monkeypatch.chdir(tmp_path)

    def strict_run(*argv: str) -> tuple[int, str]:
        raw = io.BytesIO()
        strict = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
        with contextlib.redirect_stdout(strict):
            code = main(list(argv))
        strict.flush()
        return code, raw.getvalue().decode("utf-8")

    for fmt in FORMATS:
        code, text = strict_run("--sarif-root", ".", "--format", fmt, "names")
        assert code == 1, fmt
        parse(fmt, text)
        assert "-pod.yaml" in text, fmt
    code, text = strict_run("--show-roles", "names")
    assert code == 0 and text.startswith("names/\\xff-pod.yaml:1: Pod p"), text


# --------------------------------------------------------------------------- baseline, config


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000 + b"]" * 100_000, b'{"version": 1' + b"0" * 5000 + b', "findings": {}}'],
    ids=["deep", "huge-int"],
)
def test_a_hostile_baseline_is_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "baseline.json").write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "sidecar_lint", "--baseline", "baseline.json", "pod.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment(tmp_path),
        timeout=HANG_GUARD,
    )
    one_line_error(proc, "baseline.json")


def test_hostile_baselines_that_are_handled(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    cases = {
        b"\xff\xfe\x00": "not a baseline file",
        b"{": "not a baseline file",
        b"[]": "not a sidecar-lint baseline",
        b'{"version": 1, "findings": []}': "no 'findings' mapping",
    }
    for content, message in cases.items():
        (tmp_path / "baseline.json").write_bytes(content)
        proc = cli(tmp_path, "--baseline", "baseline.json", "pod.yaml")
        one_line_error(proc, "baseline.json", message)
    (tmp_path / "baseline.json").write_bytes(b'{"version": 1, "findings": {"x": {"count": []}}}')
    assert cli(tmp_path, "--baseline", "baseline.json", "pod.yaml").returncode == 1


def test_a_configuration_with_an_impossible_date_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / ".sidecar-lint.yaml").write_text("kubernetesVersion: 2024-13-01\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sidecar_lint", "pod.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment(tmp_path),
        timeout=HANG_GUARD,
    )
    one_line_error(proc, ".sidecar-lint.yaml")


def test_hostile_configurations_that_are_handled(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    marker = tmp_path / "marker"
    cases = {
        "select: " + "[" * 5000 + "]" * 5000: "nesting deeper than",
        f'select: !!python/object/apply:os.system ["touch {marker}"]': "select",
        "a: &a [*a, *a]\n": "unknown key",
        "\tfailOn: none\n": "invalid YAML",
        "rules: {SL401: {params: {maxRatio: .nan}}}": "maxRatio",
    }
    for content, message in cases.items():
        (tmp_path / ".sidecar-lint.yaml").write_text(content)
        proc = cli(tmp_path, "pod.yaml")
        one_line_error(proc, ".sidecar-lint.yaml", message)
    (tmp_path / ".sidecar-lint.yaml").write_text("a: &a [*a, *a]\nb: *a\n")
    proc = cli(tmp_path, "pod.yaml")  # every problem is listed, one line each
    assert proc.returncode == 2
    assert [line.rsplit(": ", 2)[1:] for line in proc.stderr.splitlines()] == [
        ["a", "unknown key 'a'"],
        ["b", "unknown key 'b'"],
    ]
    (tmp_path / ".sidecar-lint.yaml").write_bytes(b"\xff\xfe\x00binary")
    one_line_error(cli(tmp_path, "pod.yaml"), ".sidecar-lint.yaml")
    assert not marker.exists()
