"""Project configuration: ``.sidecar-lint.yaml`` or ``[tool.sidecar-lint]`` in pyproject.toml.

Which file applies is decided per linted file: the nearest one from the
file's directory upwards, stopping at the repository root (see
:func:`find_config`); ``--config FILE`` names one for every file,
``--isolated`` ignores them all. The model is strict (pydantic, unknown keys
rejected). Every problem in a file is reported at once, in file order, one
line each — ``file:line:col: key.path: message`` — in the tool's own words
(one table, :data:`MESSAGES`, turns pydantic's error types into them) and
echoing what the user wrote, recovered from the source text. Paths inside a
config file are relative to the file's directory.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable, Sequence
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
from pydantic_core import ErrorDetails, PydanticCustomError

from sidecar_lint.config_source import (
    PYPROJECT_TABLE,
    Locator,
    _TomlLocator,
    _YamlLocator,
)
from sidecar_lint.document import Pointer, SourceFile
from sidecar_lint.feature_gates import known_gate

CONFIG_NAMES = (".sidecar-lint.yaml", ".sidecar-lint.yml")
PYPROJECT = "pyproject.toml"

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


def _quantity(value: str) -> str:
    from sidecar_lint.quantity import quantity_from_manifest

    quantity_from_manifest(value)  # QuantityError is a ValueError
    return value


#: A resource quantity as a manifest writes it (``100m``, ``128Mi``).
QuantityText = Annotated[str, AfterValidator(_quantity)]


class NamespaceSettings(BaseModel):
    """Labels and annotations of a namespace that no input defines."""

    model_config = _STRICT

    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class ResourceSettings(BaseModel):
    """CPU and memory requests and limits (quantities as a manifest writes them)."""

    model_config = _STRICT

    requests: dict[Literal["cpu", "memory"], QuantityText] = Field(default_factory=dict)
    limits: dict[Literal["cpu", "memory"], QuantityText] = Field(default_factory=dict)


class InjectorConfig(BaseModel):
    """One sidecar injector in the target cluster, as far as manifests cannot show it."""

    model_config = _STRICT

    installed: StrictBool | None = None
    native_sidecars: StrictBool | None = Field(default=None, alias="nativeSidecars")
    version: str | None = None
    #: The sidecar's resources when no annotation sets them; ``none`` (or ``{}``): none at all.
    resources: ResourceSettings | None = None

    @field_validator("resources", mode="before")
    @classmethod
    def _none_word(cls, value: Any) -> Any:
        return {} if value == "none" else value


def _injector_id(value: str) -> str:
    from sidecar_lint.injector_catalogue import catalogue

    known = [i.id for i in catalogue()]
    if value not in known:
        match = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f"; did you mean {match[0]!r}?" if match else f"; known: {', '.join(known)}"
        raise ValueError(f"unknown injector {value!r}{hint}")
    return value


#: An injector of the catalogue (``data/injectors.yaml``).
InjectorId = Annotated[str, AfterValidator(_injector_id)]


class ClusterConfig(BaseModel):
    """The cluster around the manifests: namespaces defined elsewhere, installed injectors."""

    model_config = _STRICT

    default_namespace: str | None = Field(default=None, alias="defaultNamespace", min_length=1)
    namespaces: dict[str, NamespaceSettings] = Field(default_factory=dict)
    injectors: dict[InjectorId, InjectorConfig] = Field(default_factory=dict)


class HelmSettings(BaseModel):
    """How charts are rendered: value files (relative to this file), release name, namespace."""

    model_config = _STRICT

    values: list[str] = Field(default_factory=list)
    release_name: str = Field(default="release", alias="releaseName", min_length=1)
    namespace: str | None = Field(default=None, min_length=1)


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
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    #: Whether directories holding a kustomization are rendered before linting.
    render: Literal["auto", "never", "always"] | None = None
    #: Seconds one render (kustomize, kubectl or helm) may take before it is a failed render.
    render_timeout: float | None = Field(default=None, alias="renderTimeout", gt=0)
    fix: StrictBool | None = None
    unsafe_fixes: StrictBool | None = Field(default=None, alias="unsafeFixes")
    helm: HelmSettings = Field(default_factory=HelmSettings)

    @field_validator("kubernetes_version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        if isinstance(value, float):  # `kubernetesVersion: 1.30` is the number 1.3
            raise PydanticCustomError(
                "version_number", "quote the version: as a number it loses digits"
            )
        if value is not None:
            from sidecar_lint.versions import KubeVersion

            KubeVersion.parse(str(value))
        return value


class ConfigError(Exception):
    """Configuration problems, each already one line with file and position.

    ``lines`` holds them in file order; ``str()`` joins them with newlines, so
    a single problem reads exactly as before.
    """

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines: list[str] = list(lines)

    @classmethod
    def combine(cls, errors: Iterable[ConfigError]) -> ConfigError:
        """One error holding every line of ``errors`` (each file's lines stay in order)."""
        return cls(*(line for err in errors for line in err.lines))


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration and where it came from."""

    config: Config = field(default_factory=Config)
    path: Path | None = None
    locate: Locator | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The file as messages name it, or ``configuration`` when there is none."""
        return str(self.path) if self.path is not None else "configuration"

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def rule_dirs(self) -> list[Path]:
        return [(self.base_dir / p).resolve() for p in self.config.rule_paths]

    def where(self, pointer: Pointer) -> str:
        """``file:line:col`` of a key, for errors found after validation (else the file)."""
        position = self.locate(pointer) if self.locate is not None else ""
        return f"{self.name}:{position}" if position else self.name

    def problem(self, pointer: Pointer, message: str) -> Problem:
        """A problem at ``pointer`` of this file, for :func:`report`."""
        position = self.locate.position(pointer) if self.locate is not None else None
        return Problem(pointer, message, position)


def find_config(start: Path) -> Path | None:
    """The nearest config file from ``start`` upwards, stopping at the repository root.

    The root is the first directory holding ``.git``, the home directory or
    the filesystem root, whichever comes first.
    """
    return ConfigFinder().nearest(start)


class ConfigFinder:
    """:func:`find_config` for many files: each directory is looked at once."""

    def __init__(self) -> None:
        self._home = Path.home().resolve()
        self._found: dict[Path, Path | None] = {}

    def nearest(self, directory: Path) -> Path | None:
        """The configuration that applies in ``directory`` (see :func:`find_config`)."""
        start = directory.resolve()
        walked: list[Path] = []
        current = start
        found: Path | None = None
        while True:
            if current in self._found:
                found = self._found[current]
                break
            walked.append(current)
            found = _config_in(current)
            if found is not None or _is_top(current, self._home):
                break
            current = current.parent
        for seen in walked:
            self._found[seen] = found
        return found


def _config_in(directory: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    pyproject = directory / PYPROJECT
    if pyproject.is_file() and _has_tool_table(pyproject):
        return pyproject
    return None


def _is_top(directory: Path, home: Path) -> bool:
    return (directory / ".git").exists() or directory == home or directory.parent == directory


def load_config(path: Path) -> LoadedConfig:
    """Read and validate one configuration file (YAML, or pyproject.toml's table).

    Raises :class:`ConfigError` with every problem of the file, in file order.
    """
    shown = str(path)
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{shown}: cannot read configuration: {err}") from err
    problems: list[Problem] = []
    if path.name == PYPROJECT:
        data, locate = _from_pyproject(shown, raw_text)
    else:
        data, locate = _from_yaml(shown, raw_text, problems)
        data = _as_written(data, locate)
    config: Config | None = None
    try:
        config = Config.model_validate(data if data is not None else {})
    except ValidationError as err:
        problems += [problem_from(e, locate) for e in err.errors()]
    if problems:
        raise ConfigError(*report(shown, problems))
    assert config is not None
    return LoadedConfig(config, path, locate)


def resolve_config(explicit: str | None, isolated: bool, cwd: Path | None = None) -> LoadedConfig:
    """Apply ``--config`` / ``--isolated`` / discovery from ``cwd``, in that order."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        return load_config(path)
    if isolated:
        return LoadedConfig()
    found = find_config(cwd or Path.cwd())
    return load_config(found) if found is not None else LoadedConfig()


def _from_yaml(path: str, text: str, problems: list[Problem]) -> tuple[Any, Locator]:
    from sidecar_lint.loading import load_source

    loaded = load_source(SourceFile(path, text))
    if loaded.problems:  # nothing can be validated: report how the file fails to read
        raise ConfigError(
            *(
                f"{path}:{p.line + 1}:{p.column + 1}: invalid YAML: {p.message}"
                for p in sorted(loaded.problems, key=lambda p: (p.line, p.column))
            )
        )
    if not loaded.documents:
        return {}, Locator()
    if len(loaded.documents) > 1:
        raise ConfigError(f"{path}: a configuration file holds one YAML document")
    doc = loaded.documents[0]
    for dup in doc.duplicate_keys:
        line, col = dup.second[0] + 1, dup.second[1] + 1
        problems.append(Problem(dup.mapping, f"duplicate key {dup.key!r}", (line, col), bare=True))
    return doc.data, _YamlLocator(path, loaded.source.text, doc)


def _from_pyproject(path: str, text: str) -> tuple[Any, Locator]:
    toml = _toml()
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from err
    table: Any = data
    for key in PYPROJECT_TABLE:
        table = table.get(key, {}) if isinstance(table, dict) else {}
    return table, _TomlLocator(text)


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


#: The words YAML 1.1 reads as booleans; PyYAML still does, so ``severity: off`` is ``False``.
YAML11_BOOLEANS = frozenset(
    w
    for word in ("y", "yes", "n", "no", "on", "off", "true", "false")
    for w in (word, word.capitalize(), word.upper())
)


def _as_written(data: Any, locate: Locator) -> Any:
    """Give back the words that YAML 1.1 turned into booleans where a name is wanted.

    ``severity`` and ``failOn`` take names; unquoted ``off`` (or ``no``, ``on``,
    ``yes``) there is read as a boolean, so the word the user wrote is
    recovered from the source text and validated as the name it was meant to be.
    """
    if not isinstance(data, dict):
        return data
    wanted: list[Pointer] = [("failOn",)]
    rule_tables: list[tuple[Pointer, Any]] = [(("rules",), data.get("rules"))]
    overrides = data.get("overrides")
    if isinstance(overrides, list):
        rule_tables += [
            (("overrides", i, "rules"), o.get("rules"))
            for i, o in enumerate(overrides)
            if isinstance(o, dict)
        ]
    for base, rules in rule_tables:
        if isinstance(rules, dict):
            wanted += [(*base, key, "severity") for key, v in rules.items() if isinstance(v, dict)]
    replaced: dict[Pointer, str] = {}
    for pointer in wanted:
        if isinstance(_get(data, pointer), bool):
            text = locate.written(pointer)
            if text in YAML11_BOOLEANS:
                replaced[pointer] = text
    return _replace(data, replaced) if replaced else data


def _get(data: Any, pointer: Pointer) -> Any:
    for part in pointer:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _replace(data: Any, values: dict[Pointer, Any]) -> Any:
    """A copy of ``data`` with the values at ``values``' pointers replaced (containers copied)."""
    if () in values:
        return values[()]
    heads = {p[0] for p in values}
    if isinstance(data, dict):
        copy: Any = dict(data)
    elif isinstance(data, list):
        copy = list(data)
    else:
        return data
    for head in heads:
        rest = {p[1:]: v for p, v in values.items() if p[0] == head}
        copy[head] = _replace(copy[head], rest)
    return copy


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a configuration file: the key it is about and what is wrong.

    ``bare`` problems (a duplicate key, say) are not about one key path, so
    the line names no key.
    """

    pointer: Pointer
    message: str
    position: tuple[int, int] | None = None
    bare: bool = False

    def line(self, path: Path | str) -> str:
        """``file:line:col: key.path: message``."""
        where = f"{path}:{self.position[0]}:{self.position[1]}" if self.position else str(path)
        if self.bare:
            return f"{where}: {self.message}"
        key = ".".join(str(p) for p in self.pointer) or "(top level)"
        return f"{where}: {key}: {self.message}"


def report(path: Path | str, problems: Sequence[Problem]) -> list[str]:
    """Problems as lines in file order (those without a position first)."""
    ordered = sorted(problems, key=lambda p: p.position or (0, 0))
    return [p.line(path) for p in ordered]


#: pydantic's error types in the tool's words. Fields: ``{value}`` (what the
#: user wrote), ``{got}`` (its kind and text), ``{what}`` and ``{choices}`` (for a
#: fixed set of names), ``{key}``, ``{suggestion}``, ``{min_length}``, ``{items}``,
#: ``{detail}`` (a validator's own message), ``{hint}``, ``{language}``,
#: ``{number}`` and ``{pydantic}`` (pydantic's message, for types not listed).
MESSAGES: dict[str, str] = {
    "extra_forbidden": "unknown key {key}{suggestion}",
    "missing": "required key {key} is missing",
    "literal_error": "{value} is not {what}; use {choices}",
    "enum": "{value} is not {what}; use {choices}",
    "list_type": "expected a list, got {got}{hint}",
    "dict_type": "expected a mapping (key: value), got {got}",
    "model_type": "expected a mapping (key: value), got {got}",
    "model_attributes_type": "expected a mapping (key: value), got {got}",
    "string_type": "expected a string, got {got}",
    "bool_type": "expected true or false, got {got}",
    "bool_parsing": "expected true or false, got {got}",
    "int_type": "expected a whole number, got {got}",
    "int_parsing": "expected a whole number, got {got}",
    "float_type": "expected a number, got {got}",
    "float_parsing": "expected a number, got {got}",
    "too_short": "must list at least {items}",
    "string_too_short": "must not be empty",
    "value_error": "{detail}",
    "assertion_error": "{detail}",
    "version_number": (
        'quote the version, e.g. "{value}": unquoted, {language} reads it as the number {number}'
    ),
}

#: What a fixed set of names is, by the key that takes it.
_NAME_SETS = {"severity": "a severity", "failOn": "a failOn level"}


def problem_from(error: ErrorDetails, locate: Locator, prefix: Pointer = ()) -> Problem:
    """One pydantic error as a :class:`Problem` worded by :data:`MESSAGES`.

    ``prefix`` is where the validated value sits in the file (for values
    validated on their own, such as a rule's parameters).
    """
    loc: list[Any] = [*prefix, *error["loc"]]
    key_itself = bool(loc) and loc[-1] == "[key]"
    if key_itself:  # a mapping key itself is wrong: point at the key
        loc.pop()
    pointer = tuple(loc)
    kind = error["type"]
    value = error.get("input")
    written = None if key_itself else locate.written(pointer)
    ctx = error.get("ctx") or {}
    fields: dict[str, Any] = {
        "value": _shown(value, written),
        "got": _got(value, written),
        "key": repr(loc[-1]) if loc else "",
        "suggestion": _suggest(pointer) if kind == "extra_forbidden" and not prefix else "",
        "what": _NAME_SETS.get(str(loc[-1]) if loc else "", "allowed here"),
        "choices": re.sub(r"'([^']*)'", r"\1", str(ctx.get("expected", ""))),
        "min_length": ctx.get("min_length", 1),
        "items": "one item" if ctx.get("min_length", 1) == 1 else f"{ctx['min_length']} items",
        "detail": str(ctx.get("error", error["msg"])),
        "hint": f"; write [{written or value}]" if isinstance(value, str) else "",
        "language": locate.language or "the file",
        "number": value,
        "pydantic": error["msg"],
    }
    if kind == "version_number":
        fields["value"] = written or str(value)
    template = MESSAGES.get(kind, "{pydantic}")
    return Problem(pointer, template.format(**fields), locate.position(pointer))


def _shown(value: Any, written: str | None) -> str:
    """A value as the user wrote it: a string in quotes, anything else as written."""
    if isinstance(value, str):
        if written and written[0] in "\"'":
            return written
        return repr(written if written is not None else value)
    if written is not None:
        return written
    return repr(value)


def _got(value: Any, written: str | None) -> str:
    """``the string 'x'``, ``the number 1.5``, ``a list``… for "expected X, got Y"."""
    if isinstance(value, bool):
        return f"the boolean {written or str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {written or value}"
    if isinstance(value, str):
        return f"the string {_shown(value, written)}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, list | tuple):
        return f"the list {written}" if written else "a list"
    if isinstance(value, dict):
        return f"the mapping {written}" if written else "a mapping"
    return type(value).__name__


_FIELD_ALIASES = {
    "kubernetes_version": "kubernetesVersion",
    "feature_gates": "featureGates",
    "fail_on": "failOn",
    "rule_paths": "rulePaths",
    "unsafe_fixes": "unsafeFixes",
    "api_version": "apiVersion",
    "pod_template": "podTemplate",
    "default_namespace": "defaultNamespace",
    "native_sidecars": "nativeSidecars",
}


def _model_at(pointer: Pointer) -> type[BaseModel] | None:
    """The model whose keys are valid at ``pointer`` (a mapping in the file), if any."""
    model: type[BaseModel] | None = Config
    steps = list(pointer)
    while steps and model is not None:
        name = steps.pop(0)
        found = next(
            (f for n, f in model.model_fields.items() if name in (n, f.alias)),
            None,
        )
        if found is None:
            return None
        annotation = found.annotation
        origin = getattr(annotation, "__origin__", None)
        args = getattr(annotation, "__args__", ())
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif origin in (list, dict) and args and isinstance(args[-1], type):
            if not steps:
                return None
            steps.pop(0)  # the list index or mapping key
            item = args[-1]
            model = item if issubclass(item, BaseModel) else None
        else:
            return None
    return model


def _suggest(pointer: Pointer) -> str:
    """``; did you mean 'x'?`` among the keys valid where the unknown one stands."""
    key = str(pointer[-1]) if pointer else ""
    model = _model_at(pointer[:-1])
    if model is None:
        return ""
    known = [f.alias or name for name, f in model.model_fields.items()]
    match = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
    return f"; did you mean {match[0]!r}?" if match else ""
