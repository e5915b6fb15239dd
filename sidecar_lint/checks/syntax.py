"""SL001: input that cannot be read as YAML/JSON, or uses tags we refuse to construct."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sidecar_lint.bounded import bounded_text
from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import Document, Pointer, RawRange, Span
from sidecar_lint.loading import RENDER_HINT, LoadedSource
from sidecar_lint.model import Violation


@check("invalid_yaml", scope="source")
def invalid_yaml(loaded: LoadedSource, ctx: CheckContext) -> Iterator[Violation]:
    """Report every parse problem at its position, and unsupported tags in Kubernetes objects.

    Tags in files that are not Kubernetes objects (``!!python/name`` in an
    mkdocs.yml, ``!Ref`` in CloudFormation) are left alone: such files are
    not ours to judge.
    """
    for problem in loaded.problems:
        text = problem.message
        if problem.hint:
            text += f"; hint: {problem.hint}"
        line, col = problem.line + 1, problem.column + 1
        yield Violation(text, span=Span(line, col, line, col + 1))
    reported: set[RawRange] = set()
    braces = "{{" in loaded.source.text
    for doc in loaded.documents:
        if not doc.is_kubernetes_object:
            continue
        templated = False
        for where in doc.complex_keys:
            if where in reported:  # List items share their file's table
                continue
            reported.add(where)
            span = doc.source.to_span(where)
            if "{{" in doc.source.line(span.start_line):
                templated = True
                text = (
                    "unrendered Helm/Go template: '{{ ... }}' was read as a YAML mapping; "
                    + RENDER_HINT
                )
            else:
                text = "a mapping or list used as a key: Kubernetes objects only have string keys"
            yield Violation(text, span=span, document=doc)
        if braces and not templated:
            quoted = _first_helm_action(doc)
            if quoted is not None:
                pointer, action = quoted
                yield Violation(
                    f"unrendered Helm template: the value holds the action {action}; {RENDER_HINT}",
                    pointer=pointer,
                    document=doc,
                )
        for tag in doc.ignored_tags:
            if tag.reason is not None:
                text = (
                    f"this value cannot be read as {_short(tag.tag)} ({tag.reason[:120]}); it "
                    "was kept as text, which tools that read YAML 1.1 would not do: quote it"
                )
            else:
                text = (
                    f"unsupported YAML tag '{_short(tag.tag)}': it was never constructed and "
                    "the Kubernetes API would not accept it; remove the tag"
                )
            yield Violation(text, pointer=tag.pointer, document=doc)


#: A Go template action that only Helm gives meaning to: its built-in objects
#: (``.Values``, ``.Release`` …) or its named-template functions. Actions of
#: other Go-template users that live in manifests as data (Vault agent and
#: consul-template ``.Data``, Prometheus ``$labels``, Argo ``{{inputs.x}}``)
#: do not match, so their ConfigMaps and annotations stay silent.
_HELM_ACTION = re.compile(
    r"\{\{-?\s*(?:"
    r"[^{}]*?(?<![\w$])\.(?:Values|Release|Chart|Capabilities|Files|Template)\b"
    r"|(?:include|template|tpl|toYaml|required)\s"
    r")[^{}]*?\}\}"
)


def _first_helm_action(doc: Document) -> tuple[Pointer, str] | None:
    """The first string value (in document order) that holds a Helm action.

    Shared nodes (YAML aliases) are visited once, so an alias bomb costs one
    walk of its distinct nodes.
    """
    seen: set[int] = set()
    stack: list[tuple[Pointer, Any]] = [((), doc.data)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, str):
            match = _HELM_ACTION.search(node) if "{{" in node else None
            if match is not None:
                return pointer, bounded_text(match.group(0))
            continue
        if not isinstance(node, dict | list) or id(node) in seen:
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend(((*pointer, key), value) for key, value in reversed(list(items)))
    return None


def _short(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag
