"""Pods drawn as Mermaid flowcharts, checked by parsing the diagram text back."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from sidecar_lint.document import SourceFile
from sidecar_lint.loading import iter_documents, load_source
from sidecar_lint.model import Workload
from sidecar_lint.pod_diagrams import flowchart
from sidecar_lint.workload import iter_workloads
from tests.harness import run_cli

_NODE = re.compile(r'^(\w+)(\[\(|\(\[|\[)"([^"]*)"(\)\]|\]\)|\])$')
_EDGE = re.compile(r'^(\w+) (?:(--) "([^"]*)" -->|(-\.) "([^"]*)" \.->|(-->)) (\w+)$')
_SUBGRAPH = re.compile(r'^subgraph (\w+)\["([^"]*)"\]$')
SHAPES = {("[(", ")]"): "volume", ("([", "])"): "service", ("[", "]"): "container"}


@dataclass
class Diagram:
    """The subset of Mermaid flowchart syntax the linter writes."""

    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (shape, label)
    groups: dict[str, list[str]] = field(default_factory=dict)  # subgraph title -> node ids
    edges: set[tuple[str, str, str, str]] = field(default_factory=set)  # from, to, style, label

    def id_of(self, text: str) -> str:
        (found,) = [n for n, (_, label) in self.nodes.items() if label.startswith(text)]
        return found

    def edge(self, a: str, b: str) -> tuple[str, str] | None:
        """(style, label) of the edge between the nodes labelled ``a`` and ``b``."""
        ids = self.id_of(a), self.id_of(b)
        got = [(s, lbl) for x, y, s, lbl in self.edges if (x, y) == ids]
        return got[0] if got else None


def parse(text: str) -> Diagram:
    lines = [line.strip() for line in text.strip().splitlines()]
    assert lines[0] == "flowchart LR", lines[0]
    diagram, group = Diagram(), None
    for line in lines[1:]:
        if (m := _SUBGRAPH.match(line)) is not None:
            group = m[2]
            diagram.groups[group] = []
        elif line == "end":
            group = None
        elif (m := _NODE.match(line)) is not None:
            diagram.nodes[m[1]] = (SHAPES[(m[2], m[4])], m[3])
            if group is not None:
                diagram.groups[group].append(m[1])
        elif (m := _EDGE.match(line)) is not None:
            style = "solid" if m[2] or m[6] else "dashed"
            diagram.edges.add((m[1], m[7], style, m[3] or m[5] or ""))
        else:
            raise AssertionError(f"not in the emitted subset: {line!r}")
    for a, b, _, _ in diagram.edges:
        assert a in diagram.nodes and b in diagram.nodes, (a, b)
    return diagram


def workload(text: str) -> Workload:
    (doc,) = iter_documents(load_source(SourceFile("pod.yaml", textwrap.dedent(text))))
    (found,) = iter_workloads(doc)
    return found


LOGS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/web-migrate:1.0
      containers:
        - name: web
          image: registry.example.com/web:1.0
          volumeMounts:
            - {name: app-logs, mountPath: /var/log/app}
            - {name: tmp, mountPath: /tmp}
        - name: fluent-bit
          image: fluent/fluent-bit:3.1.9
          volumeMounts:
            - {name: tmp, mountPath: /tmp, readOnly: true}
            - {name: buffer, mountPath: /buffer}
      volumes:
        - {name: app-logs, emptyDir: {}}
        - {name: tmp, emptyDir: {}}
"""


def test_containers_by_role_volumes_and_mounts() -> None:
    d = parse(flowchart(workload(LOGS)))
    groups = {title: sorted(d.nodes[n][1] for n in ids) for title, ids in d.groups.items()}
    assert groups == {
        "init containers": ["migrate (init)"],
        "main": ["web (main)"],
        "sidecars": ["fluent-bit (sidecar · Fluent Bit)"],
    }
    volumes = sorted(label for shape, label in d.nodes.values() if shape == "volume")
    assert volumes == ["app-logs", "buffer (undeclared)", "tmp"]
    assert d.edge("web", "app-logs") == ("solid", "/var/log/app")
    assert d.edge("fluent-bit", "tmp") == ("solid", "/tmp (ro)")
    assert d.edge("fluent-bit", "buffer") == ("dashed", "/buffer")  # an undeclared volume
    assert d.edge("fluent-bit", "app-logs") is None  # no finding: nothing drawn as missing


def test_the_missing_log_mount_is_dashed() -> None:
    d = parse(flowchart(workload(LOGS), {"fluent-bit": {"SL301"}}))
    assert d.edge("fluent-bit", "app-logs") == ("dashed", "missing mount")
    assert d.edge("fluent-bit", "tmp") == ("solid", "/tmp (ro)")  # shared already: not missing


def test_a_service_that_bypasses_the_proxy_is_dashed() -> None:
    pod = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: api, labels: {app: api}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:2.0
          ports: [{name: http, containerPort: 8080}]
        - name: oauth2-proxy
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.6.0
          args: [--upstream=http://localhost:8080]
          ports: [{name: https, containerPort: 8443}]
    """
    d = parse(flowchart(workload(pod), {"oauth2-proxy": {"SL303"}}))
    assert d.nodes[d.id_of("Service")][0] == "service"
    assert d.edge("Service", "api") == ("solid", "")
    assert d.edge("Service", "oauth2-proxy") == ("dashed", "bypasses the proxy")


def test_labels_are_quoted_safely() -> None:
    pod = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: odd}
    spec:
      containers:
        - name: 'a"b<c>'
          image: busybox:1.36
    """
    text = flowchart(workload(pod))
    assert "a#quot;b#lt;c#gt;" in text
    parse(text)


def _mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, flags=re.S)


def test_the_markdown_report_draws_each_flagged_pod(tmp_path: Path) -> None:
    (tmp_path / "logs.yaml").write_text(LOGS)
    (tmp_path / "quiet.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: quiet}\nspec:\n"
        "  containers: [{name: app, image: registry.example.com/app:1.0}]\n"
    )
    proc = run_cli("--format", "markdown", ".", cwd=tmp_path, clean=True)
    (block,) = _mermaid_blocks(proc.stdout)  # the quiet pod has no finding: not drawn
    assert "<summary>Deployment shop/web (logs.yaml:7)</summary>" in proc.stdout
    d = parse(block)
    assert d.edge("fluent-bit", "app-logs") == ("dashed", "missing mount")


def test_show_roles_in_markdown_draws_every_pod(tmp_path: Path) -> None:
    (tmp_path / "logs.yaml").write_text(LOGS)
    proc = run_cli("--show-roles", "--format", "markdown", "logs.yaml", cwd=tmp_path, clean=True)
    assert proc.returncode == 0
    assert "### Deployment shop/web (logs.yaml:7)" in proc.stdout
    assert "- `fluent-bit`: sidecar (log-shipper)" in proc.stdout
    (block,) = _mermaid_blocks(proc.stdout)
    assert parse(block).edge("web", "tmp") == ("solid", "/tmp")
