"""The cluster context: Namespaces, Services and SidecarSets of a run, and the configuration's."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sidecar_lint.cache import FORMAT
from sidecar_lint.cli import main
from sidecar_lint.cluster import (
    ClusterContext,
    ClusterObjects,
    Origin,
    may_hold_cluster_objects,
    objects_in,
    selector_matches,
)
from sidecar_lint.cluster_scan import collect_objects
from sidecar_lint.config import ConfigError, LoadedConfig, load_config
from sidecar_lint.discovery import Input
from sidecar_lint.document import SourceFile
from sidecar_lint.loading import load_source
from sidecar_lint.parallel import _STATE, _init_worker, _lint_path
from sidecar_lint.settings import FlagValues, resolve_settings

NAMESPACE = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Namespace
    metadata:
      name: reports
      labels:
        istio-injection: enabled
      annotations:
        linkerd.io/inject: enabled
    """
)

SERVICE = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: shop
    spec:
      selector:
        app: web
      ports:
        - name: http
          port: 80
          targetPort: http
        - port: 9090
    """
)

SIDECARSET = textwrap.dedent(
    """\
    apiVersion: apps.kruise.io/v1alpha1
    kind: SidecarSet
    metadata:
      name: log-agent
    spec:
      selector:
        matchLabels: {app: web}
      containers:
        - name: fluent-bit
          image: fluent/fluent-bit:3.1
    """
)

JOB = textwrap.dedent(
    """\
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: nightly
      namespace: reports
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: nightly
              image: registry.example.com/nightly:1.0.0
    """
)


def _objects(text: str, path: str = "x.yaml") -> ClusterObjects:
    return objects_in(load_source(SourceFile(path, text)).documents)


def test_namespace_labels_and_annotations_with_their_positions() -> None:
    objects = _objects(NAMESPACE, "ns.yaml")
    (ns,) = objects.namespaces
    assert ns.name == "reports"
    assert ns.labels == {"istio-injection": "enabled", "kubernetes.io/metadata.name": "reports"}
    assert ns.annotations == {"linkerd.io/inject": "enabled"}
    assert ns.origin == Origin("ns.yaml", 3)
    assert str(ns.where("labels", "istio-injection")) == "ns.yaml:6"
    assert str(ns.where("annotations", "linkerd.io/inject")) == "ns.yaml:8"


def test_services_keep_selector_ports_and_target_ports() -> None:
    (svc,) = _objects(SERVICE, "svc.yaml").services
    assert (svc.name, svc.namespace, dict(svc.selector)) == ("web", "shop", {"app": "web"})
    assert [(p.port, p.target_port, p.protocol, p.name) for p in svc.ports] == [
        (80, "http", "TCP", "http"),
        (9090, None, "TCP", None),
    ]
    assert svc.origin == Origin("svc.yaml", 1)
    context = ClusterContext(_objects(SERVICE, "svc.yaml"))
    assert context.services_in("shop") == [svc]
    assert context.services_in("default") == []


def test_sidecarsets_keep_their_spec_and_entry_positions() -> None:
    (sset,) = _objects(SIDECARSET, "sset.yaml").sidecarsets
    assert sset.name == "log-agent"
    assert sset.spec["containers"][0]["name"] == "fluent-bit"
    assert str(sset.where("containers", 0)) == "sset.yaml:9"


def test_other_kinds_and_groups_are_not_collected() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: web}
        ---
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: web}
        """
    )
    assert not _objects(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"kind: Namespace\n", True),
        (b'{"kind":"Service","apiVersion":"v1"}', True),
        (b"kind: 'SidecarSet'", True),
        (b"kind: ServiceAccount\nserviceAccountName: web\n", False),
        (b"kind: Deployment\n", False),
    ],
)
def test_byte_prefilter(raw: bytes, expected: bool) -> None:
    assert may_hold_cluster_objects(raw) is expected
    assert may_hold_cluster_objects(raw.decode()) is expected


def test_default_namespace_and_lookup_order() -> None:
    context = ClusterContext(_objects(NAMESPACE))
    assert context.namespace_of(None) == "default"
    assert context.namespace_of("reports") == "reports"
    found = context.namespace("reports")
    assert found is not None and found.labels["istio-injection"] == "enabled"
    assert context.namespace("elsewhere") is None


def test_merging_keeps_each_object_once() -> None:
    a = _objects(NAMESPACE, "ns.yaml")
    b = _objects(SERVICE, "svc.yaml")
    both = a.merged(b).merged(a)
    assert (len(both.namespaces), len(both.services)) == (1, 1)
    assert both.digest() == a.merged(b).digest() != a.digest()
    assert ClusterObjects().digest() == ""


def test_selectors() -> None:
    labels = {"app": "web", "tier": "front"}
    assert selector_matches({"matchLabels": {"app": "web"}}, labels) is True
    assert selector_matches({"matchLabels": {"app": "db"}}, labels) is False
    expression = {"key": "tier", "operator": "In", "values": ["front", "back"]}
    assert selector_matches({"matchExpressions": [expression]}, labels) is True
    gone = {"key": "tier", "operator": "DoesNotExist"}
    assert selector_matches({"matchExpressions": [gone]}, labels) is False
    assert selector_matches({}, labels) is True
    assert selector_matches({"matchExpressions": [{"key": "a", "operator": "Near"}]}, {}) is None


