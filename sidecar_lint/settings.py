"""The effective settings of a run: configuration file merged with command-line flags.

Flags override the file; ``--exclude`` adds to the file's excludes and
``--feature-gates`` is merged over the file's ``featureGates`` gate by gate
(the way kube-apiserver merges repeated ``--feature-gates``). Every
problem — a bad key, an unknown rule, an invalid parameter — is reported as
one line naming the configuration file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from sidecar_lint.checks.registry import CheckOptions
from sidecar_lint.cluster import (
    DEFAULT_NAMESPACE,
    ClusterContext,
    ClusterSettings,
    InjectorSettings,
    NamespaceFacts,
    Origin,
)
from sidecar_lint.config import (
    ConfigError,
    ConfigFinder,
    LoadedConfig,
    Problem,
    RuleSettings,
    load_config,
    report,
    resolve_config,
)
from sidecar_lint.config_source import Locator
from sidecar_lint.document import Pointer
from sidecar_lint.engine import Linter, PathOverride, RuleTuning
from sidecar_lint.feature_gates import effective_gates, version_problem
from sidecar_lint.loading import DEFAULT_LIMITS, Limits
from sidecar_lint.model import WorkloadKind
from sidecar_lint.paths import matches_any
from sidecar_lint.roles import SidecarPatterns, classify_containers
from sidecar_lint.rule_catalogue import (
    CatalogueError,
    RuleMeta,
    builtin_rules,
    load_rules,
    select_rules,
    unknown_selectors,
)
from sidecar_lint.versions import DEFAULT_KUBERNETES_VERSION, KubeVersion, check_supported
from sidecar_lint.workload import BUILTIN_KINDS


@dataclass(frozen=True)
class FlagValues:
    """What the command line said; None / empty means "not given"."""

    kubernetes_version: str | None = None
    feature_gates: tuple[tuple[str, bool], ...] = ()  # parsed --feature-gates, in order
    fail_on: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    report_unused_ignores: bool = False
    limits: Limits = DEFAULT_LIMITS
    fix: bool | None = None
    unsafe_fixes: bool | None = None


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, resolved once."""

    loaded: LoadedConfig
    kubernetes_version: KubeVersion
    fail_on: str
    all_rules: tuple[RuleMeta, ...]
    active: tuple[RuleMeta, ...]
    excludes: tuple[str, ...]
    tuning: dict[str, RuleTuning] = field(default_factory=dict)
    overrides: tuple[PathOverride, ...] = ()
    kinds: tuple[WorkloadKind, ...] = BUILTIN_KINDS
    sidecars: SidecarPatterns = field(default_factory=SidecarPatterns)
    report_unused_ignores: bool = False
    limits: Limits = DEFAULT_LIMITS
    #: Gates set explicitly (file, then flags); the others take the version's default.
    feature_gates: Mapping[str, bool] = field(default_factory=dict)
    #: The configuration's ``cluster:`` section (namespaces elsewhere, injectors).
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    fix: bool = False  # apply fixes (safe ones; unsafe ones too with unsafe_fixes)
    unsafe_fixes: bool = False

    def effective_gates(self) -> dict[str, bool]:
        """Every gate of the target version with the value the rules use."""
        return effective_gates(self.kubernetes_version, self.feature_gates)

    def deprecations(self) -> list[str]:
        """One line per use of a deprecated setting (a rule's own ``featureGates``)."""
        uses = [f"rules.{code}" for code, t in self.tuning.items() if "featureGates" in t.params]
        uses += [
            f"overrides.{i}.rules.{code}"
            for i, o in enumerate(self.overrides)
            for code, t in o.rules.items()
            if "featureGates" in t.params
        ]
        return [
            f"{self._where()}: {use}.params.featureGates is deprecated: feature gates belong to "
            "the cluster, so set them once with the top-level featureGates (or --feature-gates)"
            for use in uses
        ]

    def linter(self) -> Linter:
        """A linter configured with these settings."""
        classifier = None
        if self.sidecars != SidecarPatterns():
            classifier = partial(classify_containers, extra=self.sidecars)
        options = CheckOptions(
            kubernetes_version=self.kubernetes_version,
            report_unused_ignores=self.report_unused_ignores,
            feature_gates=dict(self.feature_gates),
            # every rule a suppression may name, also one --select or ignore left out
            known_rules=tuple((r.code, r.name) for r in self.all_rules),
        )
        try:
            return Linter(
                self.active,
                options,
                kinds=self.kinds,
                classifier=classifier,
                tuning=self.tuning,
                overrides=self.overrides,
                cluster=ClusterContext(settings=self.cluster),
            )
        except CatalogueError as err:
            raise ConfigError(f"{self._where()}: {err}") from err

    def match_path(self, path: str) -> str:
        """A reported path as override globs see it: relative to the config's directory."""
        if self.loaded.path is None or path == "-":
            return path
        rel = os.path.relpath(os.path.abspath(path), self.loaded.base_dir.resolve())
        return Path(rel).as_posix()

    def _where(self) -> str:
        return self.loaded.name

    def describe(self) -> dict[str, Any]:
        """The effective configuration, for ``--show-config``."""
        return {
            "configFile": str(self.loaded.path) if self.loaded.path else None,
            "kubernetesVersion": str(self.kubernetes_version),
            "featureGates": self.effective_gates(),
            "failOn": self.fail_on,
            "rules": {
                r.code: {
                    "name": r.name,
                    "severity": (self.tuning.get(r.code) or RuleTuning()).severity
                    or r.severity.value,
                    "params": {
                        **r.default_params,
                        **dict((self.tuning.get(r.code) or RuleTuning()).params),
                    },
                }
                for r in self.active
            },
            "disabled": sorted(
                {r.code for r in self.all_rules} - {r.code for r in self.active}
                | {c for c, t in self.tuning.items() if t.severity == "off"}
            ),
            "exclude": list(self.excludes),
            "overrides": [
                {
                    "files": list(o.globs),
                    "select": list(o.select),
                    "ignore": list(o.ignore),
                    "rules": {c: _tuning_dict(t) for c, t in o.rules.items()},
                }
                for o in self.overrides
            ],
            "sidecars": {
                "names": list(self.sidecars.names),
                "images": list(self.sidecars.images),
                "never": list(self.sidecars.never),
            },
            "workloads": [
                {"group": k.group, "kind": k.kind, "podTemplate": k.template}
                for k in self.kinds
                if k not in BUILTIN_KINDS
            ],
            "ruleDirectories": [str(p) for p in self.loaded.rule_dirs()],
            "reportUnusedIgnores": self.report_unused_ignores,
            "cluster": _cluster_dict(self.cluster),
            "fix": self.fix,
            "unsafeFixes": self.unsafe_fixes,
            "limits": {
                "maxFileBytes": self.limits.max_file_bytes,
                "maxDocuments": self.limits.max_documents,
                "maxDepth": self.limits.max_depth,
            },
        }


