"""`boot worker` and `boot beat` on a database without the code's migrations: exit 75
with one line listing them, after PostgreSQL and the broker answered, before Celery."""

from __future__ import annotations

import json

import pytest
from redis_server import RedisServer
from worker_support import run_role

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_unapplied_migrations_exit_75_before_celery_starts(
    production_env: dict[str, str], redis_server: RedisServer, command: str
) -> None:
    env = {
        **production_env,
        "DJANGO_SETTINGS_MODULE": "keelson_testing.worker_settings",
        "CELERY_BROKER_URL": redis_server.url(),
    }
    result = run_role([command], env)
    assert result.returncode == 75, result.stdout + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    messages = [line["message"] for line in lines]
    assert messages[-1].startswith(
        f"migration(s) not applied: {command} not started (tasks would run on an older schema)",
        messages[-1].index(" ") + 1,
    ), messages[-1]
    assert lines[-1]["exit_code"] == 75
    assert "auth.0001_initial" in lines[-1]["migrations"]
    assert any(message.endswith(" answers") for message in messages), "the broker came first"
    assert not any(message.startswith("starting the Celery") for message in messages)
