"""Helpers of the boot tests (a module of its own: every test folder has a `conftest`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from processes import REPO, Process

BOOT = REPO / "nix" / "boot.sh"


def boot_process(env: dict[str, str], log_dir: Path, *args: str, name: str = "boot") -> Process:
    """The boot script as a container runs it: the backend root as working directory."""
    return Process(["bash", str(BOOT), *args], env, log_dir, name)


def boot_lines(process: Process) -> list[dict[str, Any]]:
    """The lines the boot itself printed (logger "boot"); every line must be JSON."""
    return [line for line in process.json_lines() if line["logger"] == "boot"]


def messages(process: Process) -> list[str]:
    return [line["message"] for line in boot_lines(process)]


def line_time(line: dict[str, Any]) -> float:
    return datetime.fromisoformat(line["timestamp"]).timestamp()


def wait_for_line(
    process: Process, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0
) -> dict[str, Any]:
    """Poll the output until a line matches; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in process.json_lines():
            if predicate(line):
                return line
        if not process.running():
            raise AssertionError(
                f"exited {process.popen.returncode} before the line came:\n"
                + "\n".join(process.output_lines())
            )
        time.sleep(0.02)
    raise TimeoutError("no such line within the timeout:\n" + "\n".join(process.output_lines()))


def wait_for_exit(process: Process, timeout: float) -> tuple[int, float]:
    """The exit code and the seconds it took from now."""
    started = time.monotonic()
    code = process.wait(timeout=timeout)
    return code, time.monotonic() - started


def bound_port(env: dict[str, str]) -> int:
    return int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
