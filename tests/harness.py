"""The one way tests run the real program: ``python -m sidecar_lint`` in a subprocess.

Every run gets the same clean environment, so a developer's shell or a CI runner cannot
change what a test sees: the variables that switch on GitHub annotations, colour, pull
request ordering or another loader are dropped, and the only ``SIDECAR_LINT_*`` kept is
the per-test cache directory that ``conftest.py`` (or a module fixture) points at a
scratch directory.
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal, TypeGuard, overload

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Seconds before a run counts as hung: a guard so a hang fails instead of stalling CI,
#: never a measure of speed.
HANG_GUARD = 300

#: Prefixes of variables the program (or a CI system around it) reads to change its output.
DROPPED_PREFIXES = ("GITHUB_", "RUNNER_", "SIDECAR_LINT_")
#: Single variables that change colour or mark a CI run.
DROPPED = frozenset({"FORCE_COLOR", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CI"})
CACHE_ENV = "SIDECAR_LINT_CACHE_DIR"

#: Drops the capabilities that let root ignore file permissions, so a mode-000 file or a
#: read-only directory denies root what it denies everyone else.
SETPRIV = (
    "setpriv",
    "--inh-caps=-dac_override,-dac_read_search",
    "--bounding-set=-dac_override,-dac_read_search",
    "--",
)


#: Where the programs the tests start keep compiled modules (set once per test process by
#: ``conftest.py``): without it every run would compile the package from source again
#: when ``PYTHONDONTWRITEBYTECODE`` is set, and with it nothing is written into the checkout.
_bytecode: list[Path] = []


def keep_bytecode_in(directory: Path) -> None:
    """Let every program the tests start share compiled modules in ``directory``."""
    _bytecode[:] = [directory]


def share_bytecode(env: dict[str, str]) -> dict[str, str]:
    """``env`` changed so that Python programs started with it share compiled modules."""
    if _bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(_bytecode[0])
    return env


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the variables that change output, plus ``extra``.

    ``PYTHONPATH`` points at the checkout, so the program run is the code under test.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in DROPPED and not name.startswith(DROPPED_PREFIXES)
    }
    cache = os.environ.get(CACHE_ENV)
    if cache:
        env[CACHE_ENV] = cache
    env["PYTHONPATH"] = str(ROOT)
    share_bytecode(env)
    env.update(extra or {})
    return env


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@functools.cache
def _setpriv_works() -> bool:
    """Whether this machine lets root drop its permission-override capabilities."""
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*SETPRIV, "true"], capture_output=True, timeout=60, check=False)
    return probe.returncode == 0


def unprivileged_prefix() -> list[str]:
    """What to put before a command so file permissions apply to it; skips if impossible."""
    if not hasattr(os, "geteuid"):
        pytest.skip("file permissions need a POSIX system")
    if not is_root():
        return []
    if not _setpriv_works():
        pytest.skip(
            "running as root without a working setpriv (util-linux) to drop "
            "CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH"
        )
    return list(SETPRIV)


@overload
def run_cli(
    *args: str,
    cwd: Path | str | None = None,
    stdin: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
    clean: bool = False,
    unprivileged: bool = False,
    binary: Literal[False] = False,
    timeout: float = HANG_GUARD,
    program: Sequence[str] = ("-m", "sidecar_lint"),
) -> subprocess.CompletedProcess[str]: ...


@overload
def run_cli(
    *args: str,
    cwd: Path | str | None = None,
    stdin: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
    clean: bool = False,
    unprivileged: bool = False,
    binary: Literal[True],
    timeout: float = HANG_GUARD,
    program: Sequence[str] = ("-m", "sidecar_lint"),
) -> subprocess.CompletedProcess[bytes]: ...


def run_cli(
    *args: str,
    cwd: Path | str | None = None,
    stdin: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
    clean: bool = False,
    unprivileged: bool = False,
    binary: bool = False,
    timeout: float = HANG_GUARD,
    program: Sequence[str] = ("-m", "sidecar_lint"),
) -> subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes]:
    """Run the real program with ``args`` in the clean environment.

    ``stdin`` is text (sent as UTF-8) or bytes; without it the program reads an empty pipe,
    never the test runner's own input. ``env`` adds to (or overrides) the clean environment.
    ``clean`` asserts a clean exit: status 0, 1 or 2 and no traceback on stderr.
    ``unprivileged`` runs with file permissions enforced even when the tests run as root.
    Output is decoded as UTF-8 (undecodable bytes replaced, line ends kept as written)
    unless ``binary``. ``program`` replaces ``-m sidecar_lint`` (e.g. ``-c`` and a probe).
    """
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    prefix = unprivileged_prefix() if unprivileged else []
    proc = subprocess.run(
        [*prefix, sys.executable, *program, *args],
        input=b"" if data is None else data,
        capture_output=True,
        cwd=ROOT if cwd is None else cwd,
        env=clean_environment(env),
        timeout=timeout,
        check=False,
    )
    if clean:
        assert_clean_exit(proc)
    if binary:
        return proc
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def assert_clean_exit(
    proc: subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes],
) -> None:
    """The program ended as designed: 0, 1 or 2, and no Python traceback on stderr."""
    stderr = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 1, 2), (proc.returncode, stderr[-2000:])
    assert "Traceback" not in stderr, stderr[-2000:]


# --------------------------------------------------------------------------- the e2e mark

#: ``subprocess`` calls that start another program.
_STARTS = frozenset({"run", "Popen", "call", "check_call", "check_output"})


def starts_a_process(function: Callable[..., object]) -> bool:
    """Whether ``function`` starts another program: itself, or through a helper it calls.

    Read from the source: a ``subprocess`` call that starts a program, :func:`run_cli`, or a
    call to a function from this test package that does either. ``conftest.py`` marks
    such tests ``e2e``, so the mark cannot fall behind the code.
    """
    return _starts(inspect.unwrap(function))


#: Answers so far, by code object: parametrized tests and shared helpers are read once.
_ANSWERS: dict[object, bool] = {}


def _starts(function: Callable[..., object]) -> bool:
    if function is run_cli:
        return True
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    if code not in _ANSWERS:
        _ANSWERS[code] = False  # a helper that calls itself, meanwhile, adds nothing
        _ANSWERS[code] = _reads_as_starting(function)
    return _ANSWERS[code]


def _reads_as_starting(function: Callable[..., object]) -> bool:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    names = getattr(function, "__globals__", {})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if (
            isinstance(callee, ast.Attribute)
            and isinstance(callee.value, ast.Name)
            and callee.value.id == "subprocess"
            and callee.attr in _STARTS
        ):
            return True
        if isinstance(callee, ast.Name):
            target = names.get(callee.id)
            if _ours(target) and _starts(target):
                return True
    return False


def _ours(target: object) -> TypeGuard[Callable[..., object]]:
    """A function defined in this test package (helpers elsewhere are not followed)."""
    module = getattr(target, "__module__", "") or ""
    return callable(target) and (module == "tests" or module.startswith(("tests.", "conftest")))
