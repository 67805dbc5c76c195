"""Health checks of the worker roles, run inside their container (Docker HEALTHCHECK,
a Kubernetes exec probe): exit 0 healthy, 1 not, one JSON line either way."""

from __future__ import annotations

import json
import logging
import time
import uuid

from keelson.boot.exits import EXIT_HEALTHCHECK as EXIT_UNHEALTHY
from keelson.boot.exits import EXIT_OK
from keelson.contract.broker_url import mask_url
from keelson.settings.celery import BEAT_MAX_LOOP_INTERVAL

logger = logging.getLogger("boot")

# The beat ticks at least every CELERY_BEAT_MAX_LOOP_INTERVAL seconds; a heartbeat this
# old means the loop is stuck.
BEAT_STALE_AFTER_TICKS = 6


def worker_health(timeout: float) -> int:
    """Send the ping task to this host's worker through the broker and wait for its
    answer: proof that the worker consumes and that its pool runs tasks."""
    import redis
    from celery.utils.nodenames import worker_direct
    from django.conf import settings
    from kombu.exceptions import OperationalError

    from keelson.roles.celery_app import app
    from keelson.roles.celery_worker import node_name
    from keelson.tasks import PING_REPLY_KEY

    node = node_name()
    token = uuid.uuid4().hex
    started = time.monotonic()
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=timeout, socket_timeout=timeout + 1
    )
    try:
        # Expires with the check: a worker that comes back later discards it unrun.
        # No retries: a broker that does not take the message now is the answer.
        app.send_task(
            "keelson.tasks.ping",
            args=[token],
            queue=worker_direct(node),
            expires=timeout,
            retry=False,
        )
        reply = client.blpop([PING_REPLY_KEY.format(token=token)], timeout=timeout)
    except (redis.RedisError, OperationalError, OSError) as error:
        reply = None
        reason = (
            f"the broker at {mask_url(settings.CELERY_BROKER_URL)} failed ({type(error).__name__})"
        )
    else:
        reason = f"no answer within {timeout:g} s"
    finally:
        client.close()
    elapsed_ms = round((time.monotonic() - started) * 1000)
    if reply is None:
        logger.error(
            f"healthcheck worker: {node} did not answer the ping task: {reason}",
            extra={"step": "healthcheck", "node": node, "duration_ms": elapsed_ms},
        )
        return EXIT_UNHEALTHY
    logger.info(
        f"healthcheck worker: {node} answered the ping task",
        extra={"step": "healthcheck", "node": node, "duration_ms": elapsed_ms},
    )
    return EXIT_OK


def beat_health() -> int:
    """Healthy when the beat's last heartbeat is recent: it ticks while holding the lock,
    or it waits for the lock as a standby replica (both are what a beat should do)."""
    from keelson.roles.beat import heartbeat_path

    path = heartbeat_path()
    max_age = BEAT_MAX_LOOP_INTERVAL * BEAT_STALE_AFTER_TICKS
    try:
        with open(path, encoding="utf-8") as handle:
            heartbeat = json.load(handle)
        age = time.time() - float(heartbeat["time"])
        state = str(heartbeat["state"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.error(
            f"healthcheck beat: no heartbeat at {path} ({type(error).__name__}): the beat has not started",
            extra={"step": "healthcheck"},
        )
        return EXIT_UNHEALTHY
    fields = {"step": "healthcheck", "state": state, "age_s": round(age, 1)}
    if age > max_age:
        logger.error(
            f"healthcheck beat: last heartbeat {age:.0f} s ago (more than {max_age} s): the beat is stuck",
            extra=fields,
        )
        return EXIT_UNHEALTHY
    what = (
        "holds the beat lock and ticks"
        if state == "scheduling"
        else "waits for the beat lock (standby)"
    )
    logger.info(f"healthcheck beat: the beat {what}", extra={**fields, "pid": heartbeat.get("pid")})
    return EXIT_OK
