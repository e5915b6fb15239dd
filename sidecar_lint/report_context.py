"""Everything a report prints besides the findings: one run's settings, as plain records.

Reporters read a :class:`~sidecar_lint.results.RunResult` and a
:class:`ReportContext` and nothing else, so the run (the command line)
decides what is known — versions, repository paths, rules, linted objects,
a pull request's changes — and reporters only format it. This module sits
below the reporters and imports no loader, engine or rule registry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sidecar_lint import __version__
from sidecar_lint.paths import RepoPaths, repository_root
from sidecar_lint.versions import DEFAULT_KUBERNETES_VERSION

if TYPE_CHECKING:
    from sidecar_lint.changes import Changes
    from sidecar_lint.results import ObjectEntry, RuleHelp, RuleInfo


@dataclass
class Repository:
    """The directory reported paths are relative to.

    ``root`` None means the git top-level of ``cwd``; git is asked only when
    a report first needs repository paths, so a plain text run never asks.
    One instance is shared by every report of a run (and its path cache with it).
    """

    root: str | None = None
    cwd: str = field(default_factory=os.getcwd)

    @cached_property
    def paths(self) -> RepoPaths:
        root = self.root if self.root is not None else repository_root(self.cwd)
        return RepoPaths(root, self.cwd)


@dataclass(frozen=True)
class TextOptions:
    """How the text report looks where it is written (standard output or a file)."""

    color: bool = False
    quiet: bool = False
    statistics: bool = False
    #: False leaves out the ``error:`` line of each path that could not be read
    #: (standard error shows them when the report goes to standard output).
    list_errors: bool = True
    #: Wrap the report so a GitHub Actions runner does not act on ``::`` lines in it.
    guard_commands: bool = False


@dataclass(frozen=True)
class FixOptions:
    """What the run does with fixes: which it applies (or offers) and how many it applied."""

    #: Unsafe fixes are enabled (``--unsafe-fixes``): they count as fixable too.
    unsafe: bool = False
    #: Fixes ``--fix`` applied in this run (the findings are what remains).
    applied: int = 0

    def applies(self, applicability: str) -> bool:
        """Whether ``--fix`` would apply a fix of this applicability in this run."""
        return applicability == "safe" or self.unsafe


@dataclass(frozen=True)
class PodDiagram:
    """One pod drawn as a Mermaid flowchart (the text inside a ``mermaid`` fence)."""

    path: str
    line: int
    title: str
    mermaid: str


@dataclass(frozen=True)
class ReportContext:
    """What the run knows beyond its findings, for every reporter's ``render``."""

    repository: Repository = field(default_factory=Repository)
    tool_version: str = __version__
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    #: The effective feature gates of the run (JSON and SARIF print them).
    feature_gates: Mapping[str, bool] = field(default_factory=dict)
    #: Every rule active somewhere in the run, by code.
    rules: tuple[RuleInfo, ...] = ()
    #: Full help by rule code, for reports that embed it (SARIF); may be computed on lookup.
    rule_help: Mapping[str, RuleHelp] = field(default_factory=dict)
    #: Every Kubernetes object linted, in file order (JUnit lists those that pass).
    objects: tuple[ObjectEntry, ...] = ()
    #: Source lines the text report quotes: path -> line number -> text.
    lines: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    #: ``https://github.com/owner/repo/blob/<sha>`` for Markdown links pinned to a commit.
    blob_url: str | None = None
    #: What the pull request changes; GitHub annotations go to those lines first.
    changes: Changes | None = None
    #: GitHub annotations are among this run's outputs (Markdown then says what they left out).
    annotating: bool = False
    #: Pods with findings, drawn (filled only when a Markdown report is asked for).
    diagrams: tuple[PodDiagram, ...] = ()
    text: TextOptions = field(default_factory=TextOptions)
    fixes: FixOptions = field(default_factory=FixOptions)

    @property
    def paths(self) -> RepoPaths:
        """Reported paths relative to the repository root (looked up on first use)."""
        return self.repository.paths


def blob_base(env: Mapping[str, str]) -> str | None:
    """``https://github.com/owner/repo/blob/<sha>`` from the Actions environment, if set."""
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repo = env.get("GITHUB_REPOSITORY", "").strip("/")
    sha = env.get("GITHUB_SHA", "")
    if server and repo and sha:
        return f"{server}/{repo}/blob/{sha}"
    return None
