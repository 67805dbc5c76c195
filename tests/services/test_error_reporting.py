"""Error reporting through Sentry's SDK and its real transport, to a collector started by
the test: an exception in a view of the served backend (preloaded, forked gunicorn
workers) and one in a task of `boot worker` (Celery's forked pool) each arrive as one
event, tagged with the request id, and no secret of the contract is anywhere in what
was sent."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
from boot_support import bound_port
from forms import HTTPS
from httpclient import request, wait_for_status
from redis_server import RedisServer
from service_servers import EventCollector

import keelson

pytestmark = pytest.mark.slow

# Not a secret: the DSN's key authenticates events to the collector, so the SDK sends it
# with each one (the auth header, the envelope's trace context) by design.
DSN_KEY = "public0dsn0key"
SECRETS = {
    "EMAIL_URL": "smtp://mailer:email-password-3e8d@localhost:2525",
    "DEFAULT_FROM_EMAIL": "noreply@example.com",
    "MEDIA_S3_ACCESS_KEY_ID": "media-access-key-7c1b",
    "MEDIA_S3_SECRET_ACCESS_KEY": "media-secret-key-5a0f",
}
SECRET_PARTS = ["email-password-3e8d", "media-access-key-7c1b", "media-secret-key-5a0f"]


@pytest.fixture
def collector(tmp_path: Path):
    server = EventCollector(tmp_path / "collector")
    yield server
    server.stop()


def events(collector: EventCollector) -> list[dict[str, Any]]:
    """The payload of every item of type `event` in every envelope received."""
    found = []
    for body in collector.bodies():
        lines = body.split(b"\n")
        for header, payload in itertools.pairwise(lines[1:]):
            try:
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
            except ValueError:
                continue
    return found


def about(collector: EventCollector, text: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    """The events whose exception says `text`, once there is one, and after a moment more
    in which a second one would have arrived."""

    def matching() -> list[dict[str, Any]]:
        return [
            event
            for event in events(collector)
            for value in event.get("exception", {}).get("values", [])
            if text in value.get("value", "")
        ]

    deadline = time.monotonic() + timeout
    while not matching():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no event about {text!r} arrived")
        time.sleep(0.1)
    time.sleep(1.0)
    return matching()


def test_a_view_and_a_task_each_report_one_event_without_secrets(
    boot_env, started, tmp_path: Path, redis_server: RedisServer, collector: EventCollector
) -> None:
    (tmp_path / "dsn").write_text(collector.dsn(DSN_KEY) + "\n")
    env = {
        **boot_env,
        **SECRETS,
        "DJANGO_SETTINGS_MODULE": "keelson_testing.services_settings",
        "CELERY_BROKER_URL": redis_server.url(0),
        "CACHE_URL": redis_server.url(2),
        "CELERY_WORKER_CONCURRENCY": "1",
        "SENTRY_DSN_FILE": str(tmp_path / "dsn"),
        "SENTRY_ENVIRONMENT": "staging",
    }
    web = started(env)
    port = bound_port(env)
    wait_for_status(port, "/ready/", 200, timeout=60)
    worker = started(env, "worker", name="worker")

    failed = request(port, "/test/error/", headers={**HTTPS, "X-Request-ID": "req-view-1"})
    assert failed.status == 500
    assert b"deliberate failure" not in failed.body
    (view_event,) = about(collector, "deliberate failure for the tests")
    assert view_event["tags"]["request_id"] == "req-view-1"
    assert view_event["tags"]["keelson"] == keelson.__version__
    assert view_event["environment"] == "staging"
    assert "user" not in view_event or not view_event["user"].get("ip_address")

    queued = request(port, "/test/fail-task/", headers={**HTTPS, "X-Request-ID": "req-task-1"})
    assert queued.status == 202
    (task_event,) = about(collector, "deliberate task failure for the tests")
    assert task_event["tags"]["request_id"] == "req-task-1"
    assert task_event["tags"]["keelson"] == keelson.__version__

    sent = b"".join(collector.bodies()).decode("utf-8", "replace")
    secrets = [
        env["SECRET_KEY"],
        env["POSTGRES_PASSWORD"],
        redis_server.password,
        *SECRET_PARTS,
    ]
    assert [secret for secret in secrets if secret in sent] == []
    assert web.running()
    assert worker.running()
