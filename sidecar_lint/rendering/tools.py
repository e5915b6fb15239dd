"""Running the render tools: which one is installed, and running it safely.

A render never uses the network, plugins or exec functions: no flag that
enables them is passed, proxies point nowhere and git may only read local
repositories, so a remote base fails instead of being fetched. Each run has a
timeout. A failure is described by the tool's first error line, cleaned of
the log prefix kubectl puts in front of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Seconds one render may take before it is reported as failed.
DEFAULT_TIMEOUT = 60.0

#: An address nothing listens on: whatever the tool tries to fetch fails at once.
_NOWHERE = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Tool:
    """An installed render tool and the command line that renders a directory with it."""

    name: str  # "kustomize", "kubectl" or "helm"
    executable: str

    def kustomize_command(self, directory: str) -> list[str]:
        if self.name == "kustomize":
            return [self.executable, "build", directory]
        return [self.executable, "kustomize", directory]


def find_kustomize(env: Mapping[str, str] | None = None) -> Tool | None:
    """``kustomize``, else ``kubectl`` (which embeds it), from PATH; None when neither is there."""
    path = (env if env is not None else os.environ).get("PATH")
    for name in ("kustomize", "kubectl"):
        found = shutil.which(name, path=path)
        if found:
            return Tool(name, found)
    return None


def find_helm(env: Mapping[str, str] | None = None) -> Tool | None:
    """``helm`` from PATH, or None."""
    found = shutil.which("helm", path=(env if env is not None else os.environ).get("PATH"))
    return Tool("helm", found) if found else None


@dataclass(frozen=True)
class ToolRun:
    """What a render produced: its standard output, or the reason it failed."""

    output: str = ""
    error: str | None = None


def offline_env() -> dict[str, str]:
    """The environment a render runs in: the caller's, with every way out closed."""
    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env[name] = _NOWHERE
    env["NO_PROXY"] = env["no_proxy"] = ""
    env["GIT_ALLOW_PROTOCOL"] = "file"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["HELM_OFFLINE"] = "1"
    return env


def run_tool(
    command: Sequence[str], timeout: float = DEFAULT_TIMEOUT, cwd: str | None = None
) -> ToolRun:
    """Run one render; never raises for the tool's own failures."""
    try:
        proc = subprocess.run(
            list(command),
            capture_output=True,
            timeout=timeout,
            check=False,
            cwd=cwd,
            env=offline_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return ToolRun(error=f"{os.path.basename(command[0])} timed out after {timeout:g} s")
    except OSError as exc:
        return ToolRun(error=f"cannot run {command[0]}: {exc.strerror or exc}")
    if proc.returncode != 0:
        return ToolRun(error=first_error_line(proc.stderr.decode("utf-8", "replace")))
    return ToolRun(output=proc.stdout.decode("utf-8", "replace"))


#: kubectl's log prefix: ``E1204 18:47:17.122523 13338 run.go:72] "command failed" err="…"``.
_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] (?:"[^"]*" )?err="(?P<err>.*)"$')


def first_error_line(stderr: str) -> str:
    """The first line that says what went wrong, without log prefixes or ``Error:``."""
    for line in stderr.splitlines():
        text = line.strip()
        if not text:
            continue
        match = _KLOG.match(text)
        if match:
            text = match["err"].replace('\\"', '"')
        if text.startswith("Error: "):
            text = text[len("Error: ") :]
        return text
    return "the render failed without a message"
