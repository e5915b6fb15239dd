"""Give every container a role, with the evidence behind it and what each piece weighs.

Init, native-sidecar and ephemeral roles follow from where a container is
listed. Inside ``containers[]`` the main container is decided by, in order:

1. the ``kubectl.kubernetes.io/default-container`` annotation (unless it names
   a catalogued sidecar image while another container is not one: the image
   weighs more);
2. being the only container;
3. a name (or port name, or an image no other container runs) that matches
   the workload's name or ``app`` label, unless the name is one a mesh
   injector adds, such as ``istio-proxy``;
4. elimination: the containers left with no sidecar evidence when every other
   one shows decisive evidence (several main containers are possible).

Custom resources may decide a role by definition instead (see
:class:`~sidecar_lint.model.ContainerList`): Argo's ``container`` and Tekton's
``steps`` are main, their ``sidecars`` are sidecars; an operator's main
container is known by name (ECK's ``elasticsearch``), and then no other
container is ever elected main by position or elimination.

Sidecar evidence, by weight (:class:`~sidecar_lint.model.Weight`): a catalogued
image, then the user's configuration, then a command that ships, proxies,
watches or syncs, then a name. A command that merely never exits (``while
true``, ``sleep infinity``) and a reverse-proxy image (nginx) count only next
to a container that is evidently the app, and a name alone never gives a
file-exchange category (the one SL301 judges). When nothing decides, the role
is ``unknown`` — rules prefer silence to a false alarm.
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
    Evidence,
    Role,
    Weight,
    Workload,
    raw_containers,
)

IDENTITY_LABELS = ("app.kubernetes.io/name", "app", "k8s-app", "name")


def is_decisive(evidence: Evidence) -> bool:
    """Evidence strong enough to call a container a sidecar with no main container known.

    A name pattern (``api-gateway-proxy``), an endless loop or an nginx image is
    not: such a container may well be the application. A catalogued name is.
    """
    return evidence.weight >= Weight.COMMAND or evidence.source == "known-name"


def is_catalogued(evidence: Evidence) -> bool:
    """Evidence from the catalogue or the user's configuration, by image or by name."""
    return evidence.weight >= Weight.ANNOTATION or evidence.source == "known-name"


@dataclass(frozen=True)
class SidecarPatterns:
    """User-supplied patterns (configuration): more sidecars, and names that never are."""

    names: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    never: tuple[str, ...] = ()


def sidecar_evidence(
    spec: Mapping[str, Any], extra: SidecarPatterns = SidecarPatterns()
) -> list[Evidence]:
    """All the sidecar evidence one container shows, heaviest first."""
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
                    Weight.IMAGE,
                    f"image matches {entry.title} ('{pattern}')",
                    "image",
                    kind=entry.kind,
                    title=entry.title,
                )
            )
        repo = known_sidecars.image_repository(image)
        for pattern in extra.images:
            if known_sidecars.image_matches(repo, pattern.lower()):
                found.append(
                    Evidence(
                        Weight.IMAGE, f"image matches configured sidecar '{pattern}'", "configured"
                    )
                )
    if name:
        for pattern in extra.names:
            if fnmatchcase(name.lower(), pattern.lower()):
                found.append(
                    Evidence(
                        Weight.ANNOTATION,
                        f"name matches configured sidecar '{pattern}'",
                        "configured",
                    )
                )
    line = command_line(spec)
    if line:
        does = known_sidecars.what_command_does(line)
        if does is not None:
            found.append(Evidence(Weight.COMMAND, f"command {does[0]}", "command", kind=does[1]))
        elif (forever := known_sidecars.loops_forever(line)) is not None:
            found.append(Evidence(Weight.NAME, f"command {forever}", "loop"))
    if name:
        known = known_sidecars.known_by_name(name)
        if known is not None:
            found.append(_name_evidence(f"name is a known sidecar ({known.title})", known))
        matched = known_sidecars.name_pattern(name)
        if matched is not None:
            found.append(
                Evidence(
                    Weight.NAME,
                    f"name matches '{matched[0]}'",
                    "name",
                    kind=None if matched[1] in known_sidecars.FILE_EXCHANGE_KINDS else matched[1],
                )
            )
    if image and not any(e.source == "image" for e in found):
        repo_name = known_sidecars.image_repository(image).rsplit("/", 1)[-1]
        named = known_sidecars.name_pattern(repo_name)
        if named is not None and named[1] is not None:
            # an image built for the job (``…/log-shipper``) says what it runs, as images do
            found.append(
                Evidence(
                    Weight.NAME,
                    f"image name '{repo_name}' matches '{named[0]}'",
                    "image-name",
                    kind=named[1],
                )
            )
    if image and known_sidecars.is_reverse_proxy_image(image):
        found.append(
            Evidence(
                Weight.NAME,
                "reverse-proxy image next to an application",
                "proxy-image",
                kind="network-proxy",
            )
        )
    found.sort(key=lambda e: -e.weight)
    return found


