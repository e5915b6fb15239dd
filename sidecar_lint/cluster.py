"""What the cluster around a pod looks like, as far as the run's inputs and configuration say.

A pod is linted as it will run, and that depends on objects beside it: the
Namespace it lands in (whose labels switch sidecar injectors on), the
OpenKruise SidecarSets that select it, and the Services that route to it.
The run collects those objects from every input before linting
(:mod:`sidecar_lint.cluster_scan`) into one :class:`ClusterObjects`; the
configuration adds what manifests cannot show (:class:`ClusterSettings`:
namespaces defined elsewhere, which injectors are installed and how).
Together they are a :class:`ClusterContext`, which every workload view
carries, so a check reads ``workload.cluster``.

Everything here is plain, picklable data: worker processes receive it once,
and its :meth:`ClusterObjects.digest` is part of every cached result.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sidecar_lint.document import Document, Pointer

DEFAULT_NAMESPACE = "default"

#: Bytes that may introduce an object the cluster context collects (YAML or JSON, quoted or
#: not): a file without them holds no Namespace, Service or SidecarSet and is not read twice.
_KIND_PATTERN = r"""kind["']?\s*:\s*["']?(?:Namespace|Service|SidecarSet)\b"""
_KIND_BYTES = re.compile(_KIND_PATTERN.encode())
_KIND_TEXT = re.compile(_KIND_PATTERN)
_KIND_NO_SERVICE = re.compile(_KIND_PATTERN.replace("|Service|", "|").encode())


def kind_mentions(raw: bytes, services: bool = True) -> list[int]:
    """Byte offsets where ``raw`` may name the kind of a Namespace, Service or SidecarSet."""
    pattern = _KIND_BYTES if services else _KIND_NO_SERVICE
    return [m.start() for m in pattern.finditer(raw)]


def may_hold_cluster_objects(raw: bytes | str) -> bool:
    """Whether ``raw`` may define a Namespace, Service or SidecarSet (a cheap text test)."""
    if isinstance(raw, bytes):
        return _KIND_BYTES.search(raw) is not None
    return _KIND_TEXT.search(raw) is not None


@dataclass(frozen=True)
class Origin:
    """Where something is written: a file and a 1-based line (``ns.yaml:6``; 0: unknown)."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class NamespaceFacts:
    """A namespace's labels and annotations, and where each is written."""

    name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    origin: Origin  # the object (or configuration entry) itself
    #: ``("labels", key)`` / ``("annotations", key)`` → where that key is written.
    keys: Mapping[tuple[str, str], Origin] = field(default_factory=dict)
    configured: bool = False  # from the configuration, not a Namespace object

    def where(self, section: str, key: str) -> Origin:
        """Where ``section`` (labels or annotations) key ``key`` is written (else the object)."""
        return self.keys.get((section, key), self.origin)


@dataclass(frozen=True)
class ServicePort:
    """One port of a Service: what clients dial and where it goes in the pod."""

    port: int | None
    target_port: int | str | None  # a number, a container port's name, or None (= port)
    protocol: str
    name: str | None


@dataclass(frozen=True)
class ServiceFacts:
    """A Service: which pods it selects and the ports it forwards to them."""

    name: str
    namespace: str | None  # as written; None means the default namespace
    selector: Mapping[str, str]
    ports: tuple[ServicePort, ...]
    origin: Origin  # where the object starts
    type: str = "ClusterIP"


@dataclass(frozen=True)
class SidecarSetFacts:
    """An OpenKruise SidecarSet: whom it selects and what it injects (its spec as written)."""

    name: str
    spec: Mapping[str, Any]
    origin: Origin
    #: Pointer below ``spec`` (``("containers", 0)``) → where that entry is written.
    entries: Mapping[Pointer, Origin] = field(default_factory=dict)

    def where(self, *pointer: Any) -> Origin:
        """Where the entry at ``pointer`` below ``spec`` is written (else the object)."""
        return self.entries.get(tuple(pointer), self.origin)


@dataclass(frozen=True)
class ClusterObjects:
    """The Namespaces, Services and SidecarSets of a run, in input order."""

    namespaces: tuple[NamespaceFacts, ...] = ()
    services: tuple[ServiceFacts, ...] = ()
    sidecarsets: tuple[SidecarSetFacts, ...] = ()
    #: The files these were collected from, every one read whether it held any or not: the
    #: linter adds a file's own objects only when the file is not among them (standard input).
    sources: frozenset[str] = field(default=frozenset(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.namespaces or self.services or self.sidecarsets)

    def merged(self, other: ClusterObjects) -> ClusterObjects:
        """Both sets of objects, each once (an object is known by where it is written)."""
        if not other:
            return self
        if not self:
            return other

        def union(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
            seen = {x.origin for x in a}
            return (*a, *(x for x in b if x.origin not in seen))

        return ClusterObjects(
            union(self.namespaces, other.namespaces),
            union(self.services, other.services),
            union(self.sidecarsets, other.sidecarsets),
            self.sources | other.sources,
        )

    def digest(self) -> str:
        """A hash of everything collected: cached results are valid only under the same one."""
        if not self:
            return ""
        text = json.dumps(_plain(self), sort_keys=True, default=str)
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _plain(value: Any) -> Any:
    """Dataclasses, mappings and tuples as JSON-ready data (for the digest)."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__ if k != "sources"}
    if isinstance(value, Mapping):
        return sorted(([_plain(k), _plain(v)] for k, v in value.items()), key=str)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class InjectorSettings:
    """What the configuration says about one injector in the target cluster.

    ``None`` everywhere means "not said": the manifests decide (a pod that
    opts in counts as injected), and resource defaults are unknown.
    """

    installed: bool | None = None
    native_sidecars: bool | None = None
    version: str | None = None
    #: The injected sidecar's resources when no annotation sets them: ``{"requests":
    #: {"cpu": "100m"}, "limits": {...}}``; an empty mapping means none at all.
    resources: Mapping[str, Mapping[str, str]] | None = None
    origin: Origin | None = None  # where the configuration says this


@dataclass(frozen=True)
class ClusterSettings:
    """The ``cluster:`` section of a configuration: what manifests cannot show."""

    default_namespace: str = DEFAULT_NAMESPACE
    namespaces: tuple[NamespaceFacts, ...] = ()
    injectors: Mapping[str, InjectorSettings] = field(default_factory=dict)

    def injector(self, name: str) -> InjectorSettings:
        return self.injectors.get(name) or InjectorSettings()


@dataclass(frozen=True)
class ClusterContext:
    """The run's cluster objects together with the configuration's cluster settings."""

    objects: ClusterObjects = field(default_factory=ClusterObjects)
    settings: ClusterSettings = field(default_factory=ClusterSettings)

    def with_objects(self, objects: ClusterObjects) -> ClusterContext:
        """This context with ``objects`` added (a file's own, for standard input)."""
        merged = self.objects.merged(objects)
        return self if merged is self.objects else ClusterContext(merged, self.settings)

    def namespace_of(self, written: str | None) -> str:
        """The namespace an object lands in: its own, else the configured default."""
        return written or self.settings.default_namespace

    def namespace(self, name: str) -> NamespaceFacts | None:
        """A namespace's facts: from a Namespace object of the run, else the configuration."""
        for facts in self.objects.namespaces:
            if facts.name == name:
                return facts
        for facts in self.settings.namespaces:
            if facts.name == name:
                return facts
        return None

    def services_in(self, namespace: str) -> list[ServiceFacts]:
        """The Services of the run in ``namespace``."""
        return [s for s in self.objects.services if self.namespace_of(s.namespace) == namespace]


# --------------------------------------------------------------------------- collecting


def objects_in(
    documents: Iterable[Document],
    line_offset: int = 0,
    start_line: int | None = None,
    services: bool = True,
) -> ClusterObjects:
    """The Namespaces, Services and SidecarSets among ``documents``.

    ``documents`` may be read from a stretch of a file: ``line_offset`` is the
    number of lines before it, and ``start_line`` the file line where its one
    document starts (so a Service, which needs no other position, costs no
    positioning at all). ``services=False`` leaves Services out.
    """
    at = _Positions(line_offset, start_line)
    namespaces: list[NamespaceFacts] = []
    found_services: list[ServiceFacts] = []
    sidecarsets: list[SidecarSetFacts] = []
    for doc in documents:
        if not doc.is_kubernetes_object:
            continue
        ref = doc.ref
        group = ref.api_version.rpartition("/")[0]
        if ref.kind == "Namespace" and group == "" and ref.name:
            namespaces.append(_namespace(doc, ref.name, at))
        elif ref.kind == "Service" and group == "" and ref.name and services:
            found_services.append(_service(doc, ref.name, ref.namespace, at))
        elif ref.kind == "SidecarSet" and group == "apps.kruise.io" and ref.name:
            sidecarsets.append(_sidecarset(doc, ref.name, at))
    return ClusterObjects(tuple(namespaces), tuple(found_services), tuple(sidecarsets))


@dataclass(frozen=True)
class _Positions:
    line_offset: int
    start_line: int | None

    def __call__(self, doc: Document, pointer: Pointer, target: str = "value") -> Origin:
        span, _ = doc.locate(pointer, "key" if target == "key" else "value")
        return Origin(doc.source.path, span.start_line + self.line_offset)

    def start(self, doc: Document) -> Origin:
        """Where an object starts (known without positioning for a whole document)."""
        if self.start_line is not None and not doc.base:
            return Origin(doc.source.path, self.start_line)
        return self(doc, ())


def _strings(value: Any) -> dict[str, str]:
    """A label or annotation map's string entries (others are the validity rules' business)."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _namespace(doc: Document, name: str, at: _Positions) -> NamespaceFacts:
    meta = doc.data.get("metadata") or {}
    labels, annotations = _strings(meta.get("labels")), _strings(meta.get("annotations"))
    keys = {
        (section, key): at(doc, ("metadata", section, key), "key")
        for section, values in (("labels", labels), ("annotations", annotations))
        for key in values
    }
    # Kubernetes labels every namespace with its own name.
    labels.setdefault("kubernetes.io/metadata.name", name)
    return NamespaceFacts(name, labels, annotations, at(doc, ("metadata",), "key"), keys)


def _service(doc: Document, name: str, namespace: str | None, at: _Positions) -> ServiceFacts:
    spec = doc.data.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    ports: list[ServicePort] = []
    raw_ports = spec.get("ports")
    for entry in raw_ports if isinstance(raw_ports, list) else []:
        if not isinstance(entry, dict):
            continue
        port = entry.get("port")
        target = entry.get("targetPort")
        protocol = entry.get("protocol")
        port_name = entry.get("name")
        ports.append(
            ServicePort(
                port=port if isinstance(port, int) and not isinstance(port, bool) else None,
                target_port=target if isinstance(target, int | str) else None,
                protocol=protocol if isinstance(protocol, str) and protocol else "TCP",
                name=port_name if isinstance(port_name, str) else None,
            )
        )
    kind = spec.get("type")
    return ServiceFacts(
        name=name,
        namespace=namespace,
        selector=_strings(spec.get("selector")),
        ports=tuple(ports),
        origin=at.start(doc),
        type=kind if isinstance(kind, str) else "ClusterIP",
    )


def _sidecarset(doc: Document, name: str, at: _Positions) -> SidecarSetFacts:
    spec = doc.data.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    entries: dict[Pointer, Origin] = {}
    for list_key in ("containers", "initContainers", "volumes"):
        items = spec.get(list_key)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                entries[(list_key, i)] = at(doc, ("spec", list_key, i))
    return SidecarSetFacts(name, spec, at(doc, ("metadata",), "key"), entries)


# --------------------------------------------------------------------------- selectors


def selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool | None:
    """Whether a LabelSelector (``matchLabels``/``matchExpressions``) selects ``labels``.

    None for a selector that is not well formed (the validity rules report it).
    An empty selector selects everything, as the API defines it.
    """
    if selector is None:
        return True
    if not isinstance(selector, dict):
        return None
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return None
    for key, value in match_labels.items():
        if labels.get(key) != value:
            return False
    for expression in expressions:
        if not isinstance(expression, dict):
            return None
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        if not isinstance(key, str) or not isinstance(values, list):
            return None
        present = key in labels
        if operator == "In":
            ok = present and labels[key] in values
        elif operator == "NotIn":
            ok = not present or labels[key] not in values
        elif operator == "Exists":
            ok = present
        elif operator == "DoesNotExist":
            ok = not present
        else:
            return None
        if not ok:
            return False
    return True
