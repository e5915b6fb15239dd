"""Glob matching (paths.matches_any, on pathspec) against the fnmatch matcher it replaced.

``legacy_matches`` is the former ``discovery.is_excluded``, kept here as the
reference: every glob the tests and the docs use must give the same answer
for every path of the table. Where the two differ by design (``*`` and ``?``
no longer cross a ``/``, as the README's "``**`` crosses directories" says)
the cases are listed apart, with both answers.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
from pathlib import PurePosixPath

import pytest

from sidecar_lint.paths import matches_any


def legacy_matches(path: str, patterns: tuple[str, ...]) -> bool:
    """The old matcher: fnmatch over every run of consecutive path parts."""
    parts = PurePosixPath(path.replace(os.sep, "/")).parts
    for pattern in patterns:
        pat = pattern.rstrip("/")
        loose = pat.replace("**/", "")
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                run = "/".join(parts[i:j])
                if fnmatch.fnmatchcase(run, pat) or fnmatch.fnmatchcase(run, loose):
                    return True
    return False


#: Globs from the README (exclude, overrides), docs/integrations.md and the tests.
GLOBS = (
    "charts/*/templates",
    "vendor/**",
    "vendor",
    "jobs/**",
    "cron/*.yaml",
    "charts/**",
    "*.tmpl.yaml",
    "deep/**",
    "skipme",
    "c.yaml",
    "b",
    "a/**/c.yaml",
    "x",
    "templates/",
    "**/templates",
    "*-helper",
)

PATHS = (
    "a.yaml",
    "x",
    "b",
    "c.yaml",
    "a/b/c.yaml",
    "a/bc/d.yaml",
    "a/c.yaml",
    "a/x/y/c.yaml",
    "charts",
    "charts/web",
    "charts/web/templates",
    "charts/web/templates/deploy.yaml",
    "charts/web/values.yaml",
    "apps/charts/web/templates/deploy.yaml",
    "charts/templates/t.yaml",
    "vendor",
    "vendor/v.yaml",
    "vendor/lib/v.yaml",
    "src/vendor/v.yaml",
    "vendors/v.yaml",
    "jobs",
    "jobs/nightly.yaml",
    "jobs/nightly/run.yaml",
    "team/jobs/run.yaml",
    "cron/daily.yaml",
    "cron/daily.yml",
    "ops/cron/daily.yaml",
    "gen/z.tmpl.yaml",
    "z.tmpl.yaml",
    "deep",
    "deep/d.yaml",
    "team/deep/d.yaml",
    "skipme/s.yaml",
    "skipme.yaml",
    "templates",
    "templates/t.yaml",
    "x/templates/t.yaml",
    "db-helper/pod.yaml",
    "-",
    "../outside/jobs/j.yaml",
    "./vendor/v.yaml",
)


@pytest.mark.parametrize(("glob", "path"), list(itertools.product(GLOBS, PATHS)))
def test_the_new_matcher_agrees_with_the_old_one(glob: str, path: str) -> None:
    assert matches_any(path, (glob,)) is legacy_matches(path, (glob,))


def test_the_table_holds_hits_and_misses() -> None:
    """The comparison above is only worth something if both answers occur often."""
    answers = [matches_any(p, (g,)) for g, p in itertools.product(GLOBS, PATHS)]
    assert answers.count(True) > 40 and answers.count(False) > 400


@pytest.mark.parametrize(
    ("glob", "path", "old", "new"),
    [
        # ``*`` no longer crosses a directory boundary; ``**`` does.
        ("cron/*.yaml", "cron/daily/job.yaml", True, False),
        ("charts/*/templates", "charts/a/b/templates/t.yaml", True, False),
        ("prod*.yaml", "prod/web.yaml", True, False),
        ("a?b", "a/b", True, False),
        ("cron/**/*.yaml", "cron/daily/job.yaml", True, True),
    ],
)
def test_where_the_matchers_differ_by_design(glob: str, path: str, old: bool, new: bool) -> None:
    assert legacy_matches(path, (glob,)) is old
    assert matches_any(path, (glob,)) is new


@pytest.mark.parametrize(
    ("globs", "path", "hit"),
    [
        ((), "a.yaml", False),
        (("",), "a.yaml", False),
        (("/",), "a.yaml", False),
        (("nope", "*.yaml"), "a/b.yaml", True),
        (("**",), "a/b.yaml", True),
        (("!keep.yaml",), "!keep.yaml", True),  # a literal "!", no negation
        (("!keep.yaml",), "keep.yaml", False),
        (("#notes",), "#notes/a.yaml", True),  # a literal "#", no comment
        (("trailing ",), "trailing /a.yaml", True),  # trailing spaces count
        (("trailing ",), "trailing/a.yaml", False),
        (("a/b",), "a\\b" if os.sep == "\\" else "a/b", True),
    ],
)
def test_edges_of_the_gitignore_translation(globs: tuple[str, ...], path: str, hit: bool) -> None:
    assert matches_any(path, globs) is hit
