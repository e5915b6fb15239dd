"""What SL301 reads from mounts and commands: sub-paths that overlap, paths a command names."""

from __future__ import annotations

from typing import Any

import pytest

from sidecar_lint.checks._mounts import (
    Mount,
    flag_paths,
    holding,
    log_setting_paths,
    looks_like_log_mount,
    real_path,
    tailed_paths,
    watched_paths,
)
from sidecar_lint.model import ContainerView, Role


def mount(volume: str, path: str, sub: str | None = "", **kw: Any) -> Mount:
    return Mount(
        volume=volume,
        path=path,
        sub_path=sub,
        read_only=kw.get("read_only", False),
        identities=frozenset({("volume", volume)}),
        volume_type=kw.get("volume_type", "emptyDir"),
    )


def container(**spec: Any) -> ContainerView:
    return ContainerView("app", "containers", 0, ("spec",), spec, Role.MAIN, ("x",))


@pytest.mark.parametrize(
    ("mine", "theirs", "shared"),
    [
        ("", "ledger", True),
        ("ledger", "ledger", True),
        ("ledger/archive", "ledger", True),
        ("filebeat", "ledger", False),
        ("ledger-old", "ledger", False),
        (None, "ledger", True),  # subPathExpr: only the kubelet knows, so assume it may share
    ],
)
def test_sub_paths_share_files_when_one_contains_the_other(
    mine: str | None, theirs: str, shared: bool
) -> None:
    assert mount("logs", "/a", mine).shares_with(mount("logs", "/b", theirs)) is shared
    assert mount("logs", "/a", mine).shares_with(mount("other", "/b", theirs)) is False


def test_the_deepest_mount_holds_a_path() -> None:
    mounts = [mount("root", "/var"), mount("logs", "/var/log/nginx/"), mount("x", "/var/lib")]
    assert holding("/var/log/nginx/access.log", mounts) == mounts[1]
    assert holding("/var/log/nginx", mounts) == mounts[1]
    assert holding("/var/log/nginxold/a.log", mounts) == mounts[0]
    assert holding("/srv/a.log", mounts) is None


@pytest.mark.parametrize(
    ("token", "path"),
    [
        ("/var/log/1.log", "/var/log/1.log"),
        ("'/var/log/app/*.log'", "/var/log/app"),
        ("/var/log/containers/*_app_*.log", "/var/log/containers"),
        ("/data/${POD}/out.log", "/data"),
        ("/dev/null", None),
        ("/proc/1/fd/1", None),
        ("$LOG_DIR/app.log", None),
        ("relative/app.log", None),
    ],
)
def test_paths_a_command_names(token: str, path: str | None) -> None:
    assert real_path(token) == path


def test_tailed_paths_from_tail_and_fluent_bit() -> None:
    assert tailed_paths("sh -c tail -n+1 -F /var/log/1.log /var/log/2.log | grep x") == [
        "/var/log/1.log",
        "/var/log/2.log",
    ]
    assert tailed_paths("-i tail -p path=/var/log/api/*.log -o stdout") == ["/var/log/api"]
    inline = "-c [INPUT]\n    Name tail\n    Path /logs/app.log\n[OUTPUT]\n    Name stdout"
    assert tailed_paths(inline) == ["/logs/app.log"]
    assert tailed_paths("tail -f /dev/null") == []


def test_reloader_and_syncer_flags() -> None:
    line = "--volume-dir=/etc/config --volume-dir /etc/rules --webhook-url=http://127.0.0.1:9090"
    assert flag_paths(line, ("--volume-dir",)) == ["/etc/config", "/etc/rules"]
    assert flag_paths("--root=/git --link=current", ("--root",)) == ["/git"]
    assert watched_paths("inotifywait -m -e modify,create /etc/nginx/conf.d") == [
        "/etc/nginx/conf.d"
    ]


def test_where_an_app_is_told_to_write_its_logs() -> None:
    app = container(
        args=["--log-file=/srv/out/app.log", "--log_dir", "/srv/logs", "--port=8080"],
        env=[
            {"name": "APP_LOG_DIR", "value": "/data/logs"},
            {"name": "LOGFILE", "value": "/tmp/app.log"},
            {"name": "DATA_DIR", "value": "/data"},
        ],
    )
    line = " ".join(app.spec["args"])
    assert log_setting_paths(app, line) == [
        "/srv/out/app.log",
        "/srv/logs",
        "/data/logs",
        "/tmp/app.log",
    ]


@pytest.mark.parametrize(
    ("m", "is_log"),
    [
        (mount("shared", "/var/log/nginx"), True),
        (mount("data", "/srv/app/logs"), True),
        (mount("app-logs", "/srv/out"), True),
        (mount("varlog", "/out"), True),
        (mount("catalog", "/srv/catalog"), False),
        (mount("app-logs", "/var/log/app", read_only=True), False),
        (mount("log-config", "/etc/app/log", volume_type="configMap"), False),
        (mount("data", "/data"), False),
    ],
)
def test_mounts_that_look_like_an_apps_log_directory(m: Mount, is_log: bool) -> None:
    assert looks_like_log_mount(m) is is_log
