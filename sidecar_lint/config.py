"""Project configuration: ``.sidecar-lint.yaml`` or ``[tool.sidecar-lint]`` in pyproject.toml.

The file is found by walking up from the working directory to the repository
root; ``--config FILE`` names one, ``--isolated`` ignores them all. The model
is strict (pydantic, unknown keys rejected) and every problem is one line that
names the file, the line and the key — never a traceback. Paths inside a
config file are relative to the file's directory.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from sidecar_lint.document import Pointer, SourceFile
from sidecar_lint.feature_gates import known_gate
from sidecar_lint.findings import Severity

CONFIG_NAMES = (".sidecar-lint.yaml", ".sidecar-lint.yml")
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "sidecar-lint")

Locator = Any  # Callable[[Pointer], str]: "line:col" for a key path, or ""

_STRICT = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

SeverityName = Literal["error", "warning", "note", "off"]
FailOn = Literal["error", "warning", "note", "none"]
#: A feature gate sidecar-lint knows (an unknown one is an error with a did-you-mean).
GateName = Annotated[str, AfterValidator(known_gate)]


class RuleSettings(BaseModel):
    """Per-rule severity (or ``off``) and parameters."""

    model_config = _STRICT

    severity: SeverityName | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Override(BaseModel):
    """Settings that apply only to files matching ``files`` (globs, repo-relative)."""

    model_config = _STRICT

    files: list[str] = Field(min_length=1)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    rules: dict[str, RuleSettings] = Field(default_factory=dict)

    @field_validator("files", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class SidecarSettings(BaseModel):
    """Extra name/image globs that mark sidecars, and container names that never are."""

    model_config = _STRICT

    names: list[str] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    never: list[str] = Field(default_factory=list)


class WorkloadSettings(BaseModel):
    """A custom kind that carries a pod template, and where (JSONPath)."""

    model_config = _STRICT

    api_version: str = Field(alias="apiVersion", min_length=1)
    kind: str = Field(min_length=1)
    pod_template: str = Field(alias="podTemplate", min_length=1)
    completes: bool | None = False

    @field_validator("pod_template")
    @classmethod
    def _valid_jsonpath(cls, value: str) -> str:
        from sidecar_lint.jsonpath import JsonPathError, compile_path

        try:
            compile_path(value)
        except JsonPathError as err:
            raise ValueError(str(err)) from err
        return value


class Config(BaseModel):
    """Everything a configuration file may say."""

    model_config = _STRICT

    kubernetes_version: str | None = Field(default=None, alias="kubernetesVersion")
    feature_gates: dict[GateName, StrictBool] = Field(default_factory=dict, alias="featureGates")
    fail_on: FailOn | None = Field(default=None, alias="failOn")
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    rules: dict[str, RuleSettings] = Field(default_factory=dict)
    overrides: list[Override] = Field(default_factory=list)
    sidecars: SidecarSettings = Field(default_factory=SidecarSettings)
    workloads: list[WorkloadSettings] = Field(default_factory=list)
    rule_paths: list[str] = Field(default_factory=list, alias="rulePaths")

    @field_validator("kubernetes_version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        if isinstance(value, float):  # `kubernetesVersion: 1.30` is a float in YAML
            raise ValueError(f'quote the version, e.g. "{value}": as a number it loses digits')
        if value is not None:
            from sidecar_lint.versions import KubeVersion

            KubeVersion.parse(str(value))
        return value


class ConfigError(Exception):
    """A configuration problem, already formatted as one line with file and position."""


@dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration and where it came from."""

    config: Config = field(default_factory=Config)
    path: Path | None = None
    locate: Locator = field(default=None, compare=False, repr=False)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def rule_dirs(self) -> list[Path]:
        return [(self.base_dir / p).resolve() for p in self.config.rule_paths]

    def where(self, pointer: Pointer) -> str:
        """``file:line:col`` of a key, for errors found after validation (else the file)."""
        name = str(self.path) if self.path else "configuration"
        position = self.locate(pointer) if self.locate is not None else ""
        return f"{name}:{position}" if position else name


def find_config(start: Path) -> Path | None:
    """The nearest config file from ``start`` upwards, stopping at the repository root."""
    directory = start.resolve()
    home = Path.home().resolve()
    while True:
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (directory / ".git").exists() or directory == home or directory.parent == directory:
            return None
        directory = directory.parent


