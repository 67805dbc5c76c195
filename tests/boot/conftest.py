"""The boot script run for real: `cd backend && bash ../nix/boot.sh`, against real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ports import free_port
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


@pytest.fixture
def boot_env(production_env: dict[str, str]) -> dict[str, str]:
    """A valid production environment for one boot: its own port, one worker, static
    files already collected (as in the image), a short PostgreSQL wait."""
    return {
        **production_env,
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "GUNICORN_WORKERS": "1",
        "RUN_COLLECTSTATIC": "0",
        "POSTGRES_WAIT_TIMEOUT": "20",
    }


def bound_port(env: dict[str, str]) -> int:
    return int(env["GUNICORN_BIND"].rsplit(":", 1)[1])


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start boots; whatever is still running at the end is stopped, then killed."""
    processes: list[Process] = []

    def start(env: dict[str, str], *args: str, name: str = "boot") -> Process:
        process = boot_process(env, tmp_path, *args, name=name)
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.stop(timeout=15)
        process.kill_group()
