"""Helm charts: rendering with ``helm template``, and findings traced to template lines.

``helm template`` writes ``# Source: CHART/templates/FILE`` above every
object. A template is not YAML (it holds ``{{ … }}`` actions), so the field a
finding names is followed through the template's text: each key of its path
is the next line below that writes ``key:``, and each list item the line that
writes its merge key (``- name: web``). A field found that way is reported
there (at its value when the template writes it literally, else at the key,
whose line holds the action that makes it); a field no line writes (one a
``toYaml`` or ``include`` produces) is reported at the object's first line in
the template.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sidecar_lint.document import Document, Span
from sidecar_lint.findings import Finding
from sidecar_lint.pointers import get_at
from sidecar_lint.rendering.origin import MERGE_KEYS, Place, Sources, pointed
from sidecar_lint.rendering.tools import Tool

SOURCE_COMMENT = re.compile(r"^# Source: (?P<path>\S.*?)\s*$")
CHART_FILE = "Chart.yaml"
DEFAULT_RELEASE = "release"


@dataclass(frozen=True)
class HelmOptions:
    """What ``helm template`` is given besides the chart: value files, release, namespace."""

    values: tuple[Path, ...] = ()
    release: str = DEFAULT_RELEASE
    namespace: str | None = None


def helm_command(tool: Tool, chart: Path, options: HelmOptions) -> list[str]:
    command = [tool.executable, "template", options.release, str(chart)]
    if options.namespace:
        command += ["--namespace", options.namespace]
    for values in options.values:
        command += ["--values", str(values)]
    return command


def source_of(lines: Sequence[str], doc_line: int) -> str | None:
    """The ``# Source:`` path written above the document starting on 0-based ``doc_line``."""
    for number in range(min(doc_line, len(lines) - 1), -1, -1):
        match = SOURCE_COMMENT.match(lines[number])
        if match:
            return match["path"]
        if number < doc_line and lines[number].startswith("---"):
            return None
    return None


def template_file(chart: Path, source: str) -> Path:
    """A ``# Source:`` path (which starts with the chart's name) as a file of ``chart``."""
    rest = source.split("/", 1)[1] if "/" in source else source
    return (chart / rest).resolve()


class HelmMapper:
    """Maps findings on ``helm template`` output to the chart's template lines."""

    def __init__(self, chart: Path, rendered: Sequence[str], sources: Sources) -> None:
        self.chart = chart
        self.rendered = rendered
        self.sources = sources

    def _template(self, doc: Document) -> tuple[Path, list[str]] | None:
        source = source_of(self.rendered, doc.start_range()[0])
        if source is None:
            return None
        path = template_file(self.chart, source)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        self.sources.get(path)  # the text report quotes its lines
        return path, text.splitlines()

    def place_object(self, doc: Document) -> Place:
        found = self._template(doc)
        if found is None:
            return Place(self.chart / CHART_FILE, Span(1, 1, 1, 2), None)
        path, lines = found
        start, _ = _object_lines(lines, str(doc.data.get("kind", "")))
        return Place(path, _line_span(lines, start), None)

    def place(self, doc: Document, finding: Finding) -> Place | None:
        found = self._template(doc)
        if found is None:
            return None
        path, lines = found
        start, end = _object_lines(lines, str(doc.data.get("kind", "")))
        pointer, target = pointed(doc, finding)
        at = _follow(lines, start, end, doc.data, pointer)
        if at is None:
            return Place(path, _line_span(lines, start), None)
        line, key_col = at
        text = lines[line]
        value = get_at(doc.data, pointer)
        colon = text.find(":", key_col)
        key_end = colon if colon >= 0 else len(text.rstrip())
        if target == "key" or isinstance(value, dict | list) or colon < 0:
            return Place(path, Span(line + 1, key_col + 1, line + 1, key_end + 1), None)
        written = text[colon + 1 :].split(" #", 1)[0].strip()
        start_col = colon + 1 + (len(text[colon + 1 :]) - len(text[colon + 1 :].lstrip()))
        if written and (_unquote(written) == str(value) or "{{" in written):
            return Place(
                path, Span(line + 1, start_col + 1, line + 1, start_col + len(written) + 1), None
            )
        return Place(path, Span(line + 1, key_col + 1, line + 1, key_end + 1), None)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _line_span(lines: Sequence[str], line: int) -> Span:
    text = lines[line] if 0 <= line < len(lines) else ""
    indent = len(text) - len(text.lstrip())
    return Span(line + 1, indent + 1, line + 1, max(len(text.rstrip()), indent + 1) + 1)


