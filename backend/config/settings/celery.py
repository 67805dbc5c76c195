"""The Celery block of the production settings: the broker and the worker's knobs.

Every role reads and validates these values (a bad one is a configuration error for
the web role too); only the worker roles need a broker, so the presence of
CELERY_BROKER_URL is checked by `worker_role_problems`, which the worker and beat
runners call. Names are Celery's own setting names (namespace CELERY), so
`config.celery` takes them as they are.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from config.env import Env

BROKER_SCHEMES = ("redis", "rediss")
BROKER_HINT = "e.g. CELERY_BROKER_URL=redis://:PASSWORD@redis:6379/0, or CELERY_BROKER_URL_FILE naming a file that holds it (see .env.example)"
RESULT_HINT = "e.g. CELERY_RESULT_BACKEND=redis://:PASSWORD@redis:6379/1, or leave it unset (no results stored)"
MASK = "********"
BROKER_NAMES = ("CELERY_BROKER_URL", "CELERY_BROKER_URL_FILE")

VISIBILITY_MARGIN_SECONDS = 30
# Seconds between two beat ticks at most: the beat's health is judged by its last tick.
BEAT_MAX_LOOP_INTERVAL = 5


def default_concurrency() -> int:
    """The CPUs this process may run on (its affinity, a container's cpuset), not the host's."""
    return len(os.sched_getaffinity(0))


def mask_url(url: str) -> str:
    """The URL with its password (and a lone user part, which Redis takes as one) masked,
    and its query string dropped: what may appear in a log line."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{url.split(':', 1)[0]}://{MASK}"
    if ":" in host:
        host = f"[{host}]"
    user = ""
    if parts.password is not None:
        user = f"{parts.username or ''}:{MASK}@"
    elif parts.username:
        user = f"{MASK}@"
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))


def url_problem(url: str) -> str | None:
    """What is wrong with a Redis URL, in words that never repeat the URL itself."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in BROKER_SCHEMES:
        shown = f"{scheme}://" if scheme else "no scheme"
        return f"must be a redis:// or rediss:// URL, not {shown}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "is not a valid URL (check the port)"
    if not parts.hostname and not parts.path:
        return "names no host"
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        return f"must end with a database number (/0), not /{database[:20]}"
    return None


def checked_url(env: Env, name: str, url: str | None, hint: str) -> str | None:
    if url is not None:
        url = url.strip()
        if trouble := url_problem(url):
            env.problem(name, trouble, hint)
            return None
    return url


def read_celery(env: Env) -> dict[str, Any]:
    """Every CELERY_* setting, validated into `env`'s problems."""
    broker_url = checked_url(
        env, "CELERY_BROKER_URL", env.secret("CELERY_BROKER_URL", hint=BROKER_HINT), BROKER_HINT
    )
    result_backend = checked_url(
        env,
        "CELERY_RESULT_BACKEND",
        env.secret("CELERY_RESULT_BACKEND", hint=RESULT_HINT),
        RESULT_HINT,
    )
    time_limit = env.int("CELERY_TASK_TIME_LIMIT", 300, minimum=1, maximum=86_400)
    soft_time_limit = env.int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1, maximum=86_400)
    if soft_time_limit >= time_limit:
        env.problem(
            "CELERY_TASK_SOFT_TIME_LIMIT",
            f"({soft_time_limit} s) must be below CELERY_TASK_TIME_LIMIT ({time_limit} s)",
            "the soft limit warns the task before the hard limit kills it, e.g. 240 and 300",
        )
    return {
        "CELERY_BROKER_URL": broker_url,
        # Redis keeps a delivered message aside until it is acknowledged; one left there
        # longer than this is given back to the queue (its worker died, or the broker
        # restarted before the acknowledgement arrived). A message may wait behind one
        # running task (prefetch) and then run itself: twice the hard limit, plus margin,
        # so a task that still runs is never handed out a second time.
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "visibility_timeout": 2 * time_limit + VISIBILITY_MARGIN_SECONDS
        },
        "CELERY_RESULT_BACKEND": result_backend,
        "CELERY_WORKER_CONCURRENCY": env.int(
            "CELERY_WORKER_CONCURRENCY", default_concurrency(), minimum=1, maximum=256
        ),
        "CELERY_WORKER_MAX_TASKS_PER_CHILD": env.int(
            "CELERY_WORKER_MAX_TASKS_PER_CHILD", 1000, minimum=1
        ),
        "CELERY_TASK_TIME_LIMIT": time_limit,
        "CELERY_TASK_SOFT_TIME_LIMIT": soft_time_limit,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": env.int(
            "CELERY_WORKER_PREFETCH_MULTIPLIER", 1, minimum=1, maximum=1000
        ),
        # A task is acknowledged after it ran, and given back to the broker when its
        # process dies: tasks must be idempotent, none is lost.
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "KEELSON_BROKER_WAIT_TIMEOUT": env.int(
            "CELERY_BROKER_WAIT_TIMEOUT", 60, minimum=1, maximum=3600
        ),
        # Beat's state in a writable place of the read-only image (TMPDIR, else /tmp).
        "CELERY_BEAT_SCHEDULE_FILENAME": os.path.join(
            tempfile.gettempdir(), "keelson-celerybeat-schedule"
        ),
        "CELERY_BEAT_MAX_LOOP_INTERVAL": BEAT_MAX_LOOP_INTERVAL,
    }


def worker_role_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """What the worker roles need beyond what every role validates: a broker.

    Only presence is checked here; the settings judge the value itself (and its _FILE),
    so a bad value is reported once.
    """
    environ = os.environ if environ is None else environ
    env = Env(environ)
    if not any(environ.get(name, "").strip() for name in BROKER_NAMES):
        env.problem(
            "CELERY_BROKER_URL",
            "is missing (set CELERY_BROKER_URL or CELERY_BROKER_URL_FILE); the worker and beat need a broker",
            BROKER_HINT,
        )
    return env.problems
