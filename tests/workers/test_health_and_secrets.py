"""`healthcheck worker` round-trips the ping task through the broker to this host's
worker (0), and fails when none answers (1). No secret, the broker's password
included, appears in any line a role prints."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from redis_server import RedisServer
from worker_support import message_is, run_role, send_task, wait_for_line, worker_ready

pytestmark = pytest.mark.slow


def worker_health(env: dict[str, str], timeout: float = 5) -> subprocess.CompletedProcess:
    return run_role(["healthcheck", "worker", "--timeout", str(timeout)], env)


def test_healthcheck_worker_round_trips_the_ping_task(worker_env: dict[str, str], started) -> None:
    worker = started(["worker"], worker_env, "worker")
    worker_ready(worker)
    result = worker_health(worker_env)
    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["message"].startswith("healthcheck worker: keelson@")
    assert line["message"].endswith(" answered the ping task")
    ran = wait_for_line(worker, lambda line: line.get("task_name") == "keelson.tasks.ping")
    assert ran["level"] == "INFO"


def test_healthcheck_worker_fails_when_no_worker_answers(worker_env: dict[str, str]) -> None:
    result = worker_health(worker_env, timeout=2)
    assert result.returncode == 1
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["message"].endswith("did not answer the ping task: no answer within 2 s")


def test_healthcheck_worker_fails_when_the_broker_is_down(
    worker_env: dict[str, str], redis_server: RedisServer
) -> None:
    redis_server.stop()
    result = worker_health(worker_env, timeout=2)
    assert result.returncode == 1
    assert result.stderr == ""
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert "did not answer the ping task: the broker at redis://:********@" in line["message"]
    assert redis_server.password not in result.stdout + result.stderr


def test_no_secret_in_any_output_of_the_roles(
    worker_env: dict[str, str], redis_server: RedisServer, started, tmp_path: Path
) -> None:
    """Every line of a worker and a beat that ran a task and stopped, of a health
    check, and of a refused start: none holds a password or the signing key."""
    worker = started(["worker"], worker_env, "worker")
    beat = started(["beat"], worker_env, "beat")
    worker_ready(worker)
    wait_for_line(beat, message_is("beat: holding the beat lock: scheduling"))
    send_task(worker_env["CELERY_BROKER_URL"], "keelson_testing.work.tasks.record_note", "x")
    wait_for_line(worker, lambda line: " succeeded in " in str(line.get("message")))
    health = worker_health(worker_env)
    refused = run_role(
        ["worker"], {**worker_env, "CELERY_BROKER_URL": worker_env["CELERY_BROKER_URL"] + "x"}
    )
    assert refused.returncode == 78
    assert worker.stop(timeout=30) == 0
    assert beat.stop(timeout=30) == 0

    outputs = [
        worker.stdout() + worker.stderr(),
        beat.stdout() + beat.stderr(),
        health.stdout + health.stderr,
        refused.stdout + refused.stderr,
    ]
    secrets = [
        redis_server.password,
        worker_env["POSTGRES_PASSWORD"],
        worker_env["SECRET_KEY"],
        worker_env["CELERY_BROKER_URL"],
    ]
    for output in outputs:
        assert output.strip()
        for secret in secrets:
            assert secret not in output
    config = next(
        json.loads(line) for line in outputs[0].splitlines() if '"step": "config"' in line
    )
    assert (
        config["config"]["CELERY_BROKER_URL"]
        == f"redis://:********@127.0.0.1:{redis_server.port}/0"
    )
