"""The Celery block of the production settings, from the validated contract (its
"Workers" layer). Names are Celery's own setting names (namespace CELERY), so
`keelson.roles.celery_app` takes them as they are. Whether a role needs the broker is the
contract's business (`required_for`), not this module's."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

VISIBILITY_MARGIN_SECONDS = 30
# Seconds between two beat ticks at most: the beat's health is judged by its last tick.
BEAT_MAX_LOOP_INTERVAL = 5


def celery_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    time_limit = values["CELERY_TASK_TIME_LIMIT"]
    return {
        "CELERY_BROKER_URL": values["CELERY_BROKER_URL"],
        # Redis keeps a delivered message aside until it is acknowledged; one left there
        # longer than this is given back to the queue (its worker died, or the broker
        # restarted before the acknowledgement arrived). A message may wait behind one
        # running task (prefetch) and then run itself: twice the hard limit, plus margin,
        # so a task that still runs is never handed out a second time.
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "visibility_timeout": 2 * time_limit + VISIBILITY_MARGIN_SECONDS
        },
        "CELERY_RESULT_BACKEND": values["CELERY_RESULT_BACKEND"],
        "CELERY_WORKER_CONCURRENCY": values["CELERY_WORKER_CONCURRENCY"],
        "CELERY_WORKER_MAX_TASKS_PER_CHILD": values["CELERY_WORKER_MAX_TASKS_PER_CHILD"],
        "CELERY_TASK_TIME_LIMIT": time_limit,
        "CELERY_TASK_SOFT_TIME_LIMIT": values["CELERY_TASK_SOFT_TIME_LIMIT"],
        "CELERY_WORKER_PREFETCH_MULTIPLIER": values["CELERY_WORKER_PREFETCH_MULTIPLIER"],
        # A task is acknowledged after it ran, and given back to the broker when its
        # process dies: tasks must be idempotent, none is lost.
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        "KEELSON_BROKER_WAIT_TIMEOUT": values["CELERY_BROKER_WAIT_TIMEOUT"],
        # Beat's state in a writable place of the read-only image (TMPDIR, else /tmp).
        "CELERY_BEAT_SCHEDULE_FILENAME": os.path.join(
            tempfile.gettempdir(), "keelson-celerybeat-schedule"
        ),
        "CELERY_BEAT_MAX_LOOP_INTERVAL": BEAT_MAX_LOOP_INTERVAL,
    }
