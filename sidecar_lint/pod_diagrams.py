"""Mermaid flowcharts of pods: containers by role, volumes, mounts, and what a finding lacks.

GitHub renders a fenced ``mermaid`` block as a picture, so the Markdown
report (the Action's job summary) and ``--show-roles --format markdown``
draw each pod a finding is about: one box per container, grouped by role,
one cylinder per volume, an arrow per mount labelled with its path. What a
finding says is missing is drawn dashed: the mount a sidecar lacks of the
volumes the main container uses (SL301), a mount of an undeclared volume
(SL103), and the Service that skips a proxy sidecar (SL303).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sidecar_lint.loading import iter_documents, load_bytes
from sidecar_lint.model import Role
from sidecar_lint.report_context import PodDiagram
from sidecar_lint.workload import iter_workloads

if TYPE_CHECKING:
    from sidecar_lint.findings import Finding
    from sidecar_lint.model import Workload
    from sidecar_lint.run import RunRequest

#: Codes whose finding on a container is drawn: which dashed edge each adds.
MISSING_MOUNT, UNDECLARED_VOLUME, BYPASSED_PROXY = "SL301", "SL103", "SL303"

_GROUPS = (
    ("init", "init containers", (Role.INIT,)),
    ("native", "native sidecars", (Role.NATIVE_SIDECAR,)),
    ("main", "main", (Role.MAIN,)),
    ("sidecar", "sidecars", (Role.SIDECAR,)),
    ("other", "other", (Role.UNKNOWN, Role.EPHEMERAL)),
)


def label(text: str) -> str:
    """``text`` as a quoted Mermaid label (quotes and angle brackets as entities)."""
    for raw, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, entity)
    return f'"{text}"'


def flowchart(workload: Workload, codes: Mapping[str, set[str]] | None = None) -> str:
    """The pod of ``workload`` as a Mermaid flowchart; ``codes``: container name → codes."""
    codes = codes or {}
    containers = list(workload.containers)
    node = {id(c): f"c{i}" for i, c in enumerate(containers)}
    lines = ["flowchart LR"]
    for group, title, roles in _GROUPS:
        members = [c for c in containers if c.role in roles]
        if not members:
            continue
        lines.append(f"  subgraph g_{group}[{label(title)}]")
        for c in members:
            kind = f" · {c.sidecar_title or c.sidecar_kind}" if c.sidecar_kind else ""
            lines.append(f"    {node[id(c)]}[{label(f'{c.name} ({c.role.value}{kind})')}]")
        lines.append("  end")
    declared = _names(workload.spec.get("volumes"))
    volume = {name: f"v{i}" for i, name in enumerate(declared)}
    for name in declared:
        lines.append(f"  {volume[name]}[({label(name)})]")
    edges: list[str] = []
    mounted: dict[int, set[str]] = {}
    for c in containers:
        for mount in _mounts(c.spec):
            name, path = mount
            mounted.setdefault(id(c), set()).add(name)
            if name not in volume:  # undeclared: drawn, and dashed
                volume[name] = f"v{len(volume)}"
                lines.append(f"  {volume[name]}[({label(name + ' (undeclared)')})]")
                edges.append(f"  {node[id(c)]} -. {label(path)} .-> {volume[name]}")
            else:
                edges.append(f"  {node[id(c)]} -- {label(path)} --> {volume[name]}")
    mains = [c for c in containers if c.role is Role.MAIN]
    for c in containers:
        found = codes.get(c.name, set())
        if MISSING_MOUNT in found:
            wanted = {n for m in mains for n in mounted.get(id(m), set())} - mounted.get(
                id(c), set()
            )
            for name in sorted(wanted):
                edges.append(f"  {node[id(c)]} -. {label('missing mount')} .-> {volume[name]}")
        if BYPASSED_PROXY in found:
            lines.append(f"  svc([{label('Service')}])")
            edges += [f"  svc --> {node[id(m)]}" for m in mains]
            edges.append(f"  svc -. {label('bypasses the proxy')} .-> {node[id(c)]}")
    return "\n".join(lines + edges) + "\n"


def _names(volumes: Any) -> list[str]:
    if not isinstance(volumes, list):
        return []
    names = [v.get("name") for v in volumes if isinstance(v, dict)]
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n))


def _mounts(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    mounts = spec.get("volumeMounts")
    if not isinstance(mounts, list):
        return []
    out = []
    for m in mounts:
        if isinstance(m, dict) and isinstance(m.get("name"), str) and m["name"]:
            path = m.get("mountPath")
            text = path if isinstance(path, str) else "?"
            if m.get("readOnly") is True:
                text += " (ro)"
            out.append((m["name"], text))
    return out


def flagged(workload: Workload, findings: Iterable[Finding]) -> dict[str, set[str]] | None:
    """Codes by container name of the findings inside ``workload``'s pod (None: no finding)."""
    prefix = tuple(workload.template_pointer)
    codes: dict[str, set[str]] | None = None
    for f in findings:
        if f.document_index != workload.document.index or tuple(f.pointer[: len(prefix)]) != prefix:
            continue
        codes = codes if codes is not None else {}
        if f.container:
            codes.setdefault(f.container, set()).add(f.code)
    return codes


def diagrams_for(findings: Sequence[Finding], request: RunRequest) -> tuple[PodDiagram, ...]:
    """A diagram of every pod with a finding on one of its containers, in report order.

    Files are read again (standard input cannot be, so its pods are not drawn);
    each with the settings that linted it, so custom kinds and roles agree.
    """
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        if f.container and f.suppression is None:
            by_path.setdefault(f.path, []).append(f)
    out: list[PodDiagram] = []
    for path, found in by_path.items():
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            continue
        settings = request.resolver.for_path(path)
        linter = settings.linter()
        for doc in iter_documents(load_bytes(path, raw, settings.limits)):
            for workload in iter_workloads(doc, linter.kinds, linter.classifier):
                codes = flagged(workload, found)
                if codes:
                    span, _ = doc.locate(workload.template_pointer)
                    title = f"{workload.ref.display()} ({path}:{span.start_line})"
                    out.append(PodDiagram(path, span.start_line, title, flowchart(workload, codes)))
    return tuple(out)
