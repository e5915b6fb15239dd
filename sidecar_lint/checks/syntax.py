"""SL001: input that cannot be read as YAML/JSON, or uses tags we refuse to construct."""

from __future__ import annotations

from collections.abc import Iterator

from sidecar_lint.checks.registry import CheckContext, check
from sidecar_lint.document import RawRange, Span
from sidecar_lint.loading import LoadedSource
from sidecar_lint.model import Violation


@check("invalid_yaml", scope="source")
def invalid_yaml(loaded: LoadedSource, ctx: CheckContext) -> Iterator[Violation]:
    """Report every parse problem at its position, and unsupported tags in Kubernetes objects.

    Tags in files that are not Kubernetes objects (``!!python/name`` in an
    mkdocs.yml, ``!Ref`` in CloudFormation) are left alone: such files are
    not ours to judge. Template text that parses is SL003's, not an error here:
    rendered installs keep templates in ConfigMaps and annotations by design.
    """
    for problem in loaded.problems:
        text = problem.message
        if problem.hint:
            text += f"; hint: {problem.hint}"
        line, col = problem.line + 1, problem.column + 1
        yield Violation(text, span=Span(line, col, line, col + 1))
    reported: set[RawRange] = set()
    for doc in loaded.documents:
        if not doc.is_kubernetes_object:
            continue
        for where in doc.complex_keys:
            if where in reported:  # List items share their file's table
                continue
            reported.add(where)
            span = doc.source.to_span(where)
            if "{{" in doc.source.line(span.start_line):
                continue  # a template YAML read as a mapping: SL003 says so
            text = "a mapping or list used as a key: Kubernetes objects only have string keys"
            yield Violation(text, span=span, document=doc)
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


def _short(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag
