"""SL103 (a mount of a volume nobody declares) and SL302 (a volume nobody mounts).

Both compare the names in ``spec.volumes`` with the names that
``volumeMounts`` and ``volumeDevices`` use, across ``containers``,
``initContainers`` and ``ephemeralContainers``.

SL103 counts as declared, besides ``spec.volumes``:

* ``spec.volumeClaimTemplates[].metadata.name`` of StatefulSets (and
  OpenKruise CloneSets), whose controller adds one volume per claim;
* for bare Pods and StatefulSets, volumes that Istio's
  ``sidecar.istio.io/userVolume`` annotation adds: the API validates those
  pods only after the injector ran. Deployments, DaemonSets, Jobs and the
  like have their pod template validated up front, so there the annotation
  does not help and the message says so.

SL302 stays silent, because the volume is used by a container that is not
in the manifest yet, for:

* volumes that Istio mounts into its proxy through the
  ``sidecar.istio.io/userVolumeMount`` annotation, and volumes Dapr mounts
  into ``daprd`` through ``dapr.io/volume-mounts`` / ``dapr.io/volume-mounts-rw``;
* ``gke-gcsfuse-tmp``/``-buffer``/``-cache`` when ``gke-gcsfuse/volumes: "true"``
  asks GKE to inject its Cloud Storage FUSE sidecar, which mounts them;
* volumes an injector or admission plugin adds together with their mounts
  (``istio-envoy``, ``istio-token``…, ``linkerd-identity-end-entity``…,
  ``kube-api-access-*``): they show up in manifests exported from a cluster
  and are not the author's to remove; Istio's generic names
  (``workload-socket``, ``credential-socket``, ``workload-certs``) only when
  the pod shows Istio evidence (an Istio annotation or an ``istio-proxy``
  container, as in gateway injection);
* names matching the rule's ``ignore`` patterns (other injectors, OpenKruise
  SidecarSets whose sidecars mount a volume the pod declares);
* a pod where some container's mounts cannot be read (a mistyped
  ``volumeMounts``): usage is unknown, and the type error is reported elsewhere.

On kinds whose containers are injected into other pods (an OpenKruise
``SidecarSet``), SL103 applies as is — the Kruise webhook validates the
sidecars against the SidecarSet's own volumes — but SL302 stays silent: the
volumes are merged into pods whose other containers are not in view.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.fix_intents import FixIntent, RemoveItem
from sidecar_lint.model import ContainerView, Violation, Workload
from sidecar_lint.pointers import format_pointer, get_at

ISTIO_USER_VOLUME = "sidecar.istio.io/userVolume"
ISTIO_USER_VOLUME_MOUNT = "sidecar.istio.io/userVolumeMount"
DAPR_VOLUME_MOUNTS = ("dapr.io/volume-mounts", "dapr.io/volume-mounts-rw")
GCSFUSE_VOLUMES_ANNOTATION = "gke-gcsfuse/volumes"
GCSFUSE_SIDECAR_VOLUMES = frozenset({"gke-gcsfuse-tmp", "gke-gcsfuse-buffer", "gke-gcsfuse-cache"})

#: Volumes an injector or admission plugin adds together with the mounts that use them:
#: Istio's proxy, Linkerd's proxy, and the ServiceAccount admission plugin's token volume.
INJECTED_VOLUMES = (
    "istio-envoy",
    "istio-data",
    "istio-podinfo",
    "istio-token",
    "istiod-ca-cert",
    "linkerd-identity-end-entity",
    "linkerd-identity-token",
    "linkerd-proxy-init-xtables-lock",
    "kube-api-access-*",
)
#: Istio's names that are too generic to trust without other Istio evidence.
ISTIO_GENERIC_VOLUMES = frozenset({"workload-socket", "credential-socket", "workload-certs"})
_ISTIO_LABELS = ("sidecar.istio.io/inject", "istio.io/rev")
_ISTIO_ANNOTATION_DOMAINS = ("sidecar.istio.io/", "inject.istio.io/", "proxy.istio.io/")

#: Kinds whose controller turns ``spec.volumeClaimTemplates`` into pod volumes.
_CLAIM_TEMPLATE_KINDS = frozenset({"StatefulSet", "CloneSet"})
#: Kinds whose pods are validated only after admission webhooks have mutated them.
_VALIDATED_AFTER_INJECTION = frozenset({"Pod", "StatefulSet"})


class UnusedVolumeParams(BaseModel):
    """Parameters of SL302."""

    model_config = ConfigDict(extra="forbid")

    ignore: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class _Use:
    """One ``volumeMounts``/``volumeDevices`` entry that names a volume."""

    container: ContainerView
    list_name: str  # "volumeMounts" or "volumeDevices"
    index: int
    name: str


@dataclass(frozen=True)
class _Uses:
    """All volume references of a pod; ``complete`` is False when some could not be read."""

    items: tuple[_Use, ...]
    complete: bool


# --------------------------------------------------------------------------- SL103


@check("undeclared_volume_mount")
def undeclared_volume_mount(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag each mount or device whose volume name the pod does not declare."""
    declared = _declared(workload)
    if declared is None:
        return  # spec.volumes has the wrong type: every mount would look undeclared
    claims = _claim_template_names(workload)
    annotated = _json_names(workload.annotations.get(ISTIO_USER_VOLUME))
    after_injection = workload.kind.kind in _VALIDATED_AFTER_INJECTION
    known = declared | set(claims) | (annotated if after_injection else set())
    for use in _uses(workload).items:
        if use.name in known:
            continue
        yield Violation(
            _undeclared_message(workload, use, sorted(known), claims, annotated),
            pointer=use.container.at(use.list_name, use.index, "name"),
            container=use.container,
        )


