"""A web request enqueues a task; the worker runs it against the real database; every
line about the task carries its id, its name and the request's id."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpclient import request, wait_for_status
from ports import free_port
from postgres import connect_as_backend
from processes import gunicorn
from worker_support import poll, worker_ready

pytestmark = pytest.mark.slow

REQUEST_ID = "req-web-to-task-0001"


def task_rows(env: dict[str, str], note: str) -> list[tuple]:
    with connect_as_backend(env) as connection:
        return connection.execute(
            "SELECT task_name, task_id, request_id FROM keelson_testing_work_taskrun WHERE note = %s",
            [note],
        ).fetchall()


def test_a_web_request_enqueues_a_task_that_writes_the_database_with_its_request_id(
    worker_env: dict[str, str], started, tmp_path: Path
) -> None:
    worker = started(["worker"], worker_env, "worker")
    port = free_port()
    web = gunicorn(
        {**worker_env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
        tmp_path,
        "web",
    )
    try:
        wait_for_status(port, "/health/", 200, timeout=60)
        worker_ready(worker)
        response = request(
            port,
            "/test/enqueue/?note=from-the-web",
            headers={"Host": "localhost", "X-Forwarded-Proto": "https", "X-Request-ID": REQUEST_ID},
        )
        assert response.status == 202, response.body
        task_id = response.json()["task_id"]

        rows = poll(lambda: task_rows(worker_env, "from-the-web"), 30, "the task's row")
        assert rows == [("keelson_testing.work.tasks.record_note", task_id, REQUEST_ID)]
    finally:
        web.stop()
    assert worker.stop(timeout=30) == 0

    lines = worker.json_lines()
    task_lines = [line for line in lines if line.get("task_id") == task_id]
    messages = [line["message"] for line in task_lines]
    assert any(message.endswith("received") for message in messages), messages
    assert "recording note from-the-web" in messages
    assert any(" succeeded in " in message for message in messages), messages
    for line in task_lines:
        assert line["task_name"] == "keelson_testing.work.tasks.record_note"
        assert line["request_id"] == REQUEST_ID, line
        assert {"timestamp", "level", "logger", "message", "request_id"} <= set(line)
