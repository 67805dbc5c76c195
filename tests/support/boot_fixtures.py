"""Fixtures of the tests that run the boot (`cd backend && bash ../nix/boot.sh`) against
real PostgreSQL: imported by the conftest of each folder that uses them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from boot_support import boot_process
from ports import free_port
from processes import Process


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