def _cluster_dict(cluster: ClusterSettings) -> dict[str, Any]:
    return {
        "defaultNamespace": cluster.default_namespace,
        "namespaces": {
            ns.name: {"labels": dict(ns.labels), "annotations": dict(ns.annotations)}
            for ns in cluster.namespaces
        },
        "injectors": {
            name: {
                "installed": i.installed,
                "nativeSidecars": i.native_sidecars,
                "version": i.version,
                "resources": None
                if i.resources is None
                else {k: dict(v) for k, v in i.resources.items()} or "none",
            }
            for name, i in cluster.injectors.items()
        },
    }


def _cluster_settings(loaded: LoadedConfig) -> ClusterSettings:
    """The ``cluster:`` section as the model's records, each entry with its position."""
    cfg = loaded.config.cluster
    name = loaded.name
    locate = loaded.locate

    def origin(pointer: Pointer) -> Origin:
        position = locate.position(pointer) if locate is not None else None
        return Origin(name, position[0] if position else 0)

    namespaces = tuple(
        NamespaceFacts(
            ns,
            {"kubernetes.io/metadata.name": ns, **entry.labels},
            dict(entry.annotations),
            origin(("cluster", "namespaces", ns)),
            {
                (section, key): origin(("cluster", "namespaces", ns, section, key))
                for section, values in (
                    ("labels", entry.labels),
                    ("annotations", entry.annotations),
                )
                for key in values
            },
            configured=True,
        )
        for ns, entry in cfg.namespaces.items()
    )
    injectors = {
        key: InjectorSettings(
            installed=entry.installed,
            native_sidecars=entry.native_sidecars,
            version=entry.version,
            resources=None
            if entry.resources is None
            else {
                section: {str(k): v for k, v in values.items()}
                for section, values in (
                    ("requests", entry.resources.requests),
                    ("limits", entry.resources.limits),
                )
                if values
            },
            origin=origin(("cluster", "injectors", key)),
        )
        for key, entry in cfg.injectors.items()
    }
    return ClusterSettings(cfg.default_namespace or DEFAULT_NAMESPACE, namespaces, injectors)


