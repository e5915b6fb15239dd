"""Start-up stays small: what only some runs need is imported only by those runs.

No timings here (the benchmark prints those); these tests pin *what* a plain
run on one file loads, so a stray top-level import cannot creep back in.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.harness import run_cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "log-shipper.yaml"

#: Modules a plain text run on one file must not import.
LAZY = (
    "sarif_om",
    "multiprocessing",
    "sidecar_lint.reporters.sarif",
    "sidecar_lint.reporters.junit",
    "sidecar_lint.reporters.markdown",
    "sidecar_lint.reporters.json_report",
    "sidecar_lint.shards",
    "sidecar_lint.rule_docs",
    "xml.etree.ElementTree",
    "jsonpath_ng",
)

_PROBE = r"""
import contextlib, io, json, sys
from sidecar_lint.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*args: str) -> tuple[int, set[str]]:
    proc = run_cli(*args, program=("-c", _PROBE), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["code"], set(data["modules"])


def test_one_file_run_imports_nothing_it_does_not_need() -> None:
    code, modules = _modules_after(str(EXAMPLE), "--no-cache", "-q")
    assert code == 1
    assert sorted(m for m in LAZY if m in modules) == []


def test_sarif_run_imports_the_sarif_reporter_only_then() -> None:
    _, modules = _modules_after(str(EXAMPLE), "--no-cache", "--format", "sarif")
    assert "sidecar_lint.reporters.sarif" in modules
    assert "multiprocessing" not in modules


def test_importing_the_cli_is_light() -> None:
    probe = "import json, sys; import sidecar_lint.cli; print(json.dumps(sorted(sys.modules)))"
    proc = run_cli(program=("-c", probe), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    modules = set(json.loads(proc.stdout))
    assert "sidecar_lint.parallel" not in modules
    assert "sidecar_lint.cache" not in modules
    assert sorted(m for m in LAZY if m in modules) == []


def test_rule_catalogue_reads_the_same_with_either_parser() -> None:
    import yaml

    from sidecar_lint.rule_catalogue import _parse_yaml, builtin_rules_dir, first_document

    for path in sorted(builtin_rules_dir().glob("*.yaml")):
        text = first_document(path.read_bytes()).decode("utf-8")  # what the catalogue reads
        assert _parse_yaml(text) == yaml.safe_load(text)