def _object_lines(lines: Sequence[str], kind: str) -> tuple[int, int]:
    """The lines of the template's document of ``kind`` (the whole file when not told apart)."""
    bounds: list[tuple[int, int]] = []
    begin = 0
    for number, text in enumerate(lines):
        if text.startswith("---"):
            bounds.append((begin, number))
            begin = number + 1
    bounds.append((begin, len(lines)))
    pattern = re.compile(rf"^\s*kind:\s*['\"]?{re.escape(kind)}['\"]?\s*(#.*)?$")
    for first, last in bounds:
        if any(pattern.match(lines[n]) for n in range(first, last)):
            return _first_content(lines, first, last), last
    return _first_content(lines, 0, len(lines)), len(lines)


def _first_content(lines: Sequence[str], first: int, last: int) -> int:
    for number in range(first, last):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith(("#", "{{")):
            return number
    return first


def _follow(
    lines: Sequence[str], start: int, end: int, data: Any, pointer: Sequence[Any]
) -> tuple[int, int] | None:
    """The line (and the key's column) that writes the field ``pointer`` names, if one does."""
    position = start
    found: tuple[int, int] | None = None
    node = data
    for step in pointer:
        if isinstance(step, str):
            pattern = re.compile(rf"^(\s*(?:-\s+)?)['\"]?{re.escape(step)}['\"]?\s*:")
            found = _next(lines, position, end, pattern)
        elif isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            item = node[step]
            key = next((k for k in MERGE_KEYS if isinstance(item, dict) and k in item), None)
            if key is None:
                return None
            value = re.escape(str(item[key]))
            pattern = re.compile(rf"^(\s*(?:-\s+)?){key}\s*:\s*['\"]?{value}['\"]?\s*(#.*)?$")
            found = _next(lines, position, end, pattern)
        else:
            return None
        if found is None:
            return None
        position = found[0]
        node = node[step] if isinstance(node, dict | list) else None
    return found


def _next(
    lines: Sequence[str], position: int, end: int, pattern: re.Pattern[str]
) -> tuple[int, int] | None:
    for number in range(position, min(end, len(lines))):
        match = pattern.match(lines[number])
        if match:
            return number, len(match.group(1))
    return None


class ChartFinder:
    """The chart directory a ``# Source:`` path starts with, searched below the working directory.

    ``web/templates/x.yaml`` names the chart ``web``: the directory ``web`` when it holds a
    ``Chart.yaml``, else a chart whose ``Chart.yaml`` says ``name: web`` (the working directory
    itself, or one at most four levels below it).
    """

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._found: dict[str, Path | None] = {}
        self._named: dict[str, Path] | None = None

    def find(self, source: str) -> Path | None:
        name = source.split("/", 1)[0]
        if name not in self._found:
            direct = self.cwd / name
            if (direct / CHART_FILE).is_file():
                self._found[name] = direct.resolve()
            else:
                self._found[name] = self._by_name().get(name)
        return self._found[name]

    def _by_name(self) -> dict[str, Path]:
        if self._named is None:
            self._named = {}
            base_depth = len(self.cwd.parts)
            for directory, dirs, files in os.walk(self.cwd):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                if len(Path(directory).parts) - base_depth >= 4:
                    dirs[:] = []
                if CHART_FILE in files:
                    name = _chart_name(Path(directory) / CHART_FILE)
                    if name:
                        self._named.setdefault(name, Path(directory).resolve())
        return self._named


def _chart_name(path: Path) -> str | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