def _undeclared_message(
    workload: Workload,
    use: _Use,
    known: list[str],
    claims: list[str],
    annotated: set[str],
) -> str:
    volumes_path = format_pointer(workload.spec_at("volumes"))
    what = "mounts volume" if use.list_name == "volumeMounts" else "uses block device volume"
    declared_in = volumes_path + (" or spec.volumeClaimTemplates" if claims else "")
    text = (
        f"{workload.ref.display()}: container {use.container.label()} {what} '{use.name}', "
        f"which {declared_in} does not declare; the API rejects the pod "
        f'({use.list_name}[{use.index}].name: Not found: "{use.name}")'
    )
    if use.name in annotated:
        text += (
            f". The {ISTIO_USER_VOLUME} annotation does not count here: the API validates a "
            f"{workload.ref.kind}'s pod template before any injector runs"
        )
    guess = _did_you_mean(use.name, known)
    if guess is not None:
        return f"{text}. Did you mean '{guess}'?"
    return f"{text}. Add a volume named '{use.name}' to {volumes_path}, or fix the name"


def _did_you_mean(name: str, candidates: list[str]) -> str | None:
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.7)
    return close[0] if close else None


# --------------------------------------------------------------------------- SL302


@check("unused_volume", params=UnusedVolumeParams)
def unused_volume(workload: Workload, ctx: CheckContext) -> Iterator[Violation]:
    """Flag each declared volume that no container mounts and no known injector will."""
    if workload.kind.injects_sidecars:
        return
    volumes = workload.spec.get("volumes")
    if not isinstance(volumes, list):
        return
    uses = _uses(workload)
    if not uses.complete:
        return
    used = {u.name for u in uses.items} | _injector_mounts(workload.annotations)
    params = ctx.params if isinstance(ctx.params, UnusedVolumeParams) else UnusedVolumeParams()
    istio = _has_istio_evidence(workload)
    gcsfuse = str(workload.annotations.get(GCSFUSE_VOLUMES_ANNOTATION, "")).lower() == "true"
    names = (v.get("name") for v in volumes if isinstance(v, dict))
    declared = {name for name in names if isinstance(name, str)}  # a name may be any YAML value
    undeclared = [u.name for u in uses.items if u.name not in declared]
    for index, volume in enumerate(volumes):
        if not isinstance(volume, dict):
            continue
        name = volume.get("name")
        if not isinstance(name, str) or not name or name in used:
            continue
        if _injected(name, istio) or (gcsfuse and name in GCSFUSE_SIDECAR_VOLUMES):
            continue
        if any(fnmatchcase(name, pattern) for pattern in params.ignore):
            continue
        yield Violation(
            _unused_message(workload, name, undeclared),
            pointer=workload.spec_at("volumes", index, "name"),
            intent=FixIntent(
                "remove-volume",
                f"remove the volume '{name}'",
                RemoveItem(workload.spec_at("volumes", index)),
            ),
        )


