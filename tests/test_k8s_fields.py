"""Tests of the bundled Kubernetes field tables and of their generator."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sidecar_lint.k8s_fields import FieldInfo, FieldTables

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "sidecar_lint" / "data" / "k8s_fields.json"
GENERATOR = REPO / "scripts" / "generate_k8s_fields.py"
#: An independent record of the field names of a few core types in every release, kept apart
#: from the generator so that the generated tables can be checked against it.
REFERENCE = REPO / "tests" / "data" / "k8s" / "fields-reference.json"
ALL_VERSIONS = tuple(f"1.{minor}" for minor in range(25, 38))


@pytest.fixture(scope="module")
def tables() -> FieldTables:
    return FieldTables.load()


def _generator() -> ModuleType:
    """Import the generator script as a module (it needs kubernetes-validate only to run)."""
    spec = importlib.util.spec_from_file_location("generate_k8s_fields", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _minor_number(version: str) -> int:
    return int(version.split(".")[1])


# --- versions -------------------------------------------------------------------------------


def test_versions_cover_1_25_to_1_37(tables: FieldTables) -> None:
    assert tables.versions == ALL_VERSIONS


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("1.24", "1.25"),
        ("1.9", "1.25"),
        ("1.3", "1.25"),
        ("1.25", "1.25"),
        ("1.33", "1.33"),
        ("v1.33", "1.33"),
        ("1.33.7", "1.33"),
        ("1.37", "1.37"),
        ("1.40", "1.37"),
        ("1.100", "1.37"),
        ("2.0", "1.37"),
        ("0.99", "1.25"),
    ],
)
def test_nearest_version_clamps(tables: FieldTables, asked: str, expected: str) -> None:
    assert tables.nearest_version(asked) == expected


@pytest.mark.parametrize("bad", ["", "1", "latest", "1.x", "1.28-beta"])
def test_nearest_version_rejects_garbage(tables: FieldTables, bad: str) -> None:
    with pytest.raises(ValueError):
        tables.nearest_version(bad)


def test_versions_compare_numerically_not_as_strings(tables: FieldTables) -> None:
    # As strings "1.3" > "1.28"; numerically 1.3 is older and clamps to 1.25.
    assert not tables.exists_in("Container", "restartPolicy", "1.3")
    assert tables.exists_in("Container", "restartPolicy", "1.28")
    assert tables.exists_in("Container", "restartPolicy", "1.100")


def test_synthetic_tables_sort_and_compare_numerically() -> None:
    document: dict[str, Any] = {
        "format": 1,
        "versions": ["1.10", "1.9", "1.11"],
        "free_form": [],
        "types": {"T": {"a": ["scalar", None, "1.10", None], "b": ["scalar", None, "1.9", "1.9"]}},
    }
    tables = FieldTables.from_document(document)
    assert tables.versions == ("1.9", "1.10", "1.11")
    assert tables.fields("T", "1.9") == {"b"}
    assert tables.fields("T", "1.10") == {"a"}
    assert tables.fields("T", "1.11") == {"a"}
    assert tables.nearest_version("1.8") == "1.9"


def test_gaps_are_honoured() -> None:
    document: dict[str, Any] = {
        "format": 1,
        "versions": ["1.25", "1.26", "1.27"],
        "free_form": [],
        "types": {"T": {"a": ["scalar", None, "1.25", None, {"gaps": ["1.26"]}]}},
    }
    tables = FieldTables.from_document(document)
    assert [tables.exists_in("T", "a", v) for v in tables.versions] == [True, False, True]


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="format"):
        FieldTables.from_document({"format": 99, "versions": ["1.25"]})


# --- loading --------------------------------------------------------------------------------


def test_load_is_cached(tables: FieldTables) -> None:
    assert FieldTables.load() is tables


def test_data_file_is_small_and_canonical() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert len(text.encode()) < 300_000
    canonical = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":")) + "\n"
    assert text == canonical


def test_loads_from_a_zipped_install(tmp_path: Path) -> None:
    """Package data must be found through importlib.resources, not a source-tree path."""
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("sidecar_lint/__init__.py", "")
        zipped.write(REPO / "sidecar_lint" / "k8s_fields.py", "sidecar_lint/k8s_fields.py")
        zipped.write(DATA, "sidecar_lint/data/k8s_fields.json")
    script = (
        "import sidecar_lint.k8s_fields as m\n"
        "assert '.zip' in m.__file__, m.__file__\n"
        "t = m.FieldTables.load()\n"
        "print(t.versions[-1], t.exists_in('Container', 'restartPolicy', '1.28'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(archive)!r})\n{script}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1.37", "True"]


# --- facts from the schemas -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "name", "since", "until"),
    [
        ("Container", "restartPolicy", "1.28", None),
        ("EphemeralContainer", "restartPolicy", "1.28", None),
        ("Container", "restartPolicyRules", "1.34", None),
        ("Container", "resizePolicy", "1.27", None),
        ("PodSpec", "resources", "1.32", None),
        ("PodSpec", "workloadRef", "1.35", "1.35"),
        ("PodSpec", "schedulingGroup", "1.36", None),
        ("PodSpec", "hostnameOverride", "1.34", None),
        ("PodSpec", "evictionResponders", "1.37", None),
        ("VolumeMount", "recursiveReadOnly", "1.30", None),
        ("VolumeMount", "bindMountOptions", "1.37", None),
        ("Lifecycle", "stopSignal", "1.33", None),
        ("LifecycleHandler", "sleep", "1.29", None),
        ("PodResourceClaim", "source", "1.26", "1.30"),
        ("Container", "name", "1.25", None),
    ],
)
def test_field_ranges(
    tables: FieldTables, type_name: str, name: str, since: str, until: str | None
) -> None:
    info = tables.field(type_name, name)
    assert info is not None
    assert (info.since, info.until) == (since, until)
    minor = _minor_number
    for version in tables.versions:
        inside = minor(since) <= minor(version) and (
            until is None or minor(version) <= minor(until)
        )
        assert tables.exists_in(type_name, name, version) is inside, version
        assert (name in tables.fields(type_name, version)) is inside, version


def test_lifecycle_handler_sleep_is_absent_before_1_29(tables: FieldTables) -> None:
    assert not tables.exists_in("LifecycleHandler", "sleep", "1.28")
    assert tables.exists_in("LifecycleHandler", "sleep", "1.29")
    assert tables.exists_in("LifecycleHandler", "sleep", "1.30")
    assert tables.field("LifecycleHandler", "sleep") == FieldInfo(
        "sleep", "SleepAction", "object", "1.29", None
    )


def test_workload_ref_is_gone_after_1_35(tables: FieldTables) -> None:
    assert "workloadRef" in tables.fields("PodSpec", "1.35")
    assert "workloadRef" not in tables.fields("PodSpec", "1.36")
    assert "schedulingGroup" not in tables.fields("PodSpec", "1.35")


def test_pod_spec_never_has_sidecar_containers(tables: FieldTables) -> None:
    assert tables.field("PodSpec", "sidecarContainers") is None
    for version in tables.versions:
        assert "sidecarContainers" not in tables.fields("PodSpec", version)
        assert not tables.exists_in("PodSpec", "sidecarContainers", version)


def test_shapes(tables: FieldTables) -> None:
    assert tables.field("PodSpec", "containers") == FieldInfo(
        "containers", "Container", "list", "1.25", None
    )
    assert tables.field("PodSpec", "ephemeralContainers") == FieldInfo(
        "ephemeralContainers", "EphemeralContainer", "list", "1.25", None
    )
    assert tables.field("Container", "resources") == FieldInfo(
        "resources", "ResourceRequirements", "object", "1.25", None
    )
    assert tables.field("PodTemplateSpec", "metadata") == FieldInfo(
        "metadata", "ObjectMeta", "object", "1.25", None
    )
    container_args = tables.field("Container", "args")
    assert container_args is not None and container_args.shape == "list-scalar"
    image = tables.field("Container", "image")
    assert image is not None and (image.shape, image.type_name) == ("scalar", None)
    labels = tables.field("ObjectMeta", "labels")
    assert labels is not None and labels.shape == "map-scalar"
    # IntOrString / Quantity are values, not objects with keys.
    port = tables.field("HTTPGetAction", "port")
    assert port is not None and (port.shape, port.type_name) == ("scalar", None)


def test_resource_limits_are_never_key_checked(tables: FieldTables) -> None:
    for name in ("limits", "requests"):
        info = tables.field("ResourceRequirements", name)
        assert info is not None
        assert info.shape == "map-scalar"
        assert info.type_name is None
    assert tables.is_free_form("Quantity")
    assert tables.exists_in("Quantity", "nvidia.com/gpu", "1.30")


def test_free_form_types(tables: FieldTables) -> None:
    for type_name in ("Quantity", "IntOrString", "Time", "FieldsV1"):
        assert tables.has_type(type_name)
        assert tables.is_free_form(type_name)
        assert tables.fields(type_name, "1.30") == frozenset()
        assert tables.field(type_name, "anything") is None
    assert not tables.is_free_form("PodSpec")
    assert not tables.is_free_form("NoSuchType")
    fields_v1 = tables.field("ManagedFieldsEntry", "fieldsV1")
    assert fields_v1 is not None and (fields_v1.shape, fields_v1.type_name) == ("any", None)


def test_ephemeral_container_has_target_container_name(tables: FieldTables) -> None:
    assert tables.exists_in("EphemeralContainer", "targetContainerName", "1.25")
    assert tables.field("Container", "targetContainerName") is None


def test_unknown_type_raises(tables: FieldTables) -> None:
    assert not tables.has_type("Podspec")
    with pytest.raises(KeyError):
        tables.field("Podspec", "containers")
    with pytest.raises(KeyError):
        tables.fields("Podspec", "1.30")
    with pytest.raises(KeyError):
        tables.exists_in("Podspec", "containers", "1.30")


def test_roots_and_referenced_types_are_all_known(tables: FieldTables) -> None:
    roots = (
        "PodTemplateSpec",
        "PodSpec",
        "Container",
        "EphemeralContainer",
        "JobSpec",
        "CronJobSpec",
        "JobTemplateSpec",
        "DeploymentSpec",
        "StatefulSetSpec",
        "DaemonSetSpec",
        "ReplicaSetSpec",
        "ReplicationControllerSpec",
        "ObjectMeta",
        "LabelSelector",
        "VolumeMount",
        "Probe",
    )
    for root in roots:
        assert tables.has_type(root) and not tables.is_free_form(root), root
    document = json.loads(DATA.read_text(encoding="utf-8"))
    for type_name, properties in document["types"].items():
        for name in properties:
            info = tables.field(type_name, name)
            assert info is not None
            if info.shape in ("object", "list", "map"):
                assert info.type_name is not None
                assert tables.has_type(info.type_name)
                assert not tables.is_free_form(info.type_name)
            else:
                assert info.type_name is None, (type_name, name)
    assert not set(document["types"]) & set(document["free_form"])


# --- cross-check against the independent reference -----------------------------------------


def _reference() -> dict[str, dict[str, list[str]]]:
    data: dict[str, dict[str, list[str]]] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("version", [f"{v}.0" for v in ALL_VERSIONS])
def test_matches_reference(tables: FieldTables, version: str) -> None:
    reference = _reference()
    assert version in reference
    minor = version.rsplit(".", 1)[0]
    checked = {"PodSpec", "Container", "VolumeMount", "Probe"}
    for type_name, names in reference[version].items():
        if tables.has_type(type_name):
            assert tables.fields(type_name, minor) == frozenset(names), (version, type_name)
        else:
            assert type_name not in checked
    assert checked <= set(reference[version])


# --- generator ------------------------------------------------------------------------------


def test_short_names_disambiguate_collisions() -> None:
    short_names = _generator().short_names
    names = short_names(
        {
            "io.k8s.api.core.v1.PodSpec",
            "io.k8s.api.core.v1.TypedLocalObjectReference",
            "io.k8s.api.scheduling.v1alpha3.TypedLocalObjectReference",
            "a.x.y.Same",
            "b.x.y.Same",
        }
    )
    assert names["io.k8s.api.core.v1.PodSpec"] == "PodSpec"
    assert names["io.k8s.api.core.v1.TypedLocalObjectReference"] == (
        "core.v1.TypedLocalObjectReference"
    )
    assert names["io.k8s.api.scheduling.v1alpha3.TypedLocalObjectReference"] == (
        "scheduling.v1alpha3.TypedLocalObjectReference"
    )
    assert names["a.x.y.Same"] == "a.x.y.Same"
    assert names["b.x.y.Same"] == "b.x.y.Same"


def test_classify_shapes() -> None:
    classify = _generator().classify
    defs: dict[str, Any] = {
        "Obj": {"type": "object", "properties": {"a": {"type": "string"}}},
        "Free": {"type": ["object", "null"]},
        "Qty": {"oneOf": [{"type": "string"}, {"type": "number"}]},
    }
    ref = {"$ref": "#/$defs/Obj"}
    assert classify(ref, defs) == ("object", "Obj")
    assert classify({"allOf": [ref]}, defs) == ("object", "Obj")
    assert classify({"type": "array", "items": ref}, defs) == ("list", "Obj")
    assert classify({"type": "object", "additionalProperties": ref}, defs) == ("map", "Obj")
    assert classify({"type": "string"}, defs) == ("scalar", None)
    assert classify({"$ref": "#/$defs/Qty"}, defs) == ("scalar", None)
    assert classify({"$ref": "#/$defs/Free"}, defs) == ("any", None)
    assert classify({"type": "array", "items": {"type": "string"}}, defs) == ("list-scalar", None)
    qty_map = {"type": "object", "additionalProperties": {"$ref": "#/$defs/Qty"}}
    assert classify(qty_map, defs) == ("map-scalar", None)
    assert classify({"type": "object"}, defs) == ("any", None)
    assert classify({"x-kubernetes-preserve-unknown-fields": True}, defs) == ("any", None)
    nested = {"type": "array", "items": {"type": "array", "items": ref}}
    assert classify(nested, defs) == ("any", None)


def test_generator_check_passes_on_committed_file() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generator_check_detects_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "k8s_fields.json"
    stale.write_text(DATA.read_text(encoding="utf-8").replace('"1.28"', '"1.27"', 1))
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check", "--output", str(stale)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "out of date" in result.stderr
