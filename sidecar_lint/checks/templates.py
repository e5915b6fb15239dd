"""SL003: an unrendered Helm template where the API reads structure or identity.

Template text is data in many rendered installs: Istio's sidecar injector keeps
its injection template in a ConfigMap, Linkerd its chart values, Vault agents
their templates in annotations. Such strings are left alone. What cannot be
data is a template where the API expects a name, an image, a port, a quantity
or a label, or a ``{{ ... }}`` left unquoted, which YAML reads as a mapping:
those mean a chart was linted before it was rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sidecar_lint.bounded import bounded_text
from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Document, Pointer, RawRange
from sidecar_lint.loading import RENDER_HINT, LoadedSource
from sidecar_lint.model import Violation
from sidecar_lint.pointers import format_pointer

#: A Go template action that only Helm gives meaning to: its built-in objects
#: (``.Values``, ``.Release`` …) or its named-template functions. Actions of
#: other Go-template users that live in manifests as data (Vault agent and
#: consul-template ``.Data``, Prometheus ``$labels``, Argo ``{{inputs.x}}``)
#: do not match.
_HELM_ACTION = re.compile(
    r"\{\{-?\s*(?:"
    r"[^{}]*?(?<![\w$])\.(?:Values|Release|Chart|Capabilities|Files|Template)\b"
    r"|(?:include|template|tpl|toYaml|required)\s"
    r")[^{}]*?\}\}"
)

#: Fields whose string the API reads as a name, a reference, a number or an
#: enumeration, wherever they sit (a Deployment, a Service, a CRD's pod template).
STRUCTURE_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "name",
        "namespace",
        "generateName",
        "image",
        "imagePullPolicy",
        "restartPolicy",
        "containerPort",
        "hostPort",
        "port",
        "targetPort",
        "nodePort",
        "protocol",
        "replicas",
        "mountPath",
        "claimName",
        "secretName",
        "serviceAccountName",
        "priorityClassName",
        "storageClassName",
        "runtimeClassName",
        "schedulerName",
        "sizeLimit",
        "terminationGracePeriodSeconds",
        "initialDelaySeconds",
        "periodSeconds",
        "timeoutSeconds",
        "failureThreshold",
        "successThreshold",
        "runAsUser",
        "runAsGroup",
        "fsGroup",
    }
)

#: Maps whose every value is a label or a quantity (label selectors, resources).
IDENTITY_MAPS = frozenset(
    {"labels", "matchLabels", "selector", "nodeSelector", "limits", "requests"}
)

#: Subtrees whose strings are free text by design, template text included.
FREE_TEXT = (("metadata", "annotations"), ("data",), ("stringData",), ("binaryData",))


@check("unrendered_template", scope="source")
def unrendered_template(loaded: LoadedSource, ctx: CheckContext) -> Iterator[Violation]:
    """A template YAML read as a mapping, or a Helm action in a structure field.

    One finding per document for quoted actions (a chart has many; the first
    says what to do), and one per mapping that a template produced.
    """
    if "{{" not in loaded.source.text:
        return
    reported: set[RawRange] = set()
    for doc in loaded.documents:
        if not doc.is_kubernetes_object:
            continue
        read_as_mapping = False
        for where in doc.complex_keys:
            if where in reported:  # List items share their file's table
                continue
            span = doc.source.to_span(where)
            if "{{" not in doc.source.line(span.start_line):
                continue  # a plain complex key: SL001's
            reported.add(where)
            read_as_mapping = True
            yield Violation(
                "unrendered Helm/Go template: '{{ ... }}' was read as a YAML mapping; "
                + RENDER_HINT,
                span=span,
                document=doc,
            )
        if read_as_mapping:
            continue
        found = _first_structural_action(doc)
        if found is not None:
            pointer, action = found
            yield Violation(
                f"unrendered Helm template in {format_pointer(pointer)}: the value holds the "
                f"action {action}, and the API reads this field as a name, reference or "
                f"number; {RENDER_HINT}",
                pointer=pointer,
                document=doc,
            )


def holds_helm_action(text: str) -> str | None:
    """The first Helm action in ``text`` (shortened), or None."""
    match = _HELM_ACTION.search(text) if "{{" in text else None
    return None if match is None else bounded_text(match.group(0))


def is_structure_field(pointer: Pointer) -> bool:
    """Whether the API reads the string at ``pointer`` as structure or identity."""
    if any(pointer[: len(free)] == free for free in FREE_TEXT):
        return False
    if not pointer:
        return False
    last = pointer[-1]
    if isinstance(last, str) and last in STRUCTURE_FIELDS:
        return True
    parent = pointer[-2] if len(pointer) > 1 else None
    return isinstance(last, str) and isinstance(parent, str) and parent in IDENTITY_MAPS


def _first_structural_action(doc: Document) -> tuple[Pointer, str] | None:
    """The first structure field (in document order) whose string holds a Helm action.

    Shared nodes (YAML aliases) are visited once, so an alias bomb costs one
    walk of its distinct nodes.
    """
    seen: set[int] = set()
    stack: list[tuple[Pointer, Any]] = [((), doc.data)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, str):
            action = holds_helm_action(node)
            if action is not None and is_structure_field(pointer):
                return pointer, action
            continue
        if not isinstance(node, dict | list) or id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend(((*pointer, key), value) for key, value in reversed(list(items)))
    return None
