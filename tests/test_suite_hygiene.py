"""The test suite itself: every test checks something, read from the source.

A test that only calls code passes for any result that does not raise, so it cannot
catch a wrong answer. Every ``test_*`` function here must assert, expect an exception or
warning (``pytest.raises``/``warns``/``fail``), run the program with the harness's
``clean=True`` check, or call a helper that does one of these: a helper named
``assert_*``/``check_*``, or any function of this test package whose body asserts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ASSERTING_PREFIXES = ("assert_", "check_")
#: ``pytest.raises``, ``pytest.warns``, ``pytest.fail`` and friends end a test on a result.
EXPECTING = frozenset({"raises", "warns", "fail", "deprecated_call"})
#: Not read as helpers: the harness checks only when asked (``clean=True``, counted above).
NOT_FOLLOWED = frozenset({"tests.harness"})

#: Tests known to assert nothing yet, as ``file::name``. Only ever shrinks: the test
#: below fails as soon as one of them asserts, so that its entry is removed.
NOT_YET: frozenset[str] = frozenset()


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


@dataclass
class Module:
    """One test module's functions (module level and in classes) and its test-package imports."""

    path: Path
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module, name)
    tests: list[ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=list)


def _read(path: Path) -> Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    module = Module(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests."):
            for alias in node.names:
                module.imported[alias.asname or alias.name] = (node.module or "", alias.name)
    bodies = [tree.body] + [c.body for c in tree.body if isinstance(c, ast.ClassDef)]
    for body in bodies:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                module.functions.setdefault(node.name, node)
                if node.name.startswith("test"):
                    module.tests.append(node)
    return module


class Suite:
    """Every module of the test package, read once; which functions assert."""

    def __init__(self) -> None:
        self.modules = {
            f"tests.{p.stem}": _read(p) for p in sorted(TESTS.glob("*.py")) if p.stem != "__init__"
        }
        self._answers: dict[tuple[str, str], bool] = {}

    def asserts(self, module: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        key = (module, function.name)
        if key not in self._answers:
            self._answers[key] = False  # a helper that calls itself adds nothing meanwhile
            self._answers[key] = any(self._checks(module, n) for n in ast.walk(function))
        return self._answers[key]

    def _checks(self, module: str, node: ast.AST) -> bool:
        if isinstance(node, ast.Assert):
            return True
        if not isinstance(node, ast.Call):
            return False
        name = _called_name(node)
        if name in EXPECTING or name.startswith(ASSERTING_PREFIXES):
            return True
        if any(k.arg == "clean" and _true(k.value) for k in node.keywords):
            return True
        helper = self._helper(module, node)
        return helper is not None and helper[0] not in NOT_FOLLOWED and self.asserts(*helper)

    def _helper(
        self, module: str, call: ast.Call
    ) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        if not isinstance(call.func, ast.Name):
            return None
        own = self.modules[module]
        if call.func.id in own.functions:
            return module, own.functions[call.func.id]
        if call.func.id in own.imported:
            source, name = own.imported[call.func.id]
            other = self.modules.get(source)
            if other is not None and name in other.functions:
                return source, other.functions[name]
        return None

    def silent_tests(self) -> Iterator[str]:
        for name, module in self.modules.items():
            for test in module.tests:
                if not self.asserts(name, test):
                    yield f"{module.path.name}::{test.name}"


def _true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


@pytest.fixture(scope="module")
def suite() -> Suite:
    return Suite()


def test_every_test_asserts_something(suite: Suite) -> None:
    silent = sorted(set(suite.silent_tests()) - NOT_YET)
    assert silent == [], "tests that cannot fail on a wrong result:\n" + "\n".join(silent)


def test_the_list_of_tests_without_assertions_is_current(suite: Suite) -> None:
    assert sorted(NOT_YET - set(suite.silent_tests())) == []


def test_the_scan_tells_a_silent_test_from_one_that_checks(tmp_path: Path) -> None:
    """The scan itself, on a module written for it (and the real harness)."""
    (tmp_path / "test_sample.py").write_text(
        "from tests.harness import run_cli\n"
        "def helper(x):\n    assert x\n"
        "def indirect(x):\n    helper(x)\n"
        "def test_silent():\n    sum([1])\n"
        "def test_asserts():\n    assert sum([1]) == 1\n"
        "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
        "def test_helper():\n    indirect(1)\n"
        "def test_named():\n    assert_valid(1)\n"
        "def test_clean():\n    run_cli('--version', clean=True)\n"
        "def test_not_clean():\n    run_cli('--version', clean=False)\n"
        "class TestGroup:\n    def test_method(self):\n        self.check_it()\n",
        encoding="utf-8",
    )
    suite = Suite()
    suite.modules = {
        "tests.test_sample": _read(tmp_path / "test_sample.py"),
        "tests.harness": suite.modules["tests.harness"],
    }
    assert sorted(suite.silent_tests()) == [
        "test_sample.py::test_not_clean",
        "test_sample.py::test_silent",
    ]