def _name_evidence(reason: str, known: known_sidecars.KnownSidecar) -> Evidence:
    """A catalogued name: its category, except a file-exchange one, which needs more than a name."""
    if known.kind in known_sidecars.FILE_EXCHANGE_KINDS:
        return Evidence(Weight.NAME, reason, "known-name")
    return Evidence(Weight.NAME, reason, "known-name", kind=known.kind, title=known.title)


def looks_like_sidecar(spec: Mapping[str, Any]) -> list[Evidence]:
    """The evidence that a container is meant to keep running beside the app, heaviest first."""
    return [e for e in sidecar_evidence(spec) if e.source != "proxy-image"]


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


def identity_match(
    spec: Mapping[str, Any], identities: Sequence[str], shared_images: Sequence[str] = ()
) -> str | None:
    """Why a container looks like the application itself, if it does.

    Its name, then its ports' names, then its image — unless another container
    runs the same image (a Redis master and its sentinel), which then tells
    nothing apart.
    """
    name = spec.get("name")
    image = spec.get("image")
    candidates: list[tuple[str, str]] = []
    if isinstance(name, str) and name:
        candidates.append(("name", name.lower()))
    ports = spec.get("ports")
    if isinstance(ports, list):
        candidates.extend(
            ("port name", p["name"].lower())
            for p in ports
            if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"]
        )
    if isinstance(image, str) and image:
        repo = known_sidecars.image_repository(image)
        if repo not in shared_images:
            candidates.append(("image", repo.rsplit("/", 1)[-1]))
    for what, value in candidates:
        for ident in identities:
            if value == ident or (
                what != "port name"  # ports are named for protocols: only a whole name counts
                and (ident.startswith(value + "-") or ident.endswith("-" + value))
            ):
                return f"{what} '{value}' matches the workload's name or app label '{ident}'"
    return None