def _tuning_dict(t: RuleTuning) -> dict[str, Any]:
    return {"severity": t.severity, "params": dict(t.params)}


def resolve_settings(loaded: LoadedConfig, flags: FlagValues) -> Settings:
    """Merge ``loaded`` (the configuration file, possibly empty) with ``flags``.

    Raises :class:`ConfigError` naming every problem found: the flags' first,
    then the file's in file order, each with its position.
    """
    cfg = loaded.config
    where = loaded.name
    flag_errors: list[str] = []
    problems: list[Problem] = []
    version_text = flags.kubernetes_version or cfg.kubernetes_version or DEFAULT_KUBERNETES_VERSION
    version: KubeVersion | None = None
    try:
        version = KubeVersion.parse(version_text)
        check_supported(version)
    except ValueError as err:
        if flags.kubernetes_version:
            flag_errors.append(f"--kubernetes-version: {err}")
        else:
            problems.append(loaded.problem(("kubernetesVersion",), str(err)))
        version = None
    gates = _feature_gates(loaded, flags, version, flag_errors, problems)
    extra: Sequence[RuleMeta] = ()
    rules_ok = True
    try:
        extra = load_rules(loaded.rule_dirs(), builtin=False) if cfg.rule_paths else ()
    except CatalogueError as err:
        problems.append(loaded.problem(("rulePaths",), str(err)))
        rules_ok = False
    all_rules = tuple(sorted((*builtin_rules(), *extra), key=lambda r: r.code))
    clash = _clash(all_rules)
    if clash is not None:
        problems.append(loaded.problem(("rulePaths",), clash))
        rules_ok = False
    select = list(flags.select) or list(cfg.select)
    ignore = list(flags.ignore) or list(cfg.ignore)
    for label, values, from_flag in (
        ("select", select, bool(flags.select)),
        ("ignore", ignore, bool(flags.ignore)),
    ):
        unknown = list(unknown_selectors(all_rules, values)) if rules_ok else []
        if not unknown:
            continue
        message = f"unknown rule selector(s): {', '.join(unknown)}"
        if from_flag:
            flag_errors.append(f"--{label}: {message}")
        else:
            problems.append(loaded.problem((label,), message))
    if rules_ok:
        problems += _tuning_problems(loaded, all_rules)
    if flag_errors or problems:
        raise ConfigError(*flag_errors, *report(where, problems))
    assert version is not None
    tuning = {k: RuleTuning(v.severity, dict(v.params)) for k, v in cfg.rules.items()}
    overrides = tuple(
        PathOverride(
            globs=tuple(o.files),
            select=tuple(o.select),
            ignore=tuple(o.ignore),
            rules={k: RuleTuning(v.severity, dict(v.params)) for k, v in o.rules.items()},
        )
        for o in cfg.overrides
    )
    kinds = tuple(
        WorkloadKind(
            group=w.api_version.rpartition("/")[0] if "/" in w.api_version else "",
            kind=w.kind,
            template=w.pod_template,
            completes=w.completes,
        )
        for w in cfg.workloads
    )
    return Settings(
        loaded=loaded,
        kubernetes_version=version,
        fail_on=flags.fail_on or cfg.fail_on or "warning",
        all_rules=all_rules,
        active=tuple(select_rules(all_rules, select, ignore)),
        excludes=(*cfg.exclude, *flags.exclude),
        tuning=tuning,
        overrides=overrides,
        kinds=(*kinds, *BUILTIN_KINDS),
        sidecars=SidecarPatterns(
            names=tuple(cfg.sidecars.names),
            images=tuple(cfg.sidecars.images),
            never=tuple(cfg.sidecars.never),
        ),
        report_unused_ignores=flags.report_unused_ignores,
        limits=flags.limits,
        feature_gates=gates,
        cluster=_cluster_settings(loaded),
        fix=_first_set(flags.fix, cfg.fix),
        unsafe_fixes=_first_set(flags.unsafe_fixes, cfg.unsafe_fixes),
    )


