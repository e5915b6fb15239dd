"""``--show-roles``: each workload's containers with their role and the reasons for it.

A one-shot mode beside linting: the inputs and their settings come from the
same pipeline (:func:`sidecar_lint.run.gather`), read by the same function as
a lint (:func:`sidecar_lint.parallel.read_input`), but nothing is linted.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sidecar_lint.cluster import objects_in
from sidecar_lint.loading import iter_documents, load_bytes
from sidecar_lint.model import Evidence, Role
from sidecar_lint.pointers import format_pointer
from sidecar_lint.workload import iter_workloads

if TYPE_CHECKING:
    from sidecar_lint.document import Document
    from sidecar_lint.loading import Limits
    from sidecar_lint.model import Cause
    from sidecar_lint.run import Inputs


def show_roles(
    inputs: Inputs, limits: Limits, as_json: bool, as_markdown: bool = False
) -> tuple[list[str], list[str]]:
    """The report's lines (JSON, Markdown with a diagram per pod, or text), and unread inputs."""
    from sidecar_lint.cluster_scan import collect_objects
    from sidecar_lint.parallel import read_input
    from sidecar_lint.pod_diagrams import flowchart

    objects = collect_objects(inputs.items, limits, services=False)
    errors: list[str] = []
    report: list[dict[str, Any]] = []
    diagrams: list[str] = []
    for position, item in enumerate(inputs.items):
        raw = read_input(item)
        if isinstance(raw, str):
            errors.append(raw)
            continue
        linter = inputs.linter_of(position)
        loaded = load_bytes(item.path, raw, limits)
        cluster = linter.cluster.with_objects(objects)
        if item.path not in objects.sources:  # standard input
            cluster = cluster.with_objects(objects_in(loaded.documents))
        for doc in iter_documents(loaded):
            for w in iter_workloads(doc, linter.kinds, linter.classifier, cluster):
                span, _ = doc.locate(w.template_pointer)
                if as_markdown:
                    diagrams.append(flowchart(w))
                report.append(
                    {
                        "file": doc.source.path,
                        "line": span.start_line,
                        "object": w.ref.display(),
                        "podTemplate": format_pointer(w.template_pointer) or "(the Pod itself)",
                        "runsToCompletion": w.runs_to_completion,
                        "containers": [
                            {
                                "list": c.list_key,
                                "index": c.index,
                                "name": c.name,
                                "role": c.role.value,
                                "sidecarKind": c.sidecar_kind,
                                "reasons": list(c.reasons),
                                "evidence": [_evidence(e, c.reasons) for e in c.evidence],
                            }
                            for c in w.containers
                        ],
                        "injected": [
                            {
                                "injector": i.injector.id,
                                "because": _because(doc, i.cause),
                                "alreadyInjected": i.already,
                                "native": i.native,
                                "nativeBecause": i.native_why,
                                "containers": [
                                    {"list": c.list_key, "name": c.name, "role": c.role.value}
                                    for c in i.containers
                                ],
                            }
                            for i in w.injections
                        ]
                        + [
                            {
                                "injector": f"sidecarset/{i.sidecarset.name}",
                                "because": f"its selector matches ({i.sidecarset.origin})",
                                "alreadyInjected": False,
                                "native": any(c.role is Role.NATIVE_SIDECAR for c in i.containers),
                                "nativeBecause": "the SidecarSet's initContainers entries with "
                                "restartPolicy: Always are; its containers entries are not",
                                "containers": [
                                    {"list": c.list_key, "name": c.name, "role": c.role.value}
                                    for c in i.containers
                                ],
                            }
                            for i in w.sidecarsets
                        ],
                    }
                )
    if as_json:
        return [json.dumps(report, indent=2)], errors
    if as_markdown:
        return _markdown(report, diagrams), errors
    lines: list[str] = []
    for entry in report:
        lines.append(
            f"{entry['file']}:{entry['line']}: {entry['object']} "
            f"(pod template: {entry['podTemplate']})"
        )
        for c in entry["containers"]:
            where = f"{c['list']}[{c['index']}]"
            kind = f" ({c['sidecarKind']})" if c["sidecarKind"] else ""
            lines.append(f"  {where:<18} {c['name']:<24} {c['role']}{kind}")
            lines.extend(f"  {'':<18} {'':<24}   - {_line(e)}" for e in c["evidence"])
        lines.extend(_injected_lines(entry["injected"]))
    return lines, errors


def _markdown(report: list[dict[str, Any]], diagrams: list[str]) -> list[str]:
    """Each pod as a heading, its containers as a list, and its Mermaid flowchart."""
    lines = ["## sidecar-lint: container roles"]
    for entry, diagram in zip(report, diagrams, strict=True):
        lines += ["", f"### {entry['object']} ({entry['file']}:{entry['line']})", ""]
        for c in entry["containers"]:
            kind = f" ({c['sidecarKind']})" if c["sidecarKind"] else ""
            reasons = "; ".join(c["reasons"])
            lines.append(
                f"- `{c['name']}`: {c['role']}{kind}" + (f" — {reasons}" if reasons else "")
            )
        lines += ["", "```mermaid", diagram.rstrip("\n"), "```"]
    return lines


def _because(doc: Document, cause: Cause) -> str:
    """Why an injector acts, with the file and line of a pod-level key."""
    if cause.pointer is None:
        return cause.describe()
    span, _ = doc.locate(cause.pointer, "key")
    return f"{cause.describe()} at {doc.source.path}:{span.start_line}"


def _injected_lines(injections: list[dict[str, Any]]) -> list[str]:
    """What the injectors add to the pod, marked ``+``, with why (or that it is already there)."""
    lines: list[str] = []
    for i in injections:
        if i["alreadyInjected"]:
            lines.append(f"  already injected by {i['injector']} ({i['because']})")
            continue
        for c in i["containers"]:
            lines.append(f"  {'+ ' + c['list']:<18} {c['name']:<24} {c['role']} (injected)")
            lines.append(f"  {'':<18} {'':<24}   - injected by {i['injector']}: {i['because']}")
            if c["role"] != "init":
                lines.append(f"  {'':<18} {'':<24}   - native sidecar? {i['nativeBecause']}")
    return lines


def _evidence(evidence: Evidence, reasons: tuple[str, ...]) -> dict[str, Any]:
    """One piece of evidence; ``decides`` when the role rests on it, not just weighed."""
    return {
        "reason": evidence.reason,
        "source": evidence.source,
        "weight": int(evidence.weight),
        "weightName": str(evidence.weight),
        "suggests": evidence.suggests.value,
        "decides": evidence.reason in reasons,
    }


def _line(evidence: dict[str, Any]) -> str:
    """``command tails a file forever ('tail -f')  (weight 2, command)``; the rest says so."""
    aside = "" if evidence["decides"] else "weighed, not deciding: "
    return f"{aside}{evidence['reason']}  (weight {evidence['weight']}, {evidence['source']})"
