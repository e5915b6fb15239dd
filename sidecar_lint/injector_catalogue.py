"""The sidecar injector catalogue: ``data/injectors.yaml``, validated when first loaded.

Each admission webhook that adds sidecars (Istio, Linkerd, Vault, Dapr, …) is
described there as data: how it is switched on, what it adds, when its
sidecar is native, which annotations set its resources, how a Job can stop
it. The pydantic models below are that file's schema; adding an injector is
adding an entry (and test cases), never code. :mod:`sidecar_lint.injectors`
applies the catalogue to pod templates.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

#: Schemas are built when the catalogue is first validated, not when this module is imported.
_MODEL = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

#: What Go's ``strconv.ParseBool`` accepts (Vault, Dapr and Consul read their switches so).
GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class Switch(BaseModel):
    """One label or annotation that turns injection on or off."""

    model_config = _MODEL

    scope: Literal["pod", "namespace"]
    metadata: Literal["labels", "annotations"]
    key: str
    on: list[str] | Literal["*"] = Field(default_factory=list)
    off: list[str] | Literal["*"] = Field(default_factory=list)
    neutral: list[str] = Field(default_factory=list)
    boolean: bool = False
    invalid: Literal["ignored", "off", "rejected"] = "ignored"

    def decide(self, value: str) -> Literal["on", "off", "neutral", "invalid"]:
        """What this switch does with ``value``."""
        if self.boolean:
            return "on" if value in GO_TRUE else "off" if value in GO_FALSE else "invalid"
        if value in self.neutral:
            return "neutral"
        if self.on != "*" and value in self.on:
            return "on"
        if self.off != "*" and value in self.off:
            return "off"
        if "*" in (self.on, self.off):  # the listed values of the other side are taken
            return "on" if self.on == "*" else "off"
        return "invalid"

    def accepted(self) -> list[str]:
        """The values this switch knows, for messages (empty: any value)."""
        if self.boolean:
            return ["true", "false"]
        if "*" in (self.on, self.off):
            return []
        return [*self.on, *self.neutral, *self.off]


class Marker(BaseModel):
    """Pod metadata that an injection leaves behind."""

    model_config = _MODEL

    metadata: Literal["labels", "annotations"]
    key: str
    values: list[str] | None = None  # None: any value


class Unless(BaseModel):
    """A pod annotation whose values leave a container out."""

    model_config = _MODEL

    key: str
    values: list[str]


class InjectedContainer(BaseModel):
    """A container an injector adds."""

    model_config = _MODEL

    name: str
    placement: Literal["init", "sidecar"] = Field(alias="list")
    native: bool = False  # becomes a native sidecar in native mode
    ports: list[int] = Field(default_factory=list)
    unless: list[Unless] = Field(default_factory=list)


class NativeAnnotation(BaseModel):
    """A per-pod annotation that asks for (or refuses) a native sidecar."""

    model_config = _MODEL

    key: str
    on: list[str]
    off: list[str]
    since: str | None = None


class Native(BaseModel):
    """When the injector's sidecar starts as a native sidecar."""

    model_config = _MODEL

    annotations: list[NativeAnnotation] = Field(default_factory=list)
    setting: str | None = None  # the mesh-wide setting, as its users know it
    setting_since: str | None = Field(default=None, alias="settingSince")
    default_from: str | None = Field(default=None, alias="defaultFrom")  # injector version
    default_needs_kubernetes: str = Field(default="1.29", alias="defaultNeedsKubernetes")


class ResourceAnnotation(BaseModel):
    """An annotation that sets one of the sidecar's requests or limits."""

    model_config = _MODEL

    key: str
    section: Literal["requests", "limits"]
    resource: Literal["cpu", "memory"]


class Resources(BaseModel):
    """How a pod sets the injected sidecar's resources."""

    model_config = _MODEL

    annotations: list[ResourceAnnotation]
    replaces_defaults: bool = Field(default=False, alias="replacesDefaults")
    shipped: dict[Literal["requests", "limits"], dict[Literal["cpu", "memory"], str]] = Field(
        default_factory=dict
    )


class Remedy(BaseModel):
    """One way to let a run-to-completion pod finish despite the sidecar."""

    model_config = _MODEL

    kind: Literal["native", "opt-out", "shutdown", "pre-populate"]
    text: str


class JobHandling(BaseModel):
    """What the injected sidecar does in a pod that should complete."""

    model_config = _MODEL

    stops_itself: bool = Field(default=False, alias="stopsItself")
    quit_call: str | None = Field(default=None, alias="quitCall")
    remedies: list[Remedy] = Field(default_factory=list)

    @field_validator("quit_call")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class Injector(BaseModel):
    """One injector of the catalogue."""

    model_config = _MODEL

    id: str
    title: str
    sources: list[HttpUrl] = Field(min_length=1)
    switches: list[Switch] = Field(min_length=1)
    self_enabling: bool = Field(default=True, alias="selfEnabling")
    host_network_skipped: bool = Field(default=False, alias="hostNetworkSkipped")
    ignored_namespaces: list[str] = Field(default_factory=list, alias="ignoredNamespaces")
    inherits_namespace_annotations: str | None = Field(
        default=None, alias="inheritsNamespaceAnnotations"
    )
    markers: list[Marker] = Field(default_factory=list)
    #: Injectors whose sidecar makes this one refuse the pod.
    conflicts_with: list[str] = Field(default_factory=list, alias="conflictsWith")
    containers: list[InjectedContainer] = Field(min_length=1)
    native: Native | None = None
    resources: Resources | None = None
    job: JobHandling = Field(default_factory=JobHandling)

    def pod_keys(self, metadata: str) -> set[str]:
        """Keys of the pod's ``metadata`` (labels/annotations) this injector reads."""
        keys = {s.key for s in self.switches if s.scope == "pod" and s.metadata == metadata}
        if metadata == "annotations":
            keys |= {a.key for a in (self.native.annotations if self.native else [])}
            keys |= {a.key for a in (self.resources.annotations if self.resources else [])}
            keys |= {u.key for c in self.containers for u in c.unless}
        keys |= {m.key for m in self.markers if m.metadata == metadata}
        return keys

    @property
    def sidecar(self) -> InjectedContainer | None:
        """The container that runs beside the app (the one a Job waits for)."""
        return next((c for c in self.containers if c.placement == "sidecar"), None)


class Catalogue(BaseModel):
    """The whole data file."""

    model_config = _MODEL

    injectors: list[Injector] = Field(min_length=1)

    @field_validator("injectors")
    @classmethod
    def _unique(cls, value: list[Injector]) -> list[Injector]:
        ids = [i.id for i in value]
        if len(ids) != len(set(ids)):
            raise ValueError("injector ids must be unique")
        unknown = {c for i in value for c in i.conflicts_with} - set(ids)
        if unknown:
            raise ValueError(f"conflictsWith names unknown injectors: {sorted(unknown)}")
        return value


@cache
def catalogue() -> tuple[Injector, ...]:
    """The injectors of ``data/injectors.yaml``, validated."""
    text = resources.files("sidecar_lint").joinpath("data/injectors.yaml").read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(Catalogue.model_validate(yaml.load(text, Loader=loader)).injectors)


def injector_ids() -> tuple[str, ...]:
    return tuple(i.id for i in catalogue())
