"""The records checks work with: workloads, their containers and roles, and violations.

These are plain data, shared by the modules that build them
(:mod:`sidecar_lint.workload` finds pod templates, :mod:`sidecar_lint.roles`
classifies containers), the checks that read them, and the engine that turns
violations into findings. Keeping them here, with no behaviour beyond simple
accessors, lets each of those import the records without importing the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any, Literal

from sidecar_lint.cluster import ClusterContext, InjectorSettings, Origin, SidecarSetFacts
from sidecar_lint.document import Document, ObjectRef, Pointer, Span, Target
from sidecar_lint.findings import Fix, Severity
from sidecar_lint.fix_intents import FixIntent

if TYPE_CHECKING:  # loaded with the first pod an injector may act on, not at start-up
    from sidecar_lint.injector_catalogue import Injector

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


class Role(str, Enum):
    """What a container is for, as far as the manifest shows."""

    MAIN = "main"
    SIDECAR = "sidecar"
    NATIVE_SIDECAR = "native-sidecar"
    INIT = "init"
    EPHEMERAL = "ephemeral"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Weight(IntEnum):
    """How much one piece of role evidence counts; heavier evidence wins a disagreement.

    A catalogued image says most about what a container runs; an explicit
    annotation (or the user's configuration) what its owner means; a command
    what it does; a name only what someone called it. ``INFERRED`` marks a
    conclusion drawn from the other containers, ``DEFINITION`` a role fixed by
    where the container is listed.
    """

    INFERRED = 0
    NAME = 1
    COMMAND = 2
    ANNOTATION = 3
    IMAGE = 4
    DEFINITION = 5

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Evidence:
    """One reason for a container's role: what was seen, how much it weighs, what it suggests.

    ``source`` says where it was seen (``image``, ``configured``, ``annotation``,
    ``command``, ``loop``, ``name``, ``proxy-image``, ``identity``, ``position``,
    ``definition``, ``elimination``); ``kind`` and ``title`` are the catalogue
    category and entry it points to, if any.
    """

    weight: Weight
    reason: str
    source: str
    suggests: Role = Role.SIDECAR
    kind: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class ContainerList:
    """One place a custom resource keeps containers, below its pod-spec root.

    ``path`` is a dotted key path (``sidecars``, ``template.spec.containers``)
    and ``pod_list`` the pod list its entries end up in. ``single`` marks one
    container object rather than a list (Argo's ``container``). ``role``, when
    set, is every entry's role by definition of the resource, ``why`` the
    evidence shown for it; ``stopped`` marks sidecars the controller itself
    stops once the main work is done (Argo Workflows, Tekton), which therefore
    never hold a run-to-completion pod open. ``name`` is the name the
    controller gives the container whatever the manifest says (Argo's ``main``).
    """

    path: str
    pod_list: str = "containers"
    single: bool = False
    role: Role | None = None
    why: str = ""
    stopped: bool = False
    name: str | None = None


#: The lists of a plain PodSpec, in the order the API validates them.
POD_SPEC_LISTS: tuple[ContainerList, ...] = (
    ContainerList("initContainers", "initContainers"),
    ContainerList("containers"),
    ContainerList("ephemeralContainers", "ephemeralContainers"),
)


@dataclass(frozen=True)
class WorkloadKind:
    """Where one kind keeps its pod template.

    ``template`` is a JSONPath to the pod template (an object with
    ``metadata`` and ``spec``); ``$`` means the object is itself the pod.
    ``completes`` says whether its pods run to completion (Jobs) — ``None``
    means "decide from the pod's ``restartPolicy``" (bare Pods).
    ``extra_spec_fields`` are keys a kind adds to its pod spec (Knative), and
    ``extra_container_fields`` keys it adds to each container (SidecarSet).
    ``injects_sidecars`` marks kinds whose containers are injected into other
    pods, so every regular container of theirs is a sidecar.

    Custom resources that are not plain pod templates add: ``also``, more
    template paths (``long_running`` among them: pods the controller removes
    itself, which never need to complete, such as Spark executors);
    ``pod_spec``, when a path selects the pod spec itself (no
    ``metadata``/``spec`` wrapper: KServe components, Argo templates, Tekton
    TaskSpecs); ``containers``, the lists that hold containers when they are
    not the PodSpec's own; ``main_names``, the operator's main containers,
    which every pod has whether or not the manifest lists them (an entry by
    that name is merged onto the generated one); ``patched_names``, other
    generated containers an entry patches by name (such an entry is partial:
    missing fields are the operator's); and ``unjudged``, the checks that need
    something the manifest does not hold for this kind (the whole pod, the
    Kubernetes schema of its fields) and so never run on it.
    """

    group: str
    kind: str
    template: str
    completes: bool | None = False
    extra_spec_fields: frozenset[str] = frozenset()
    extra_container_fields: frozenset[str] = frozenset()
    injects_sidecars: bool = False
    also: tuple[str, ...] = ()
    long_running: tuple[str, ...] = ()
    pod_spec: bool = False
    containers: tuple[ContainerList, ...] = ()
    main_names: frozenset[str] = frozenset()
    patched_names: frozenset[str] = frozenset()
    unjudged: frozenset[str] = frozenset()

    def matches(self, api_version: str) -> bool:
        """Match on API group only: every version of a kind keeps its template alike."""
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        return self.group == "*" or group == self.group

    @property
    def templates(self) -> tuple[str, ...]:
        """Every JSONPath that selects a pod template of this kind."""
        return (self.template, *self.also)

    @property
    def lists(self) -> tuple[ContainerList, ...]:
        """Where this kind keeps containers (a PodSpec's own lists unless it says otherwise)."""
        return self.containers or POD_SPEC_LISTS


@dataclass(frozen=True)
class ContainerView:
    """One container of a pod template, with its role and the reasons for it."""

    name: str
    list_key: str
    index: int
    pointer: Pointer  # absolute, from the document root
    spec: Mapping[str, Any]
    role: Role
    reasons: tuple[str, ...]
    sidecar_kind: str | None = None  # catalogue category, e.g. "log-shipper"
    sidecar_title: str | None = None  # e.g. "Istio proxy"
    #: Every piece of evidence weighed for the role, heaviest first (``reasons`` are the used ones).
    evidence: tuple[Evidence, ...] = ()

    @property
    def is_sidecar(self) -> bool:
        """Legacy (regular-container) or native sidecar."""
        return self.role in (Role.SIDECAR, Role.NATIVE_SIDECAR)

    @property
    def image(self) -> str | None:
        image = self.spec.get("image")
        return image if isinstance(image, str) else None

    def at(self, *rest: Any) -> Pointer:
        """A pointer below this container, e.g. ``c.at("resources", "limits")``."""
        return (*self.pointer, *rest)

    def label(self) -> str:
        """``'istio-proxy'`` or ``initContainers[2]`` when the name is missing."""
        return f"'{self.name}'" if self.name else f"{self.list_key}[{self.index}]"


@dataclass(frozen=True)
class Cause:
    """What turned an injector on (or off) for a pod, and where it is written.

    ``pointer`` is set when it is in the pod's own document (a label or
    annotation of the pod template); ``origin`` when it is elsewhere (a
    Namespace object, the configuration).
    """

    scope: Literal["pod", "namespace", "configuration"]
    metadata: str
    key: str
    value: str
    pointer: Pointer | None = None
    origin: Origin | None = None
    namespace: str | None = None

    def describe(self) -> str:
        """``label sidecar.istio.io/inject: "true" on the pod template`` and the like."""
        kind = self.metadata.removesuffix("s")
        if self.scope == "pod":
            return f'{kind} {self.key}: "{self.value}" on the pod template'
        where = f" at {self.origin}" if self.origin and self.origin.line else ""
        source = " (configuration)" if self.scope == "configuration" else ""
        return f"namespace {self.namespace}{source} has {kind} {self.key}={self.value}{where}"


@dataclass(frozen=True)
class Injection:
    """One injector acting on one pod: why, how, and what it adds."""

    injector: Injector
    cause: Cause
    already: bool  # the manifest was already injected: nothing more is added
    native: bool
    native_why: str
    containers: tuple[ContainerView, ...]  # predicted (empty when already injected)
    settings: InjectorSettings
    #: The sidecar's resources as the pod's annotations and the configuration set them:
    #: ``(section, resource)`` → the annotation's pointer (None: a configured default).
    #: ``resources_known`` is False when the injector's defaults decide what is missing.
    resource_sources: Mapping[tuple[str, str], Pointer | None] = field(default_factory=dict)
    resources_known: bool = False

    @property
    def from_pod(self) -> bool:
        return self.cause.scope == "pod"


@dataclass(frozen=True)
class SidecarSetInjection:
    """An OpenKruise SidecarSet of the run that selects this pod, and what it adds.

    ``containers`` are the SidecarSet's entries as the pod will hold them (init containers
    first); ``volumes`` the SidecarSet volumes its containers mount.
    """

    sidecarset: SidecarSetFacts
    containers: tuple[ContainerView, ...]
    volumes: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Workload:
    """A pod template seen through one object, with every container classified."""

    document: Document
    kind: WorkloadKind
    template_pointer: Pointer
    spec_pointer: Pointer
    spec: Mapping[str, Any]
    metadata: Mapping[str, Any]
    containers: tuple[ContainerView, ...] = field(default_factory=tuple)
    #: The cluster around the pod: Namespaces, Services and SidecarSets of the run, and the
    #: configuration's cluster settings.
    cluster: ClusterContext = field(default_factory=ClusterContext, compare=False, repr=False)
    #: The sidecar injectors that act on the pods (see :mod:`sidecar_lint.injectors`).
    injections: tuple[Injection, ...] = field(default=(), compare=False, repr=False)
    #: The run's OpenKruise SidecarSets that select the pods (see :mod:`sidecar_lint.sidecarsets`).
    sidecarsets: tuple[SidecarSetInjection, ...] = field(default=(), compare=False, repr=False)

    @property
    def ref(self) -> ObjectRef:
        return self.document.ref

    @property
    def annotations(self) -> Mapping[str, Any]:
        """The pod's annotations (the template's, which is what the pods get)."""
        value = self.metadata.get("annotations")
        return value if isinstance(value, dict) else {}

    @property
    def runs_to_completion(self) -> bool:
        """Jobs always do; a bare Pod does when its ``restartPolicy`` is Never/OnFailure."""
        if self.kind.completes is not None:
            return self.kind.completes
        return self.spec.get("restartPolicy") in ("Never", "OnFailure")

    def by_role(self, *roles: Role) -> list[ContainerView]:
        return [c for c in self.containers if c.role in roles]

    def in_list(self, list_key: str) -> list[ContainerView]:
        return [c for c in self.containers if c.list_key == list_key]

    @property
    def mains(self) -> list[ContainerView]:
        return self.by_role(Role.MAIN)

    @property
    def sidecars(self) -> list[ContainerView]:
        return self.by_role(Role.SIDECAR, Role.NATIVE_SIDECAR)

    def spec_at(self, *rest: Any) -> Pointer:
        """A pointer below the pod spec."""
        return (*self.spec_pointer, *rest)

    @property
    def injected(self) -> list[ContainerView]:
        """The containers the injectors will add (never those already in the manifest)."""
        return [c for i in self.injections for c in i.containers]

    @property
    def namespace(self) -> str:
        """The namespace the pods land in: the object's own, else the configured default."""
        return self.cluster.namespace_of(self.ref.namespace)


#: Assigns roles to the containers of a workload (see :mod:`sidecar_lint.roles`).
Classifier = Callable[[Workload], Iterable[ContainerView]]


def raw_containers(spec: Mapping[str, Any], list_key: str) -> list[tuple[int, dict[str, Any]]]:
    """The well-formed entries of one container list (wrong types are skipped here
    and reported by the validity rules, never crash a check)."""
    items = spec.get(list_key)
    if not isinstance(items, list):
        return []
    return [(i, c) for i, c in enumerate(items) if isinstance(c, dict)]


@dataclass(frozen=True)
class Violation:
    """What a check reports: a message and where, by pointer or (rarely) by span.

    Checks never compute positions; the engine resolves ``pointer`` against
    the document's span table. ``span`` is only for problems that have no
    node to point at (a parse error).
    """

    message: str
    pointer: Pointer | None = None
    target: Target = "value"
    container: ContainerView | None = None
    span: Span | None = None
    document: Document | None = None
    fix: Fix | None = None
    severity: Severity | None = None  # this finding's own severity, when it differs
    #: The fix, said structurally; the engine makes it text edits (``fix`` stays for
    #: violations that carry ready edits).
    intent: FixIntent | None = None
