"""The injector catalogue and the pods it predicts: who injects, because of what, and what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from sidecar_lint.cli import main
from sidecar_lint.config import ConfigError, load_config
from sidecar_lint.document import SourceFile
from sidecar_lint.injector_catalogue import Catalogue, catalogue
from sidecar_lint.loading import load_source
from sidecar_lint.model import Role, Workload
from sidecar_lint.settings import FlagValues, resolve_settings
from sidecar_lint.workload import iter_workloads
from tests.conftest import cluster_context

ROOT = Path(__file__).resolve().parent.parent


def job(labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
        namespace: str | None = None, containers: list[dict[str, Any]] | None = None,
        host_network: bool = False) -> str:  # fmt: skip
    """A Job manifest with this pod-template metadata."""
    metadata: dict[str, Any] = {}
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": containers or [{"name": "work", "image": "registry.example.com/w:1.0"}],
    }
    if host_network:
        spec["hostNetwork"] = True
    obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "work", **({"namespace": namespace} if namespace else {})},
        "spec": {"template": {"metadata": metadata, "spec": spec}},
    }
    return yaml.safe_dump(obj, sort_keys=False)


def namespace(name: str, labels: dict[str, str] | None = None,
              annotations: dict[str, str] | None = None) -> str:  # fmt: skip
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": meta})


def workload(text: str, cluster: dict[str, Any] | None = None) -> Workload:
    context = cluster_context(cluster)
    loaded = load_source(SourceFile("t.yaml", text))
    from sidecar_lint.cluster import objects_in

    context = context.with_objects(objects_in(loaded.documents))
    found = [w for d in loaded.documents for w in iter_workloads(d, cluster=context)]
    assert len(found) == 1
    return found[0]


def injected(w: Workload) -> dict[str, list[tuple[str, str, str]]]:
    return {
        i.injector.id: [(c.list_key, c.name, c.role.value) for c in i.containers]
        for i in w.injections
    }


#: Per injector: pod metadata that opts in, metadata that opts out, and a marker of an
#: already-injected manifest. Every injector of the catalogue must be here.
POD_LEVEL: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "istio": (
        {"labels": {"sidecar.istio.io/inject": "true"}},
        {"labels": {"sidecar.istio.io/inject": "false"}},
        {"annotations": {"sidecar.istio.io/status": "{}"}},
    ),
    "linkerd": (
        {"annotations": {"linkerd.io/inject": "enabled"}},
        {"annotations": {"linkerd.io/inject": "disabled"}},
        {"annotations": {"linkerd.io/proxy-version": "edge-24.8.2"}},
    ),
    "vault": (
        {"annotations": {"vault.hashicorp.com/agent-inject": "true"}},
        {"annotations": {"vault.hashicorp.com/agent-inject": "false"}},
        {"annotations": {"vault.hashicorp.com/agent-inject-status": "injected"}},
    ),
    "dapr": (
        {"annotations": {"dapr.io/enabled": "true"}},
        {"annotations": {"dapr.io/enabled": "false"}},
        {"labels": {"dapr.io/sidecar-injected": "true"}},
    ),
    "opentelemetry": (
        {"annotations": {"sidecar.opentelemetry.io/inject": "true"}},
        {"annotations": {"sidecar.opentelemetry.io/inject": "false"}},
        {"labels": {"sidecar.opentelemetry.io/injected": "obs.sidecar"}},
    ),
    "consul": (
        {"annotations": {"consul.hashicorp.com/connect-inject": "true"}},
        {"annotations": {"consul.hashicorp.com/connect-inject": "false"}},
        {"annotations": {"consul.hashicorp.com/connect-inject-status": "injected"}},
    ),
    "kuma": (
        {"labels": {"kuma.io/sidecar-injection": "enabled"}},
        {"labels": {"kuma.io/sidecar-injection": "disabled"}},
        {"annotations": {"kuma.io/sidecar-injected": "true"}},
    ),
}


def test_every_injector_of_the_catalogue_is_tested_here() -> None:
    assert sorted(POD_LEVEL) == sorted(i.id for i in catalogue())


@pytest.mark.parametrize("injector", sorted(POD_LEVEL))
def test_pod_level_switches(injector: str) -> None:
    on, off, marker = POD_LEVEL[injector]
    entry = next(i for i in catalogue() if i.id == injector)
    predicted = injected(workload(job(**on)))
    assert list(predicted) == [injector]
    assert [name for _, name, _ in predicted[injector]] == [c.name for c in entry.containers]
    assert injected(workload(job(**off))) == {}
    (already,) = workload(job(**{**on, **marker})).injections
    assert already.already and already.containers == ()


@pytest.mark.parametrize("injector", sorted(POD_LEVEL))
def test_a_container_already_in_the_manifest_is_never_injected_twice(injector: str) -> None:
    on, _, _ = POD_LEVEL[injector]
    entry = next(i for i in catalogue() if i.id == injector)
    sidecar = entry.sidecar
    assert sidecar is not None
    containers = [
        {"name": "work", "image": "registry.example.com/w:1.0"},
        {"name": sidecar.name, "image": "registry.example.com/sidecar:1.0"},
    ]
    (injection,) = workload(job(**on, containers=containers)).injections
    assert injection.already and injection.containers == ()


def test_istio_label_beats_namespace_and_annotation_alone_does_nothing() -> None:
    ns = namespace("apps", {"istio-injection": "enabled"})
    opted_out = job(labels={"sidecar.istio.io/inject": "false"}, namespace="apps")
    assert injected(workload(ns + "---\n" + opted_out)) == {}
    by_namespace = workload(ns + "---\n" + job(namespace="apps"))
    (injection,) = by_namespace.injections
    assert injection.cause.scope == "namespace" and str(injection.cause.origin) == "t.yaml:5"
    annotation_only = job(annotations={"sidecar.istio.io/inject": "true"})
    assert injected(workload(annotation_only)) == {}
    unlabelled = namespace("apps", {"team": "payments"})
    assert injected(workload(unlabelled + "---\n" + job(namespace="apps"))) == {}


def test_istio_namespace_disabled_and_ambient_and_ignored_namespaces() -> None:
    for labels in ({"istio-injection": "disabled"}, {"istio.io/dataplane-mode": "ambient"}):
        ns = namespace("apps", labels)
        assert injected(workload(ns + "---\n" + job(namespace="apps"))) == {}
    ambient_pod = job(labels={"istio.io/dataplane-mode": "ambient"}, namespace="apps")
    ns = namespace("apps", {"istio-injection": "enabled"})
    assert injected(workload(ns + "---\n" + ambient_pod)) == {}
    system = job(labels={"sidecar.istio.io/inject": "true"}, namespace="kube-system")
    assert injected(workload(system)) == {}


def test_native_mode_moves_the_sidecar_to_init_containers() -> None:
    text = job(
        labels={"sidecar.istio.io/inject": "true"},
        annotations={"sidecar.istio.io/nativeSidecar": "true"},
    )
    assert injected(workload(text))["istio"] == [
        ("initContainers", "istio-init", "init"),
        ("initContainers", "istio-proxy", "native-sidecar"),
    ]
    configured = workload(
        job(annotations={"linkerd.io/inject": "enabled"}),
        {"injectors": {"linkerd": {"nativeSidecars": True}}},
    )
    assert ("initContainers", "linkerd-proxy", "native-sidecar") in injected(configured)["linkerd"]
    newer = workload(
        job(annotations={"linkerd.io/inject": "enabled"}),
        {"injectors": {"linkerd": {"version": "2.20.1"}}},
    )
    assert newer.injections[0].native is True
    older = workload(
        job(annotations={"linkerd.io/inject": "enabled"}),
        {"injectors": {"linkerd": {"version": "2.19.0"}}},
    )
    assert older.injections[0].native is False
    refused = workload(
        job(
            annotations={
                "linkerd.io/inject": "enabled",
                "config.linkerd.io/proxy-enable-native-sidecar": "false",
            }
        ),
        {"injectors": {"linkerd": {"nativeSidecars": True}}},
    )
    assert refused.injections[0].native is False  # the pod's annotation wins


def test_vault_pre_populate_only_and_pre_populate_off() -> None:
    only = job(
        annotations={
            "vault.hashicorp.com/agent-inject": "true",
            "vault.hashicorp.com/agent-pre-populate-only": "true",
        }
    )
    assert injected(workload(only))["vault"] == [("initContainers", "vault-agent-init", "init")]
    no_init = job(
        annotations={
            "vault.hashicorp.com/agent-inject": "1",
            "vault.hashicorp.com/agent-pre-populate": "false",
        }
    )
    assert injected(workload(no_init))["vault"] == [("containers", "vault-agent", "sidecar")]


def test_host_network_pods_are_skipped_by_istio_and_linkerd_only() -> None:
    both = job(
        labels={"sidecar.istio.io/inject": "true"},
        annotations={"linkerd.io/inject": "enabled", "dapr.io/enabled": "true"},
        host_network=True,
    )
    assert list(injected(workload(both))) == ["dapr"]


def test_kuma_needs_its_namespace_label_when_the_namespace_is_known() -> None:
    pod = job(labels={"kuma.io/sidecar-injection": "enabled"}, namespace="apps")
    assert injected(workload(pod)) != {}  # the namespace is unknown: the pod's label counts
    unlabelled = namespace("apps")
    assert injected(workload(unlabelled + "---\n" + pod)) == {}
    labelled = namespace("apps", {"kuma.io/sidecar-injection": "disabled"})
    assert list(injected(workload(labelled + "---\n" + pod))) == ["kuma"]
    annotation = job(annotations={"kuma.io/sidecar-injection": "enabled"})
    assert injected(workload(annotation)) == {}


def test_not_installed_injectors_inject_nothing() -> None:
    text = job(labels={"sidecar.istio.io/inject": "true"})
    assert injected(workload(text, {"injectors": {"istio": {"installed": False}}})) == {}


def test_predicted_containers_say_why() -> None:
    w = workload(job(annotations={"dapr.io/enabled": "true"}))
    (daprd,) = w.injected
    assert daprd.role is Role.SIDECAR
    assert daprd.reasons == (
        'injected by Dapr: annotation dapr.io/enabled: "true" on the pod template',
    )
    assert [p["containerPort"] for p in daprd.spec["ports"]] == [3500, 3501, 50001, 50002, 9090]
    assert w.containers[0].name == "work"  # the manifest's own containers are unchanged


def test_a_workload_no_injector_touches_has_no_injections() -> None:
    assert workload(job(labels={"app": "web"})).injections == ()


def test_the_catalogue_is_validated() -> None:
    data = yaml.safe_load((ROOT / "sidecar_lint" / "data" / "injectors.yaml").read_text())
    Catalogue.model_validate(data)
    data["injectors"][0]["switches"][0]["scope"] = "cluster"
    with pytest.raises(ValidationError):
        Catalogue.model_validate(data)
    data = yaml.safe_load((ROOT / "sidecar_lint" / "data" / "injectors.yaml").read_text())
    data["injectors"].append(data["injectors"][0])
    with pytest.raises(ValidationError, match="unique"):
        Catalogue.model_validate(data)
    data["injectors"].pop()
    data["injectors"][1]["conflictsWith"] = ["istoi"]
    with pytest.raises(ValidationError, match="unknown injectors"):
        Catalogue.model_validate(data)


def test_configuration_names_only_known_injectors(tmp_path: Path) -> None:
    config = tmp_path / ".sidecar-lint.yaml"
    config.write_text("cluster:\n  injectors:\n    istoi: {installed: true}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'istio'"):
        load_config(config)


def test_show_roles_lists_the_injected_containers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ns.yaml").write_text(namespace("apps", {"istio-injection": "enabled"}))
    (tmp_path / "job.yaml").write_text(job(namespace="apps"))
    monkeypatch.chdir(tmp_path)
    assert main(["--show-roles", "job.yaml", "ns.yaml"]) == 0
    out = capsys.readouterr().out
    assert "+ containers       istio-proxy              sidecar (injected)" in out
    assert "namespace apps has label istio-injection=enabled at ns.yaml:5" in out
    assert main(["--show-roles", "--format", "json", "job.yaml", "ns.yaml"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    (istio,) = entry["injected"]
    assert istio["injector"] == "istio" and istio["native"] is False
    assert [c["name"] for c in istio["containers"]] == ["istio-init", "istio-proxy"]


def test_cached_findings_follow_the_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ns.yaml").write_text(namespace("apps", {"istio-injection": "enabled"}))
    (tmp_path / "job.yaml").write_text(job(namespace="apps"))
    monkeypatch.chdir(tmp_path)
    args = [".", "--cache-dir", str(tmp_path / "cache"), "--format", "json", "--jobs", "1"]
    main(args)
    first = [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]
    (tmp_path / "ns.yaml").write_text(namespace("apps", {"istio-injection": "disabled"}))
    main(args)
    second = [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "SL203" in first and "SL203" not in second


def test_worker_processes_see_namespaces_of_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ns.yaml").write_text(namespace("apps", {"istio-injection": "enabled"}))
    for i in range(4):
        (tmp_path / f"job{i}.yaml").write_text(job(namespace="apps"))
    monkeypatch.chdir(tmp_path)
    outputs = []
    for jobs in ("1", "2"):
        main([".", "--no-cache", "--format", "json", "--jobs", jobs])
        outputs.append(json.loads(capsys.readouterr().out)["findings"])
    assert outputs[0] == outputs[1]
    assert sum(f["code"] == "SL203" for f in outputs[1]) == 4


def test_the_readme_cluster_example_is_valid(tmp_path: Path) -> None:
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    (block,) = [b for b in blocks if b.startswith("# .sidecar-lint.yaml: the cluster")]
    (tmp_path / ".sidecar-lint.yaml").write_text(block, encoding="utf-8")
    cluster = resolve_settings(load_config(tmp_path / ".sidecar-lint.yaml"), FlagValues()).cluster
    assert cluster.injector("istio").native_sidecars is True
    assert cluster.injector("dapr").resources == {}
    assert {ns.name for ns in cluster.namespaces} == {"batch", "payments"}


def test_show_roles_lists_sidecarset_containers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sidecarset = {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "SidecarSet",
        "metadata": {"name": "log-agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "containers": [{"name": "log-agent", "image": "fluent/fluent-bit:3.1"}],
        },
    }
    (tmp_path / "sset.yaml").write_text(yaml.safe_dump(sidecarset))
    (tmp_path / "job.yaml").write_text(job(labels={"app": "web"}))
    (tmp_path / "other.yaml").write_text(job(labels={"app": "api"}))
    monkeypatch.chdir(tmp_path)
    assert main(["--show-roles", "--format", "json", "job.yaml", "other.yaml", "sset.yaml"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_file = {e["file"]: e["injected"] for e in report}
    (injected,) = by_file["job.yaml"]
    assert injected["injector"] == "sidecarset/log-agent"
    assert injected["containers"] == [
        {"list": "containers", "name": "log-agent", "role": "sidecar"}
    ]
    assert by_file["other.yaml"] == []
