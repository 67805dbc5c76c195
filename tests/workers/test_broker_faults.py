"""The broker absent at start: the worker waits, then exits 69 at the deadline (or
starts as soon as the broker comes). The broker restarting under load: the worker
reconnects and, with acks_late, no task is lost."""

from __future__ import annotations

import signal
import time

import pytest
from postgres import connect_as_backend
from redis_server import MISSING, RedisServer, have_redis_server
from worker_support import message_has, poll, send_task, wait_for_line, worker_ready

pytestmark = pytest.mark.slow

SLOW = "keelson_testing.work.tasks.slow"


def test_broker_absent_the_worker_waits_then_exits_69(
    worker_env: dict[str, str], redis_server: RedisServer, started
) -> None:
    redis_server.stop()
    worker = started(["worker"], {**worker_env, "CELERY_BROKER_WAIT_TIMEOUT": "3"}, "worker")
    began = time.monotonic()
    assert worker.wait(timeout=30) == 69
    assert time.monotonic() - began >= 3
    lines = worker.json_lines()
    where = f"redis://:********@127.0.0.1:{redis_server.port}/0"
    assert lines[-1]["message"] == (
        f"the broker at {where} did not answer within 3 s (CELERY_BROKER_WAIT_TIMEOUT). "
        "Hint: check CELERY_BROKER_URL and that Redis is up"
    )
    assert lines[-1]["exit_code"] == 69
    assert any(
        line["message"] == f"waiting for the broker at {where} (up to 3 s)" for line in lines
    )
    assert not any(line["message"].startswith("starting the Celery worker") for line in lines)


def test_a_broker_that_comes_up_within_the_deadline_is_used(
    worker_env: dict[str, str], redis_server: RedisServer, started
) -> None:
    redis_server.stop()
    worker = started(["worker"], worker_env, "worker")
    wait_for_line(worker, message_has("waiting for the broker at "))
    time.sleep(1)  # the worker is polling the absent broker meanwhile
    redis_server.start()
    worker_ready(worker)
    answered = wait_for_line(worker, message_has(" answers"))
    assert answered["attempts"] > 1


def test_a_wrong_broker_password_exits_78(
    worker_env: dict[str, str], redis_server: RedisServer, started
) -> None:
    url = f"redis://:wrong-password@127.0.0.1:{redis_server.port}/0"
    worker = started(["worker"], {**worker_env, "CELERY_BROKER_URL": url}, "worker")
    assert worker.wait(timeout=30) == 78
    last = worker.json_lines()[-1]
    assert last["message"].startswith(
        f"CELERY_BROKER_URL not accepted by the broker at redis://:********@127.0.0.1:{redis_server.port}/0"
    )
    assert "wrong-password" not in worker.stdout() + worker.stderr()


def notes_done(env: dict[str, str]) -> set[str]:
    with connect_as_backend(env) as connection:
        rows = connection.execute("SELECT DISTINCT note FROM keelson_testing_work_taskrun")
        return {note for (note,) in rows}


@pytest.mark.once
def test_a_broker_restart_under_load_loses_no_task(
    worker_env: dict[str, str], started, tmp_path
) -> None:
    if not have_redis_server():
        pytest.skip(MISSING)
    broker = RedisServer(persistent=True).start()
    try:
        # Short limits: a message left unacknowledged by the restart comes back sooner.
        env = {
            **worker_env,
            "CELERY_BROKER_URL": broker.url(),
            "CELERY_TASK_TIME_LIMIT": "3",
            "CELERY_TASK_SOFT_TIME_LIMIT": "2",
        }
        worker = started(["worker"], env, "worker")
        worker_ready(worker)
        notes = [f"load-{index}" for index in range(120)]
        for note in notes:
            send_task(env["CELERY_BROKER_URL"], SLOW, 0.05, note)

        poll(lambda: len(notes_done(env)) >= 20, 60, "20 tasks done before the restart")
        broker.stop()
        time.sleep(1)
        broker.start()

        # Tasks cut by the lost connection come back once their visibility timeout
        # (2 x 3 s + 30 s) has passed and Redis's periodic restore has run: minutes at most.
        try:
            poll(lambda: set(notes) <= notes_done(env), 240, "every task done after the restart")
        except AssertionError:
            missing = sorted(set(notes) - notes_done(env))
            raise AssertionError(
                f"{len(missing)} of {len(notes)} tasks not done 240 s after the restart: "
                f"{missing[:10]}; the worker's last lines:\n"
                + "\n".join(worker.output_lines()[-40:])
            ) from None
        assert worker.running()
        messages = [line["message"] for line in worker.json_lines()]
        assert any(
            message.startswith("consumer: Connection to broker lost") for message in messages
        )
        assert sum(message.startswith("Connected to redis://:**@") for message in messages) >= 2
        assert broker.password not in worker.stdout() + worker.stderr()
        assert worker.stop(timeout=30) == 0
    finally:
        broker.destroy()


def test_sigterm_while_waiting_for_the_broker_exits_143_with_one_line(
    worker_env: dict[str, str], redis_server: RedisServer, started
) -> None:
    redis_server.stop()
    worker = started(["worker"], worker_env, "worker")
    wait_for_line(worker, message_has("waiting for the broker at "))
    worker.signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 143
    last = worker.json_lines()[-1]
    assert last["message"] == "boot interrupted by SIGTERM before the Celery worker started"
    assert last["exit_code"] == 143
