"""Fixtures of the backend tests: gunicorn serving a migrated database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from httpclient import wait_for_status
from ports import free_port
from processes import Process, gunicorn, manage


@pytest.fixture
def serve_migrated(tmp_path: Path) -> Iterator[Callable[..., tuple[int, Process]]]:
    """Start gunicorn (2 workers, a free port) on `env` once its database is migrated;
    whatever is still running at the end of the test is stopped."""
    started: list[Process] = []

    def start(env: dict[str, str]) -> tuple[int, Process]:
        port = free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"}
        migrated = manage(["migrate", "--noinput", "-v0"], env)
        assert migrated.returncode == 0, migrated.stderr
        process = gunicorn(env, tmp_path)
        started.append(process)
        wait_for_status(port, "/health/")
        return port, process

    yield start
    for process in started:
        assert process.stop() == 0
