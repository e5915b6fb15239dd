"""Baselines survive moved lines, and still catch what is new."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidecar_lint.baseline import BaselineError, apply_baseline, load_baseline, render_baseline
from tests.conftest import lint

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:1.27
      volumeMount: []
"""


def test_round_trip_with_moved_lines(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(render_baseline(lint(POD, ["SL101"])))
    accepted = load_baseline(path)
    moved = "# a comment\n# and another\n" + POD.replace(
        "metadata: {name: web}", "metadata:\n  name: web"
    )
    after = apply_baseline(lint(moved, ["SL101"]), accepted)
    assert [f.span.start_line for f in after] == [11]
    assert all(f.suppression is not None and f.suppression.source == "baseline" for f in after)


def test_new_findings_are_not_covered(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(render_baseline(lint(POD, ["SL101"])))
    grown = POD + "      envs: []\n"
    after = apply_baseline(lint(grown, ["SL101"]), load_baseline(path))
    new = [f for f in after if f.suppression is None]
    assert [f.message.split("'")[1] for f in new] == ["envs"]


def test_counts_are_respected(tmp_path: Path) -> None:
    (finding,) = lint(POD, ["SL101"])
    path = tmp_path / "baseline.json"
    path.write_text(render_baseline([finding]))
    after = apply_baseline([finding, finding], load_baseline(path))
    assert [f.suppression is None for f in after] == [False, True]


def test_baseline_is_deterministic() -> None:
    assert render_baseline(lint(POD, ["SL101"])) == render_baseline(lint(POD, ["SL101"]))


@pytest.mark.parametrize(
    "content", ["not json", "[]", '{"version": 9, "findings": {}}', '{"version": 1}']
)
def test_bad_baselines_are_one_line_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError) as err:
        load_baseline(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)
