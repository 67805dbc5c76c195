"""Real Redis, a migrated database, and the worker roles started as the image starts
them: `bash nix/boot.sh ROLE` in the backend directory, under the image-like shell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from processes import Process, manage
from redis_server import RedisServer
from worker_support import role


@pytest.fixture
def worker_env(
    production_env: dict[str, str], redis_server: RedisServer, tmp_path: Path
) -> dict[str, str]:
    """A valid production environment with the test tasks, a broker and a migrated
    database; two pool processes so the tests stay within two cores."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {
        **production_env,
        "DJANGO_SETTINGS_MODULE": "keelson_testing.worker_settings",
        "CELERY_BROKER_URL": redis_server.url(),
        "CELERY_WORKER_CONCURRENCY": "2",
        "TMPDIR": str(tmp),
    }
    result = manage(["migrate", "--noinput", "-v0"], env)
    assert result.returncode == 0, result.stderr
    return env


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start roles; whatever still runs at the end is stopped, then killed."""
    processes: list[Process] = []

    def start(args: list[str], env: dict[str, str], name: str) -> Process:
        process = role(args, env, tmp_path, name)
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.running():
            process.stop(timeout=20)