def load_config(path: Path) -> LoadedConfig:
    """Read and validate one configuration file (YAML, or pyproject.toml's table)."""
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read configuration: {err}") from err
    if path.name == PYPROJECT:
        data, locate = _from_pyproject(path, raw_text)
    else:
        data, locate = _from_yaml(path, raw_text)
    try:
        config = Config.model_validate(data if data is not None else {})
    except ValidationError as err:
        raise ConfigError(_describe(err, path, locate)) from err
    return LoadedConfig(config, path, locate)


def resolve_config(explicit: str | None, isolated: bool, cwd: Path | None = None) -> LoadedConfig:
    """Apply ``--config`` / ``--isolated`` / discovery, in that order."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        return load_config(path)
    if isolated:
        return LoadedConfig()
    found = find_config(cwd or Path.cwd())
    return load_config(found) if found is not None else LoadedConfig()


def _from_yaml(path: Path, text: str) -> tuple[Any, Locator]:
    from sidecar_lint.loader import load_source

    loaded = load_source(SourceFile(str(path), text))
    if loaded.problems:
        p = loaded.problems[0]
        raise ConfigError(f"{path}:{p.line + 1}:{p.column + 1}: invalid YAML: {p.message}")
    if not loaded.documents:
        return {}, lambda pointer: ""
    if len(loaded.documents) > 1:
        raise ConfigError(f"{path}: a configuration file holds one YAML document")
    doc = loaded.documents[0]
    if doc.duplicate_keys:
        dup = doc.duplicate_keys[0]
        raise ConfigError(
            f"{path}:{dup.second[0] + 1}:{dup.second[1] + 1}: duplicate key {dup.key!r}"
        )

    def locate(pointer: Pointer) -> str:
        span, _ = doc.locate(pointer, "key")
        return f"{span.start_line}:{span.start_col}"

    return doc.data, locate


def _from_pyproject(path: Path, text: str) -> tuple[Any, Locator]:
    toml = _toml()
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from err
    table: Any = data
    for key in PYPROJECT_TABLE:
        table = table.get(key, {}) if isinstance(table, dict) else {}
    lines = text.splitlines()

    def locate(pointer: Pointer) -> str:
        # TOML parsers keep no positions: find the key's line by its name.
        keys = [p for p in pointer if isinstance(p, str)]
        if not keys:
            return ""
        for number, line in enumerate(lines, start=1):
            stripped = line.lstrip()
            if stripped.startswith((keys[-1] + " ", keys[-1] + "=", f'"{keys[-1]}"')):
                return f"{number}:{len(line) - len(stripped) + 1}"
        inline = re.compile(rf'[{{,]\s*"?({re.escape(keys[-1])})"?\s*=')
        for number, line in enumerate(lines, start=1):  # a key of an inline table
            match = inline.search(line)
            if match:
                return f"{number}:{match.start(1) + 1}"
        return ""

    return table, locate


def _has_tool_table(path: Path) -> bool:
    try:
        data = _toml().loads(path.read_text(encoding="utf-8"))
    except Exception:  # a broken pyproject is only an error when it is the config
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and PYPROJECT_TABLE[1] in tool


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - Python 3.10

    return tomli


_FIELD_ALIASES = {
    "kubernetes_version": "kubernetesVersion",
    "feature_gates": "featureGates",
    "fail_on": "failOn",
    "rule_paths": "rulePaths",
    "api_version": "apiVersion",
    "pod_template": "podTemplate",
}


def _describe(err: ValidationError, path: Path, locate: Locator) -> str:
    """The first validation error as ``file:line:col: key: what is wrong``."""
    first = err.errors()[0]
    loc: list[Any] = [_FIELD_ALIASES.get(p, p) if isinstance(p, str) else p for p in first["loc"]]
    if loc and loc[-1] == "[key]":  # a mapping key itself is wrong: point at the key
        loc.pop()
    key = ".".join(str(p) for p in loc) or "(top level)"
    where = locate(tuple(loc)) if loc else ""
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}" + _suggest(str(loc[-1]))
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    prefix = f"{path}:{where}" if where else str(path)
    return f"{prefix}: {key}: {message}{more}"


def _suggest(key: str) -> str:
    import difflib

    known = [f.alias or name for name, f in Config.model_fields.items()]
    known += ["severity", "params", "files", "names", "images", "never", "completes"]
    match = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
    return f"; did you mean {match[0]!r}?" if match else ""


def severity_of(name: str | None) -> Severity | None:
    """``off`` → None (disabled); a severity name → that severity."""
    return None if name in (None, "off") else Severity(name)


def matches_any(path: str, globs: Sequence[str]) -> bool:
    """Whether a file path matches any override glob (``**`` crosses directories)."""
    from sidecar_lint.discovery import is_excluded

    return is_excluded(path, tuple(globs))
