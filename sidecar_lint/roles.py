"""Give every container a role, with the evidence behind it.

Init, native-sidecar and ephemeral roles follow from where a container is
listed. Inside ``containers[]`` the main container is decided by, in order:

1. the ``kubectl.kubernetes.io/default-container`` annotation;
2. being the only container;
3. a name or image that matches the workload's name or ``app`` label
   (unless the name is one a mesh injector adds, such as ``istio-proxy``);
4. being the only container with no sidecar evidence.

Custom resources may decide a role by definition instead (see
:class:`~sidecar_lint.model.ContainerList`): Argo's ``container`` and Tekton's
``steps`` are main, their ``sidecars`` are sidecars; an operator's main
container is known by name (ECK's ``elasticsearch``), and then no other
container is ever elected main by position or elimination.

Sidecar evidence, strongest first: a catalogued image or name, a sidecar-ish
name pattern, a command that never exits; a reverse proxy image (nginx)
counts only next to a main container. When nothing decides, the role is
``unknown`` — rules prefer silence to a false alarm.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sidecar_lint import known_sidecars
from sidecar_lint.document import Pointer
from sidecar_lint.model import (
    DEFAULT_CONTAINER_ANNOTATION,
    ContainerList,
    ContainerView,
    Role,
    Workload,
    raw_containers,
)

STRONG, MEDIUM, WEAK = 3, 2, 1

IDENTITY_LABELS = ("app.kubernetes.io/name", "app", "k8s-app", "name")


@dataclass(frozen=True)
class Evidence:
    """One reason to believe a container is a sidecar."""

    strength: int
    reason: str
    kind: str | None = None
    title: str | None = None
    source: str = "catalogue"  # "catalogue", "configured", "name", "command", "image"

    @property
    def decisive(self) -> bool:
        """Evidence strong enough to let the one remaining container be main by elimination.

        A name pattern alone (``api-gateway-proxy``) is not: such a container
        may well be the application, and its neighbour a datastore.
        """
        return self.strength >= STRONG or self.source == "command"


@dataclass(frozen=True)
class SidecarPatterns:
    """User-supplied patterns (configuration): more sidecars, and names that never are."""

    names: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    never: tuple[str, ...] = ()


def sidecar_evidence(
    spec: Mapping[str, Any], extra: SidecarPatterns = SidecarPatterns()
) -> list[Evidence]:
    """All the sidecar evidence one container shows, strongest first."""
    from fnmatch import fnmatchcase

    name = spec.get("name") if isinstance(spec.get("name"), str) else ""
    image = spec.get("image") if isinstance(spec.get("image"), str) else ""
    assert isinstance(name, str) and isinstance(image, str)
    if name and any(fnmatchcase(name.lower(), p.lower()) for p in extra.never):
        return []
    found: list[Evidence] = []
    if image:
        hit = known_sidecars.known_by_image(image)
        if hit is not None:
            entry, pattern = hit
            found.append(
                Evidence(
                    STRONG, f"image matches {entry.title} ('{pattern}')", entry.kind, entry.title
                )
            )
        repo = known_sidecars.image_repository(image)
        for pattern in extra.images:
            if known_sidecars.image_matches(repo, pattern.lower()):
                found.append(
                    Evidence(
                        STRONG, f"image matches configured sidecar '{pattern}'", source="configured"
                    )
                )
    if name:
        known = known_sidecars.known_by_name(name)
        if known is not None:
            found.append(
                Evidence(
                    STRONG, f"name is a known sidecar ({known.title})", known.kind, known.title
                )
            )
        for pattern in extra.names:
            if fnmatchcase(name.lower(), pattern.lower()):
                found.append(
                    Evidence(
                        STRONG, f"name matches configured sidecar '{pattern}'", source="configured"
                    )
                )
        matched = known_sidecars.name_pattern(name)
        if matched is not None:
            found.append(
                Evidence(MEDIUM, f"name matches '{matched[0]}'", matched[1], source="name")
            )
    line = command_line(spec)
    if line:
        forever = known_sidecars.runs_forever(line)
        if forever is not None:
            found.append(Evidence(MEDIUM, f"command {forever[0]}", forever[1], source="command"))
    if image and known_sidecars.is_reverse_proxy_image(image):
        found.append(
            Evidence(
                WEAK, "reverse-proxy image next to an application", "network-proxy", source="image"
            )
        )
    found.sort(key=lambda e: -e.strength)
    return found


def command_line(spec: Mapping[str, Any]) -> str:
    """``command`` and ``args`` joined as one shell-ish line (for pattern checks)."""
    words: list[str] = []
    for key in ("command", "args"):
        value = spec.get(key)
        if isinstance(value, list):
            words.extend(str(v) for v in value if isinstance(v, (str, int, float)))
        elif isinstance(value, str):
            words.append(value)
    return " ".join(words)


def identity_names(workload: Workload) -> list[str]:
    """Names that identify the application: object name and ``app``-style labels."""
    names: list[str] = []
    if workload.ref.name:
        names.append(workload.ref.name.lower())
    for meta in (workload.metadata, _object_metadata(workload)):
        labels = meta.get("labels")
        if isinstance(labels, dict):
            for key in IDENTITY_LABELS:
                value = labels.get(key)
                if isinstance(value, str) and value:
                    names.append(value.lower())
    return list(dict.fromkeys(names))


def _object_metadata(workload: Workload) -> Mapping[str, Any]:
    data = workload.document.data
    meta = data.get("metadata") if isinstance(data, dict) else None
    return meta if isinstance(meta, dict) else {}


def identity_match(spec: Mapping[str, Any], identities: Sequence[str]) -> str | None:
    """Why a container looks like the application itself, if it does."""
    name = spec.get("name")
    image = spec.get("image")
    candidates: list[tuple[str, str]] = []
    if isinstance(name, str) and name:
        candidates.append(("name", name.lower()))
    if isinstance(image, str) and image:
        candidates.append(("image", known_sidecars.image_repository(image).rsplit("/", 1)[-1]))
    for what, value in candidates:
        for ident in identities:
            if value == ident or ident.startswith(value + "-") or ident.endswith("-" + value):
                return f"{what} '{value}' matches the workload's name or app label '{ident}'"
    return None


@dataclass(frozen=True)
class _Entry:
    """One well-formed container entry, wherever the kind keeps it."""

    index: int  # position in the pod list it lands in
    spec: dict[str, Any]
    pointer: Pointer
    source: ContainerList

    @property
    def name(self) -> str | None:
        """The name the container has in the pod (the controller's, where it imposes one)."""
        if self.source.name is not None:
            return self.source.name
        value = self.spec.get("name")
        return value if isinstance(value, str) else None


def _entries(workload: Workload, pod_list: str) -> list[_Entry]:
    """Every entry that lands in ``pod_list``, in the order the pod gets them."""
    out: list[_Entry] = []
    for source in workload.kind.lists:
        if source.pod_list != pod_list:
            continue
        keys = tuple(source.path.split("."))
        node: Any = workload.spec
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        base = workload.spec_at(*keys)
        if source.single:
            if isinstance(node, dict):
                out.append(_Entry(len(out), node, base, source))
            continue
        for i, c in raw_containers({"items": node}, "items"):
            out.append(_Entry(len(out), c, (*base, i), source))
    return out


def classify_containers(
    workload: Workload, extra: SidecarPatterns = SidecarPatterns()
) -> Iterator[ContainerView]:
    """Assign a role to every container of ``workload``, in list order."""
    for entry in _entries(workload, "initContainers"):
        c = entry.spec
        evidence = sidecar_evidence(c, extra)
        kind, title = _category(evidence)
        if c.get("restartPolicy") == "Always":
            yield _view(
                entry,
                "initContainers",
                Role.NATIVE_SIDECAR,
                ("initContainers entry with restartPolicy: Always",),
                kind,
                title,
            )
        else:
            yield _view(
                entry,
                "initContainers",
                Role.INIT,
                (
                    "initContainers entry without restartPolicy: Always: runs to completion "
                    "before the app starts",
                ),
                None,
                None,
            )
    yield from _classify_regular(workload, extra)
    for entry in _entries(workload, "ephemeralContainers"):
        yield _view(
            entry,
            "ephemeralContainers",
            Role.EPHEMERAL,
            ("ephemeralContainers entry (debugging)",),
            None,
            None,
        )


def _defined_role(workload: Workload, entry: _Entry) -> tuple[Role, str] | None:
    """The role a container has by definition of its resource, with the evidence."""
    kind = workload.kind
    if entry.source.role is not None:
        return entry.source.role, entry.source.why
    if entry.name in kind.main_names:
        return Role.MAIN, f"the {kind.kind} operator's main container '{entry.name}'"
    if entry.name in kind.patched_names:
        return (
            Role.SIDECAR,
            f"the {kind.kind} operator generates '{entry.name}' next to its main container; "
            "this entry patches it",
        )
    return None


def _classify_regular(workload: Workload, extra: SidecarPatterns) -> Iterator[ContainerView]:
    listed = _entries(workload, "containers")
    evidence = {e.index: sidecar_evidence(e.spec, extra) for e in listed}
    if workload.kind.injects_sidecars:
        for e in listed:
            kind, title = _category(evidence[e.index])
            reason = f"{workload.ref.kind} containers are injected into other pods as sidecars"
            yield _view(e, "containers", Role.SIDECAR, (reason,), kind, title)
        return
    defined = {e.index: d for e in listed if (d := _defined_role(workload, e)) is not None}
    entries = [(e.index, e.spec) for e in listed if e.index not in defined]
    main: int | None = None
    main_reason = ""
    # The resource names its main container (or the operator always adds one): the rest
    # are judged next to it, never elected main by position or elimination.
    main_known = bool(workload.kind.main_names) or any(
        role is Role.MAIN for role, _ in defined.values()
    )
    names = {c.get("name"): i for i, c in entries if isinstance(c.get("name"), str)}
    annotated = workload.annotations.get(DEFAULT_CONTAINER_ANNOTATION)
    if main_known or not entries:
        pass
    elif isinstance(annotated, str) and annotated in names:
        main, main_reason = (
            names[annotated],
            f"named by the {DEFAULT_CONTAINER_ANNOTATION} annotation",
        )
    elif len(entries) == 1:
        main, main_reason = entries[0][0], "the only entry in containers[]"
    else:
        identities = identity_names(workload)
        matched = []
        for i, c in entries:
            why = identity_match(c, identities)
            if why and not _is_injected(c):
                matched.append((i, why))
        if len(matched) == 1:
            main, main_reason = matched[0]
        else:
            main, main_reason = _by_elimination(entries, evidence)
    for e in listed:
        i = e.index
        found = evidence[i]
        kind, title = _category(found)
        if i in defined:
            role, why = defined[i]
            if role is Role.MAIN:
                kind, title = None, None
            yield _view(e, "containers", role, (why,), kind, title)
            continue
        if i == main:
            yield _view(e, "containers", Role.MAIN, (main_reason,), None, None)
            continue
        # Next to a known main any evidence counts; without one only decisive evidence.
        usable = [ev for ev in found if main is not None or main_known or ev.decisive]
        if usable:
            yield _view(
                e,
                "containers",
                Role.SIDECAR,
                tuple(ev.reason for ev in usable),
                kind,
                title,
            )
        else:
            why = (
                "no sidecar evidence, and another container is main"
                if main is not None or main_known
                else "the evidence does not decide between main and sidecar"
            )
            yield _view(e, "containers", Role.UNKNOWN, (why,), None, None)


def _by_elimination(
    entries: list[tuple[int, dict[str, Any]]], evidence: dict[int, list[Evidence]]
) -> tuple[int | None, str]:
    """The one container left when every other is decisively a sidecar.

    First: the only container with no sidecar evidence, when all others show
    decisive evidence (a catalogued sidecar, or a command that never exits).
    Then: the only container without catalogued evidence, when all others are
    catalogued — so an app whose loop looks endless still beats a Fluentd agent.
    """

    def decisive(i: int) -> bool:
        return any(e.decisive for e in evidence[i])

    def catalogued(i: int) -> bool:
        return any(e.strength >= STRONG for e in evidence[i])

    plain = [i for i, _ in entries if not any(e.strength >= MEDIUM for e in evidence[i])]
    if len(plain) == 1 and all(decisive(i) for i, _ in entries if i != plain[0]):
        return plain[0], "the only entry in containers[] with no sidecar evidence"
    uncatalogued = [i for i, _ in entries if not catalogued(i)]
    if len(uncatalogued) == 1 and len(entries) > 1:
        return (
            uncatalogued[0],
            "the only entry in containers[] that is not a known sidecar; every other one is",
        )
    return None, ""


def _is_injected(spec: Mapping[str, Any]) -> bool:
    name = spec.get("name")
    entry = known_sidecars.known_by_name(name) if isinstance(name, str) else None
    return bool(entry and entry.injected)


def _category(evidence: list[Evidence]) -> tuple[str | None, str | None]:
    kind = next((e.kind for e in evidence if e.kind), None)
    title = next((e.title for e in evidence if e.title), None)
    return kind, title


def _view(
    entry: _Entry,
    list_key: str,
    role: Role,
    reasons: tuple[str, ...],
    kind: str | None,
    title: str | None,
) -> ContainerView:
    return ContainerView(
        name=entry.name or "",
        list_key=list_key,
        index=entry.index,
        pointer=entry.pointer,
        spec=entry.spec,
        role=role,
        reasons=reasons,
        sidecar_kind=kind,
        sidecar_title=title,
    )
