"""``--fix`` on generated manifests: exactly the offered edits land, and nothing else moves.

Each manifest mixes the fixable mistakes (a sidecar listed first, an unused
volume, a misspelled key, an invented ``sidecarContainers`` list) with both
sequence indentation styles, CRLF or LF, and a comment on every line but the
removable volume's. After ``--fix --unsafe-fixes``:

* the file is the original with the edits the JSON report offered applied,
  so every byte outside them is unchanged;
* no finding with a fix is left, and every comment is still there, in order;
* a second ``--fix`` changes nothing.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from io import StringIO
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sidecar_lint.autofix import apply_edits
from sidecar_lint.cli import main
from sidecar_lint.fix_edits import TextEdit

_COMMENT = re.compile(r"#[^\r\n]*")
_WORDS = st.text(alphabet="abcdefghij \t-", min_size=0, max_size=8)


@st.composite
def manifests(draw: st.DrawFn) -> str:
    indented = draw(st.booleans())
    dash = "  - " if indented else "- "
    under = "    " if indented else "  "
    sidecar_first = draw(st.booleans())
    unused_volume = draw(st.booleans())
    typo = draw(st.booleans())
    invented = draw(st.booleans())
    comment = iter(draw(st.lists(_WORDS, min_size=40, max_size=40)))

    def c() -> str:
        return f"  # {next(comment)}".rstrip()

    lines = [
        f"apiVersion: v1{c()}",
        f"kind: Pod{c()}",
        f"metadata:{c()}",
        f"  name: web{c()}",
        f"  labels: {{app: web}}{c()}",
        f"spec:{c()}",
    ]
    if unused_volume:
        lines += ["  volumes:", f"  {dash}name: scratch", f"  {under}emptyDir: {{}}"]
    if invented:
        lines += [
            f"  sidecarContainers:{c()}",
            f"  {dash}name: fluent-bit{c()}",
            f"  {under}image: fluent/fluent-bit:3.1.9{c()}",
        ]
    containers = [
        [f"name: envoy{c()}", f"image: envoyproxy/envoy:v1.31.0{c()}"],
        [f"name: web{c()}", f"image: registry.example.com/web:1.0{c()}"],
    ]
    if typo:
        containers[1].append(f"imagePullPolicie: Always{c()}")
    if not sidecar_first:
        containers.reverse()
    lines.append(f"  containers:{c()}")
    for first, *rest in containers:
        lines.append(f"  {dash}{first}")
        lines += [f"  {under}{line}" for line in rest]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline


@contextmanager
def quiet() -> Iterator[StringIO]:
    out = StringIO()
    with redirect_stdout(out):
        yield out


def lint_json(path: Path) -> dict[str, object]:
    with quiet() as out:
        main(["--isolated", "--no-cache", "--unsafe-fixes", "-f", "json", str(path)])
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def offsets(text: str, line: int, column: int) -> int:
    starts = [0] + [m.end() for m in re.finditer("\r\n|\n", text)]
    return starts[line - 1] + column - 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=manifests())
def test_fix_applies_exactly_the_offered_edits(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "pod.yaml"
        path.write_bytes(text.encode())
        report = lint_json(path)
        findings = report["findings"]
        assert isinstance(findings, list)
        edits: list[TextEdit] = []
        for finding in findings:
            for e in (finding["fix"] or {}).get("edits", []):
                start = offsets(text, e["line"], e["column"])
                end = offsets(text, e["endLine"], e["endColumn"])
                edits.append(TextEdit(start, end, e["replacement"]))
        edits.sort()
        # one pass is enough only when no two fixes touch the same text
        assume(all(a.end < b.start for a, b in itertools.pairwise(edits)))
        expected = apply_edits(text, edits)

        with quiet():
            main(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "-q", str(path)])
        fixed = path.read_bytes().decode()
        assert fixed == expected
        assert _COMMENT.findall(fixed) == _COMMENT.findall(text)
        after = lint_json(path)["findings"]
        assert isinstance(after, list)
        assert [f["code"] for f in after if f["fix"]] == []
        with quiet():
            main(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "-q", str(path)])
        assert path.read_bytes().decode() == fixed