def _unused_message(workload: Workload, name: str, mounted: list[str]) -> str:
    volumes_path = format_pointer(workload.spec_at("volumes"))
    text = (
        f"{workload.ref.display()}: volume '{name}' is declared in {volumes_path} but no "
        f"container mounts it (no volumeMounts or volumeDevices entry names it)"
    )
    typo = difflib.get_close_matches(name, sorted(set(mounted)), n=1, cutoff=0.7)
    if typo:
        return (
            f"{text}; a container mounts '{typo[0]}', which is not declared — if that is a "
            f"typo, rename the mount to '{name}'"
        )
    return (
        f"{text}. Remove it, or add a volumeMount to the container that needs it (a sidecar "
        f"that shares files with the app must mount it too)"
    )


def _injected(name: str, istio: bool) -> bool:
    if istio and name in ISTIO_GENERIC_VOLUMES:
        return True
    return any(fnmatchcase(name, pattern) for pattern in INJECTED_VOLUMES)


def _has_istio_evidence(workload: Workload) -> bool:
    keys = [key for key in workload.annotations if isinstance(key, str)]
    if any(key.startswith(_ISTIO_ANNOTATION_DOMAINS) for key in keys):
        return True
    labels = workload.metadata.get("labels")
    if isinstance(labels, dict) and any(key in labels for key in _ISTIO_LABELS):
        return True
    return any(c.name == "istio-proxy" for c in workload.containers)


def _injector_mounts(annotations: Mapping[str, Any]) -> set[str]:
    """Volume names that injected sidecars mount, as the pod's annotations request."""
    names = _json_names(annotations.get(ISTIO_USER_VOLUME_MOUNT))
    for key in DAPR_VOLUME_MOUNTS:
        value = annotations.get(key)
        if isinstance(value, str):
            for pair in value.split(","):
                volume = pair.split(":", 1)[0].strip()
                if volume:
                    names.add(volume)
    return names


# --------------------------------------------------------------------------- shared


def _declared(workload: Workload) -> set[str] | None:
    """Names in ``spec.volumes``; None when the field has the wrong type."""
    volumes = workload.spec.get("volumes")
    if volumes is None:
        return set()
    if not isinstance(volumes, list):
        return None
    names = (v.get("name") for v in volumes if isinstance(v, dict))
    return {name for name in names if isinstance(name, str) and name}


def _claim_template_names(workload: Workload) -> list[str]:
    if workload.kind.kind not in _CLAIM_TEMPLATE_KINDS:
        return []
    if workload.template_pointer != ("spec", "template"):
        return []
    templates = get_at(workload.document.data, ("spec", "volumeClaimTemplates"))
    names: list[str] = []
    for template in templates if isinstance(templates, list) else []:
        name = get_at(template, ("metadata", "name"))
        if isinstance(name, str) and name:
            names.append(name)
    return names


def _uses(workload: Workload) -> _Uses:
    """Every volume name the containers refer to, in container order."""
    items: list[_Use] = []
    complete = True
    for container in workload.containers:
        for list_name in ("volumeMounts", "volumeDevices"):
            entries = container.spec.get(list_name)
            if entries is None:
                continue
            if not isinstance(entries, list):
                complete = False
                continue
            for index, entry in enumerate(entries):
                name = entry.get("name") if isinstance(entry, dict) else None
                if not isinstance(name, str):
                    complete = False
                    continue
                if name:  # an empty name is "Required value", not a reference
                    items.append(_Use(container, list_name, index, name))
    return _Uses(tuple(items), complete)


def _json_names(value: object) -> set[str]:
    """Names in an Istio volume annotation: a JSON object keyed by name, or a list of objects."""
    if not isinstance(value, str) or not value.strip():
        return set()
    try:
        data = json.loads(value)
    except ValueError:
        return set()
    if isinstance(data, dict):
        return {key for key in data if isinstance(key, str)}
    items: Iterable[Any] = data if isinstance(data, list) else []
    names = (item.get("name") for item in items if isinstance(item, dict))
    return {name for name in names if isinstance(name, str)}
