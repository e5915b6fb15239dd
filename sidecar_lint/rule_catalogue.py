"""The rule catalogue: one YAML file per rule, validated at start-up.

Each file carries everything about its rule — metadata, rationale, fix
advice, bad and good examples, parameters — so the CLI listing, ``--explain``,
the README table, SARIF rule metadata and the example tests all come from
one place. A built-in rule file may carry a second YAML document (after a
``---`` line) with its test cases; only the first document is parsed here,
so the cases cost a run nothing.

A rule's parameters have one source: its check's pydantic params model gives
their names (aliases), types and defaults; the rule file documents each one.
The two are matched when the catalogue is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo

from sidecar_lint.findings import Severity

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RuleExample(BaseModel):
    """A manifest that shows the rule firing (bad) or staying silent (good)."""

    model_config = _STRICT

    title: str = Field(min_length=1)
    manifest: str = Field(min_length=1)
    kubernetes_version: str | None = Field(default=None, alias="kubernetesVersion")
    report_unused_ignores: bool = Field(default=False, alias="reportUnusedIgnores")


class RuleExamples(BaseModel):
    model_config = _STRICT

    bad: list[RuleExample] = Field(min_length=1)
    good: list[RuleExample] = Field(min_length=1)


class RuleParam(BaseModel):
    """A tunable, documented (configuration can override it per rule).

    ``default`` is filled in from the check's params model when the catalogue
    is built. Only a user rule writes it, to set a value for a generic check
    (a JSONPath rule's ``path``); a built-in rule file never does.
    """

    model_config = _STRICT

    default: Any = None
    description: str = Field(min_length=1)


class RuleFix(BaseModel):
    """One fix a rule's check may offer (by ``id``): how safe it is, and what it does.

    ``safe`` fixes keep what runs (``--fix`` applies them); ``unsafe`` ones
    change it and need a review (``--fix --unsafe-fixes``).
    """

    model_config = _STRICT

    applicability: Literal["safe", "unsafe"]
    description: str = Field(min_length=1)


class RuleMeta(BaseModel):
    """Everything known about one rule, as written in its ``rules/`` file."""

    model_config = _STRICT

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]*\d{3}$")
    name: str = Field(pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    severity: Severity
    check: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    tags: tuple[str, ...] = ()
    rationale: str = Field(min_length=1)
    remediation: str = Field(min_length=1)
    params: dict[str, RuleParam] = Field(default_factory=dict)
    examples: RuleExamples
    references: tuple[str, ...] = ()
    fixes: dict[str, RuleFix] = Field(default_factory=dict)

    @property
    def default_params(self) -> dict[str, Any]:
        return {key: p.default for key, p in self.params.items()}

    @property
    def summary(self) -> str:
        """The first line of the rationale: one sentence on why it matters."""
        return self.rationale.strip().splitlines()[0]


class CatalogueError(Exception):
    """A rule file that cannot be used: the message names the file and what is wrong."""


def builtin_rules_dir() -> Path:
    """Where the shipped rule files are: inside the wheel, or ``rules/`` of a checkout."""
    packaged = resources.files("sidecar_lint") / "_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


def first_document(data: bytes) -> bytes:
    """The bytes of the first YAML document, cut before the line that starts the next.

    A ``---`` at column 0 followed by a blank, or ending the line, can only
    start a new document (a block scalar's lines are indented), so cutting
    there reads what a full parse would read as the first document, without
    decoding or scanning the cases that follow. Bytes, not text: in UTF-8 these
    ASCII bytes never occur inside another character, and the result cache
    hashes exactly what the catalogue reads. ``bytes.find``, not a regular
    expression: this runs on every start-up.
    """
    at = data.find(b"\n---")
    while at >= 0:
        if data[at + 4 : at + 5] in (b"", b" ", b"\t", b"\r", b"\n"):
            return data[: at + 1]
        at = data.find(b"\n---", at + 4)
    return data


def load_rule_file(path: Path) -> RuleMeta:
    """Read and validate one rule file's first document; every problem is a one-line error."""
    try:
        text = first_document(path.read_bytes()).decode("utf-8")
        if "\r" in text:  # what reading in text mode did: universal newlines
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        raw = _parse_yaml(text)
    except (OSError, yaml.YAMLError) as err:
        raise CatalogueError(f"{path}: cannot read rule file: {err}") from err
    try:
        rule = RuleMeta.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise CatalogueError(
            f"{path}: invalid rule file at {where}: {first['msg']} ({err.error_count()} error(s))"
        ) from err
    expected = f"{rule.code}-{rule.name}"
    if path.stem != expected:
        raise CatalogueError(f"{path}: file name must be {expected}.yaml")
    return rule


def bind_params(path: Path, rule: RuleMeta, builtin: bool) -> RuleMeta:
    """Match the file's ``params:`` with its check's params model and fill in defaults.

    The model is the one source of names, types and defaults. A file may not
    document a parameter the model lacks; a built-in file must document every
    one and must not write a default (it would be a second, drifting copy). A
    user rule may write ``default:`` to give a generic check its value, and must
    for a parameter the model requires. An unknown check is left to the engine,
    which reports it when the rule is activated.
    """
    from sidecar_lint.checks.registry import get_check  # imports the checks: only when needed

    spec = get_check(rule.check)
    if spec is None:
        return rule
    if spec.params is None:
        if rule.params and builtin:
            raise CatalogueError(
                f"{path}: check {rule.check!r} takes no parameters, but params: lists "
                f"{', '.join(rule.params)}"
            )
        return rule
    model = spec.params.__name__
    fields = param_fields(spec.params)
    for key in rule.params:
        if key not in fields:
            raise CatalogueError(
                f"{path}: parameter {key!r} is not a field of {model} (check {rule.check!r}); "
                f"its parameters: {', '.join(fields) or 'none'}"
            )
    if builtin:
        for key in fields:
            if key not in rule.params:
                raise CatalogueError(
                    f"{path}: parameter {key!r} of {model} (check {rule.check!r}) is not "
                    f"documented: add params.{key}.description"
                )
    bound: dict[str, RuleParam] = {}
    for key, param in rule.params.items():
        field = fields[key]
        if "default" in param.model_fields_set:
            if builtin:
                raise CatalogueError(
                    f"{path}: params.{key}.default: a built-in rule takes its defaults from "
                    f"{model}; drop the default from the rule file"
                )
            bound[key] = param
        elif field.is_required():
            raise CatalogueError(
                f"{path}: params.{key} needs a default: {model} (check {rule.check!r}) has none"
            )
        else:
            bound[key] = param.model_copy(update={"default": field_default(field)})
    return rule.model_copy(update={"params": bound})


def field_default(field: FieldInfo) -> Any:
    """A field's default, a factory's called (params models' factories take no arguments).

    Not ``FieldInfo.get_default``: it inspects the factory's signature each
    time, which costs more than the rest of the catalogue's parameter work.
    """
    if field.default_factory is None:
        return field.default
    factory = cast(Callable[[], Any], field.default_factory)
    return factory()


def param_fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A params model's fields by the name rule files and configuration use (the alias)."""
    return {(info.alias or name): info for name, info in model.model_fields.items()}


def _parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` with libyaml when it is there (start-up reads every rule file).

    The pure-Python parser stays the reference for errors: on a failure the
    text is read again with it, so the message is the same either way.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # CSafeLoader constructs no tags
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_rules(directories: Iterable[Path], builtin: bool = True) -> tuple[RuleMeta, ...]:
    """All rules of ``directories`` sorted by code; codes and names must be unique.

    Built-in rules use the ``SL`` prefix; user rule directories must not, so
    a later built-in rule can never collide with a team's own.
    """
    rules: list[RuleMeta] = []
    for directory in directories:
        if not directory.is_dir():
            raise CatalogueError(f"{directory}: rule directory not found")
        for path in sorted(directory.glob("*.yaml")):
            rule = load_rule_file(path)
            if rule.code.startswith("SL") != builtin:
                need = (
                    "must use the SL prefix" if builtin else "must not use the reserved SL prefix"
                )
                raise CatalogueError(f"{path}: rule code {rule.code} {need}")
            rules.append(bind_params(path, rule, builtin))
    seen: dict[str, str] = {}
    for rule in rules:
        for key in (rule.code, rule.name):
            if key in seen:
                raise CatalogueError(f"rule {rule.code}: {key!r} is already used by {seen[key]}")
            seen[key] = rule.code
    return tuple(sorted(rules, key=lambda r: r.code))


@cache
def builtin_rules() -> tuple[RuleMeta, ...]:
    """The shipped catalogue, read once per process."""
    return load_rules([builtin_rules_dir()])


def select_rules(
    rules: Sequence[RuleMeta], select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> list[RuleMeta]:
    """Apply ``--select``/``--ignore``: codes, names or code prefixes (``SL2``), ``ALL``."""
    chosen = [r for r in rules if not select or any(_matches(r, s) for s in select)]
    return [r for r in chosen if not any(_matches(r, s) for s in ignore)]


def unknown_selectors(rules: Sequence[RuleMeta], selectors: Sequence[str]) -> Iterator[str]:
    """Selectors that match no rule (a typo should be an error, not a silent no-op)."""
    for sel in selectors:
        if not any(_matches(r, sel) for r in rules):
            yield sel


def _matches(rule: RuleMeta, selector: str) -> bool:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    return rule.name == sel.lower() or (rule.code.startswith(sel.upper()) and len(sel) >= 2)


def find_rule(rules: Sequence[RuleMeta], key: str) -> RuleMeta | None:
    """A rule by exact code or name (for ``--explain``)."""
    for rule in rules:
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None