def test_pre_pass_reads_every_file_of_the_run(tmp_path: Path) -> None:
    (tmp_path / "ns.yaml").write_text(NAMESPACE, encoding="utf-8")
    (tmp_path / "svc.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}}),
        encoding="utf-8",
    )
    (tmp_path / "job.yaml").write_text(JOB, encoding="utf-8")
    items = [Input(str(tmp_path / n)) for n in ("ns.yaml", "svc.json", "job.yaml")]
    objects = collect_objects([*items, Input("-", is_stdin=True)])
    assert [n.name for n in objects.namespaces] == ["reports"]
    assert [s.name for s in objects.services] == ["api"]
    assert objects.sources == {str(tmp_path / n) for n in ("ns.yaml", "svc.json", "job.yaml")}


def test_pre_pass_reads_only_the_documents_that_mention_a_kind(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(
        "# the app\n---\n" + JOB + "---\n" + SERVICE + "...\n---\n" + NAMESPACE + "---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {kind: Service}\n",
        encoding="utf-8",
    )
    objects = collect_objects([Input(str(path))])
    (svc,) = objects.services
    (ns,) = objects.namespaces
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[svc.origin.line - 1] == "apiVersion: v1"
    assert lines[svc.origin.line + 1] == "metadata:"
    assert lines[ns.where("labels", "istio-injection").line - 1] == "    istio-injection: enabled"
    assert objects == objects_in(load_source(SourceFile(str(path), path.read_text())).documents)


def test_configuration_section(tmp_path: Path) -> None:
    config = tmp_path / ".sidecar-lint.yaml"
    config.write_text(
        textwrap.dedent(
            """\
            cluster:
              defaultNamespace: batch
              namespaces:
                batch:
                  labels:
                    istio-injection: enabled
              injectors:
                istio:
                  installed: true
                  nativeSidecars: false
                  resources:
                    requests: {cpu: 100m, memory: 128Mi}
                dapr:
                  resources: none
            """
        ),
        encoding="utf-8",
    )
    settings = resolve_settings(load_config(config), FlagValues())
    cluster = settings.cluster
    assert cluster.default_namespace == "batch"
    (ns,) = cluster.namespaces
    assert ns.labels["istio-injection"] == "enabled"
    assert ns.where("labels", "istio-injection") == Origin(str(config), 6)
    assert cluster.injector("istio").installed is True
    assert cluster.injector("istio").resources == {"requests": {"cpu": "100m", "memory": "128Mi"}}
    assert cluster.injector("dapr").resources == {}
    assert cluster.injector("linkerd").installed is None
    assert settings.describe()["cluster"]["defaultNamespace"] == "batch"
    assert settings.linter().cluster.namespace("batch") == ns


def test_configuration_rejects_a_bad_quantity(tmp_path: Path) -> None:
    config = tmp_path / ".sidecar-lint.yaml"
    config.write_text(
        "cluster:\n  injectors:\n    istio:\n      resources:\n        limits: {memory: 1GB}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert ":5:" in str(caught.value) and "cluster.injectors.istio.resources" in str(caught.value)


def test_workers_receive_the_cluster_objects(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(JOB, encoding="utf-8")
    settings = resolve_settings(LoadedConfig(), FlagValues())
    objects = _objects(NAMESPACE, "ns.yaml")
    saved = (_STATE.settings, _STATE.linters, _STATE.objects)
    try:
        _init_worker((settings,), objects)  # what a spawned worker is given
        _lint_path((0, Input(str(tmp_path / "job.yaml")), 0))
        assert _STATE.linters[0].cluster.objects == objects
    finally:
        _STATE.settings, _STATE.linters, _STATE.objects = saved


def _entries(cache: Path) -> dict[str, dict[str, object]]:
    (file,) = (cache / f"v{FORMAT}").glob("*.json")
    return json.loads(file.read_text(encoding="utf-8"))["files"]  # type: ignore[no-any-return]


def test_cached_results_are_tied_to_the_cluster_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "job.yaml").write_text(JOB, encoding="utf-8")
    (project / "ns.yaml").write_text(NAMESPACE, encoding="utf-8")
    monkeypatch.chdir(project)
    cache = tmp_path / "cache"
    args = [".", "--cache-dir", str(cache), "--jobs", "1", "--format", "json"]
    main(args)
    first = _entries(cache)["job.yaml"]["context"]
    (project / "ns.yaml").write_text(NAMESPACE.replace("enabled", "disabled"), encoding="utf-8")
    main(args)
    second = _entries(cache)["job.yaml"]["context"]
    assert first and second and first != second
    capsys.readouterr()


def test_services_are_collected_only_when_a_rule_reads_them(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(NAMESPACE + "---\n" + SERVICE, encoding="utf-8")
    items = [Input(str(tmp_path / "all.yaml"))]
    without = collect_objects(items, services=False)
    assert [n.name for n in without.namespaces] == ["reports"] and without.services == ()
    assert [s.name for s in collect_objects(items).services] == ["web"]
    settings = resolve_settings(LoadedConfig(), FlagValues())
    assert settings.linter().needs_services is True  # SL303 reads them
    flags = FlagValues(ignore=("service-bypasses-proxy-sidecar",))
    assert resolve_settings(LoadedConfig(), flags).linter().needs_services is False