def _shared_images(specs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Image repositories run by more than one of these containers."""
    repos = [
        known_sidecars.image_repository(s["image"])
        for s in specs
        if isinstance(s.get("image"), str)
    ]
    return sorted({r for r in repos if repos.count(r) > 1})


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
        found = sidecar_evidence(c, extra)
        if c.get("restartPolicy") == "Always":
            why = _fact(
                "initContainers entry with restartPolicy: Always", Role.NATIVE_SIDECAR, "position"
            )
            yield _view(entry, Role.NATIVE_SIDECAR, (why,), found, _category(found))
        else:
            why = _fact(
                "initContainers entry without restartPolicy: Always: runs to completion "
                "before the app starts",
                Role.INIT,
                "position",
            )
            yield _view(entry, Role.INIT, (why,), found, (None, None))
    yield from _classify_regular(workload, extra)
    for entry in _entries(workload, "ephemeralContainers"):
        why = _fact("ephemeralContainers entry (debugging)", Role.EPHEMERAL, "position")
        yield _view(entry, Role.EPHEMERAL, (why,), (), (None, None))


def _fact(reason: str, role: Role, source: str) -> Evidence:
    """A role fixed by where the container is listed or by its resource's definition."""
    return Evidence(Weight.DEFINITION, reason, source, suggests=role)


def _defined_role(workload: Workload, entry: _Entry) -> Evidence | None:
    """The role a container has by definition of its resource, as evidence."""
    kind = workload.kind
    if entry.source.role is not None:
        return _fact(entry.source.why, entry.source.role, "definition")
    if entry.name in kind.main_names:
        return _fact(
            f"the {kind.kind} operator's main container '{entry.name}'", Role.MAIN, "definition"
        )
    if entry.name in kind.patched_names:
        return _fact(
            f"the {kind.kind} operator generates '{entry.name}' next to its main container; "
            "this entry patches it",
            Role.SIDECAR,
            "definition",
        )
    return None


def _classify_regular(workload: Workload, extra: SidecarPatterns) -> Iterator[ContainerView]:
    listed = _entries(workload, "containers")
    evidence = {e.index: sidecar_evidence(e.spec, extra) for e in listed}
    if workload.kind.injects_sidecars:
        for e in listed:
            why = _fact(
                f"{workload.ref.kind} containers are injected into other pods as sidecars",
                Role.SIDECAR,
                "definition",
            )
            yield _view(e, Role.SIDECAR, (why,), evidence[e.index], _category(evidence[e.index]))
        return
    defined = {e.index: d for e in listed if (d := _defined_role(workload, e)) is not None}
    entries = [(e.index, e.spec) for e in listed if e.index not in defined]
    # The resource names its main container (or the operator always adds one): the rest
    # are judged next to it, never elected main by position or elimination.
    main_known = bool(workload.kind.main_names) or any(
        d.suggests is Role.MAIN for d in defined.values()
    )
    mains: dict[int, Evidence] = {} if main_known else _elect_mains(workload, entries, evidence)
    annotated = workload.annotations.get(DEFAULT_CONTAINER_ANNOTATION)
    for e in listed:
        i = e.index
        found = evidence[i]
        outweighed = not main_known and i not in mains and i not in defined
        if outweighed and e.name == annotated and any(ev.weight >= Weight.IMAGE for ev in found):
            found = [*found, _OUTWEIGHED]  # weighed and set aside: shown, never deciding
        if i in defined:
            why = defined[i]
            category = (None, None) if why.suggests is Role.MAIN else _category(found)
            yield _view(e, why.suggests, (why,), found, category)
            continue
        if i in mains:
            yield _view(e, Role.MAIN, (mains[i],), found, (None, None))
            continue
        # Next to a main container any evidence counts; without one only decisive evidence.
        beside_main = bool(mains) or main_known
        usable = tuple(
            ev for ev in found if ev.suggests is Role.SIDECAR and (beside_main or is_decisive(ev))
        )
        if not usable and (
            helper := _same_image_as_main(e, [x for x in listed if x.index in mains])
        ):
            usable = (helper,)
        if usable:
            yield _view(e, Role.SIDECAR, usable, found, _category(found))
        else:
            text = (
                "no sidecar evidence, and another container is main"
                if beside_main
                else "the evidence does not decide between main and sidecar"
            )
            why = Evidence(Weight.INFERRED, text, "elimination", suggests=Role.UNKNOWN)
            yield _view(e, Role.UNKNOWN, (why,), found, (None, None))


#: The default-container annotation on a catalogued sidecar image, next to an uncatalogued one.
_OUTWEIGHED = Evidence(
    Weight.ANNOTATION,
    f"named by the {DEFAULT_CONTAINER_ANNOTATION} annotation, which its catalogued image outweighs",
    "annotation",
    suggests=Role.MAIN,
)


def _same_image_as_main(entry: _Entry, mains: Sequence[_Entry]) -> Evidence | None:
    """A container running a main container's image under another name: a helper process of
    the same application (a Redis sentinel beside its server)."""
    image = entry.spec.get("image")
    if not isinstance(image, str) or not image:
        return None
    repo = known_sidecars.image_repository(image)
    for main in mains:
        other = main.spec.get("image")
        if isinstance(other, str) and known_sidecars.image_repository(other) == repo:
            return Evidence(
                Weight.NAME,
                f"runs the main container's image ('{repo}') under another name: a helper "
                "process of the same application",
                "shared-image",
            )
    return None


def _elect_mains(
    workload: Workload,
    entries: list[tuple[int, dict[str, Any]]],
    evidence: Mapping[int, list[Evidence]],
) -> dict[int, Evidence]:
    """The main containers among ``entries``, each with the evidence that elects it."""
    if not entries:
        return {}
    names = {c.get("name"): i for i, c in entries if isinstance(c.get("name"), str)}
    annotated = workload.annotations.get(DEFAULT_CONTAINER_ANNOTATION)
    if isinstance(annotated, str) and annotated in names:
        i = names[annotated]
        image = next((e for e in evidence[i] if e.weight >= Weight.IMAGE), None)
        others = [j for j, _ in entries if j != i]
        # A catalogued image outweighs the annotation, unless every container runs one.
        if image is None or all(any(e.weight >= Weight.IMAGE for e in evidence[j]) for j in others):
            why = f"named by the {DEFAULT_CONTAINER_ANNOTATION} annotation"
            return {i: Evidence(Weight.ANNOTATION, why, "annotation", suggests=Role.MAIN)}
    if len(entries) == 1:
        why = "the only entry in containers[]"
        return {entries[0][0]: Evidence(Weight.DEFINITION, why, "position", suggests=Role.MAIN)}
    identities = identity_names(workload)
    shared = _shared_images([c for _, c in entries])
    matched = [
        (i, reason)
        for i, c in entries
        if (reason := identity_match(c, identities, shared)) and not _is_injected(c)
    ]
    if len(matched) == 1:
        i, reason = matched[0]
        return {i: Evidence(Weight.NAME, reason, "identity", suggests=Role.MAIN)}
    return _by_elimination(entries, evidence)


def _by_elimination(
    entries: list[tuple[int, dict[str, Any]]], evidence: Mapping[int, list[Evidence]]
) -> dict[int, Evidence]:
    """The containers left when every other one is decisively a sidecar.

    In turn: the only container with no sidecar evidence, when every other one
    shows decisive evidence or an endless loop (next to an evident app, a loop
    counts); several containers with no sidecar evidence, when every other one
    shows decisive evidence; the only container whose sole evidence is an
    endless loop, when every other one is decisive (the docs' counter app
    loops forever beside its log streamers); the only container that is not
    catalogued, when every other one is.
    """

    def decisive(i: int) -> bool:
        return any(is_decisive(e) for e in evidence[i])

    def only(i: int, sources: frozenset[str]) -> bool:
        return all(e.source in sources for e in evidence[i])

    def elected(indices: list[int], text: str) -> dict[int, Evidence]:
        return {
            i: Evidence(Weight.INFERRED, text, "elimination", suggests=Role.MAIN) for i in indices
        }

    plain = [i for i, _ in entries if only(i, frozenset({"proxy-image"}))]
    rest = [i for i, _ in entries if i not in plain]
    if len(plain) == 1 and all(decisive(i) or only(i, frozenset({"loop"})) for i in rest):
        return elected(plain, "the only entry in containers[] with no sidecar evidence")
    if len(plain) > 1 and rest and all(decisive(i) for i in rest):
        return elected(
            plain,
            "one of the entries in containers[] with no sidecar evidence; every other one is "
            "decisively a sidecar",
        )
    looping = [i for i, _ in entries if only(i, frozenset({"proxy-image", "loop"}))]
    if len(looping) == 1 and all(decisive(i) for i, _ in entries if i != looping[0]):
        return elected(
            looping,
            "the only entry in containers[] whose one sign is an endless loop; every other one "
            "ships, proxies, syncs or is catalogued",
        )
    uncatalogued = [i for i, _ in entries if not any(is_catalogued(e) for e in evidence[i])]
    if len(uncatalogued) == 1:
        return elected(
            uncatalogued,
            "the only entry in containers[] that is not a known sidecar; every other one is",
        )
    return {}


def _is_injected(spec: Mapping[str, Any]) -> bool:
    name = spec.get("name")
    entry = known_sidecars.known_by_name(name) if isinstance(name, str) else None
    return bool(entry and entry.injected)


def _category(evidence: Sequence[Evidence]) -> tuple[str | None, str | None]:
    """The category and catalogue entry of the heaviest evidence that names them."""
    kind = next((e.kind for e in evidence if e.kind), None)
    title = next((e.title for e in evidence if e.title), None)
    return kind, title


def _view(
    entry: _Entry,
    role: Role,
    used: tuple[Evidence, ...],
    found: Sequence[Evidence],
    category: tuple[str | None, str | None],
) -> ContainerView:
    """The container with its role, the evidence that decided it, then the rest weighed."""
    return ContainerView(
        name=entry.name or "",
        list_key=entry.source.pod_list,
        index=entry.index,
        pointer=entry.pointer,
        spec=entry.spec,
        role=role,
        reasons=tuple(e.reason for e in used),
        sidecar_kind=category[0],
        sidecar_title=category[1],
        evidence=(*used, *(e for e in found if e not in used)),
    )