def _first_set(*values: bool | None) -> bool:
    """The first value given (a flag before the configuration file); False when none is."""
    return next((v for v in values if v is not None), False)


def _feature_gates(
    loaded: LoadedConfig,
    flags: FlagValues,
    version: KubeVersion | None,
    flag_errors: list[str],
    problems: list[Problem],
) -> dict[str, bool]:
    """The file's gates with the flags' on top; those the cluster would refuse are problems."""
    from_flags = dict(flags.feature_gates)
    gates = {**loaded.config.feature_gates, **from_flags}
    if version is None:  # already a problem of its own; the gates cannot be judged
        return gates
    for name, value in gates.items():
        problem = version_problem(name, value, version)
        if problem is None:
            continue
        if name in from_flags:
            flag_errors.append(f"--feature-gates: {problem}")
        else:
            problems.append(loaded.problem(("featureGates", name), problem))
    return gates


def _tuning_problems(loaded: LoadedConfig, rules: Sequence[RuleMeta]) -> list[Problem]:
    """Unknown rules and parameters, and invalid parameter values, in ``rules:`` tables.

    The linter checks the same when it is built, one problem at a time and
    without positions; checking here lists them all, each at its key.
    """
    from pydantic import ValidationError

    from sidecar_lint.checks.registry import get_check
    from sidecar_lint.config import problem_from
    from sidecar_lint.rule_catalogue import find_rule

    cfg = loaded.config
    tables: list[tuple[Pointer, Mapping[str, RuleSettings]]] = [(("rules",), cfg.rules)]
    tables += [(("overrides", i, "rules"), o.rules) for i, o in enumerate(cfg.overrides)]
    problems: list[Problem] = []
    for base, table in tables:
        for key, tune in table.items():
            rule = find_rule(rules, key) or find_rule(builtin_rules(), key)
            if rule is None:
                problems.append(loaded.problem((*base, key), f"no rule {key!r}; see --list-rules"))
                continue
            unknown = sorted(set(tune.params) - set(rule.params))
            if unknown:
                problems.append(
                    loaded.problem(
                        (*base, key, "params", unknown[0]),
                        f"unknown parameter(s) {', '.join(unknown)}; "
                        f"known: {', '.join(rule.params) or 'none'}",
                    )
                )
                continue
            spec = get_check(rule.check)
            if tune.severity == "off" or not tune.params or spec is None:
                continue  # a rule turned off is never built, so its parameters are not read
            try:
                spec.build_params({**rule.default_params, **tune.params})
            except ValidationError as err:
                locate = loaded.locate if loaded.locate is not None else Locator()
                problems += [problem_from(e, locate, (*base, key, "params")) for e in err.errors()]
    return problems


