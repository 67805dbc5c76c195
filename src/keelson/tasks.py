"""Built-in tasks: the health check's ping and the session clean-up beat schedules."""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings

# The health check waits on this list in the broker's Redis: see keelson.roles.worker_health.
PING_REPLY_KEY = "keelson:healthcheck:{token}"
# A reply nobody read (the health check gave up) disappears after this many seconds.
PING_REPLY_TTL = 60


@shared_task(bind=True, name="keelson.tasks.ping", ignore_result=True, acks_late=False)
def ping(self, token: str) -> None:
    """Answer the health check through the broker: proof that a pool process of this
    worker takes tasks from the broker and runs them."""
    key = PING_REPLY_KEY.format(token=token)
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5)
    try:
        with client.pipeline() as pipe:
            pipe.lpush(key, self.request.hostname or "")
            pipe.expire(key, PING_REPLY_TTL)
            pipe.execute()
    finally:
        client.close()


@shared_task(name="keelson.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    """Delete expired sessions (Django's `clearsessions`): idempotent, scheduled by beat."""
    from django.contrib.sessions.models import Session

    Session.get_session_store_class().clear_expired()
