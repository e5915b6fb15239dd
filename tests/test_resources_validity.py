"""SL109: every value form, and exact request/limit comparison across units."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import lint


def _pod(requests: dict[str, object], limits: dict[str, object] | None = None) -> str:
    resources = {"requests": requests, **({"limits": limits} if limits is not None else {})}
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - name: app
      image: example.com/app:1.0.0
      resources: {json.dumps(resources)}
"""


@pytest.mark.parametrize(
    "value",
    ["1GB", "100mi", "0.5 Gi", "1K", "1.1.M", "", "e3", "1e", [1], {"a": 1}, True, None, "-1", -2],
)
def test_rejected_cpu_values(value: object) -> None:
    assert len(lint(_pod({"cpu": value}), select=["SL109"])) == 1


@pytest.mark.parametrize(
    "value", ["1", "0.5", "500m", 2, 0.25, "1e3", "12E", ".5", "1.", "+1", " 250m ", "100n", "1u"]
)
def test_accepted_cpu_values(value: object) -> None:
    assert lint(_pod({"cpu": value}), select=["SL109"]) == []


@pytest.mark.parametrize("value", ["100m", 0.5, "1.5", "1500m"])
def test_fractional_bytes(value: object) -> None:
    assert len(lint(_pod({"memory": value}), select=["SL109"])) == 1


@settings(max_examples=60, deadline=None)
@given(mebibytes=st.integers(min_value=1, max_value=1 << 20), extra=st.integers(0, 3))
def test_binary_units_compare_exactly(mebibytes: int, extra: int) -> None:
    request = f"{mebibytes * 1024 + extra}Ki"
    limit = f"{mebibytes}Mi"
    found = lint(_pod({"memory": request}, {"memory": limit}), select=["SL109"])
    assert len(found) == (1 if extra else 0)


@settings(max_examples=60, deadline=None)
@given(millis=st.integers(min_value=0, max_value=10**6))
def test_decimal_and_milli_forms_compare_exactly(millis: int) -> None:
    cores = f"{millis // 1000}.{millis % 1000:03d}"
    same = lint(_pod({"cpu": cores}, {"cpu": f"{millis}m"}), select=["SL109"])
    above = lint(_pod({"cpu": f"{millis + 1}m"}, {"cpu": cores}), select=["SL109"])
    assert same == []
    assert len(above) == 1 and "above its limit" in above[0].message