def _clash(rules: Sequence[RuleMeta]) -> str | None:
    """Two rules that share a code or a name, described; None when there are none."""
    seen: dict[str, str] = {}
    for rule in rules:
        for key in (rule.code, rule.name):
            if key in seen and seen[key] != rule.code:
                return f"rule {rule.code}: {key!r} is already used by {seen[key]}"
            seen[key] = rule.code
    return None


class SettingsResolver:
    """Which settings apply to each linted file (ruff's model).

    Without ``--config`` or ``--isolated``, a file takes the nearest
    configuration file from its own directory upwards (stopping at the
    repository root), merged with the flags; each configuration file is read
    and resolved once. ``root`` — the configuration found from the working
    directory, or the one ``--config`` names — also decides what is one
    decision for the whole run: ``failOn`` (the exit status), the ``exclude``
    globs of directory walks, and the Kubernetes version and feature gates
    that reports name in their header.
    """

    def __init__(
        self,
        explicit: str | None,
        isolated: bool,
        flags: FlagValues,
        cwd: Path | None = None,
    ) -> None:
        self.cwd = (cwd or Path.cwd()).resolve()
        self.flags = flags
        self.fixed = bool(explicit) or isolated
        self.root = resolve_settings(resolve_config(explicit, isolated, self.cwd), flags)
        self._finder = ConfigFinder()
        self._settings: dict[Path | None, Settings | ConfigError] = {
            self.root.loaded.path: self.root
        }

    def config_path(self, path: str) -> Path | None:
        """The configuration file that applies to ``path`` (``-`` is standard input)."""
        if self.fixed:
            return self.root.loaded.path
        if path == "-":
            start = self.cwd
        else:
            target = self.cwd / path
            start = target if target.is_dir() else target.parent
        return self._finder.nearest(start)

    def for_path(self, path: str) -> Settings:
        """The settings for ``path``; raises :class:`ConfigError` if its configuration is bad."""
        config = self.config_path(path)
        known = self._settings.get(config)
        if known is None:
            try:
                loaded = load_config(config) if config is not None else LoadedConfig()
                known = replace(resolve_settings(loaded, self.flags), fail_on=self.root.fail_on)
            except ConfigError as err:
                known = err
            self._settings[config] = known
        if isinstance(known, ConfigError):
            raise known
        return known

    def nested_notes(self) -> list[str]:
        """Warnings about the configurations read besides the root's (whose are shown first).

        Their deprecated settings, and run-wide keys that have no effect there.
        """
        notes: list[str] = []
        for path, settings in self._settings.items():
            if path == self.root.loaded.path or not isinstance(settings, Settings):
                continue
            notes += settings.deprecations()
            if settings.loaded.config.fail_on is not None:
                notes.append(
                    f"{settings.loaded.where(('failOn',))}: failOn has no effect here: the exit "
                    "status is decided once per run, by the configuration of the working "
                    f"directory ({self.root.loaded.path or 'none'})"
                )
            config = settings.loaded.config
            for key, value in (("fix", config.fix), ("unsafeFixes", config.unsafe_fixes)):
                if value is not None:
                    notes.append(
                        f"{settings.loaded.where((key,))}: {key} has no effect here: whether to "
                        "fix is decided once per run, by the configuration of the working "
                        f"directory ({self.root.loaded.path or 'none'})"
                    )
        return notes

    def excluded(self, path: str) -> bool:
        """Whether a file a walk found is excluded by a nested configuration's ``exclude``.

        The root configuration's globs (and ``--exclude``) already pruned the
        walk; a nested file's globs are relative to its own directory.
        """
        settings = self.for_path(path)
        if settings is self.root or settings.loaded.path is None:
            return False
        return matches_any(settings.match_path(path), settings.loaded.config.exclude)
