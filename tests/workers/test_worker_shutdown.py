"""SIGTERM while a task runs: warm shutdown, the task completes, the worker exits 0.
A task past its soft time limit: one JSON line with the exception, the worker stays up."""

from __future__ import annotations

import signal

import pytest
from postgres import connect_as_backend
from worker_support import poll, send_task, wait_for_line, worker_ready

pytestmark = pytest.mark.slow

SLOW = "keelson_testing.work.tasks.slow"
NOTE = "keelson_testing.work.tasks.record_note"


def runs(env: dict[str, str], note: str) -> int:
    with connect_as_backend(env) as connection:
        return connection.execute(
            "SELECT count(*) FROM keelson_testing_work_taskrun WHERE note = %s", [note]
        ).fetchone()[0]


def test_sigterm_while_a_task_runs_lets_it_complete_then_exits_0(
    worker_env: dict[str, str], started
) -> None:
    worker = started(["worker"], worker_env, "worker")
    worker_ready(worker)
    task_id = send_task(worker_env["CELERY_BROKER_URL"], SLOW, 3, "survives-sigterm")
    wait_for_line(
        worker,
        lambda line: line.get("task_id") == task_id
        and str(line.get("message")).startswith("slow task started"),
    )

    worker.signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0

    assert runs(worker_env, "survives-sigterm") == 1, "the running task completed"
    lines = worker.json_lines()
    messages = [line["message"] for line in lines]
    assert "worker: SIGTERM: warm shutdown, running tasks finish, no new task is taken" in messages
    finished = [line for line in lines if line["message"] == "slow task finished"]
    assert [line["task_id"] for line in finished] == [task_id]


def test_a_task_past_its_soft_limit_logs_one_json_line_and_the_worker_stays_up(
    worker_env: dict[str, str], started
) -> None:
    env = {**worker_env, "CELERY_TASK_SOFT_TIME_LIMIT": "1", "CELERY_TASK_TIME_LIMIT": "10"}
    worker = started(["worker"], env, "worker")
    worker_ready(worker)
    broker = env["CELERY_BROKER_URL"]
    slow_id = send_task(broker, SLOW, 5, "too-slow")

    failure = wait_for_line(
        worker, lambda line: line.get("task_id") == slow_id and line["level"] == "ERROR"
    )
    assert "SoftTimeLimitExceeded" in failure["exception"]
    assert failure["task_name"] == SLOW
    errors = [line for line in worker.json_lines() if line["level"] == "ERROR"]
    assert errors == [failure], "exactly one line for the failure"

    # The worker stays up and keeps running tasks.
    send_task(broker, NOTE, "after-the-soft-limit")
    poll(lambda: runs(env, "after-the-soft-limit") == 1, 30, "a task after the failure ran")
    assert worker.running()
    assert runs(env, "too-slow") == 0
    assert worker.stop(timeout=30) == 0
