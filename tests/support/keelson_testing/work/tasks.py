"""Tasks that exist only in tests: each writes a TaskRun row through the real database."""

import logging
import os
import time

from celery import shared_task

from keelson.logging import request_id_var

from .models import TaskRun

logger = logging.getLogger("keelson_testing.work")


def record(task, note: str = "") -> None:
    TaskRun.objects.create(
        task_name=task.name,
        task_id=task.request.id,
        note=note,
        request_id=request_id_var.get(),
        origin=task.request.origin or "",
        pid=os.getpid(),
    )


@shared_task(bind=True, name="keelson_testing.work.tasks.record_note")
def record_note(self, note: str) -> None:
    logger.info("recording note %s", note)
    record(self, note)


@shared_task(bind=True, name="keelson_testing.work.tasks.slow")
def slow(self, seconds: float, note: str = "") -> None:
    # Tests wait for this line to know the task runs.
    logger.info("slow task started, sleeping %s s", seconds)
    time.sleep(seconds)
    record(self, note)
    logger.info("slow task finished")


@shared_task(bind=True, name="keelson_testing.work.tasks.beat_tick")
def beat_tick(self) -> None:
    record(self, "tick")


@shared_task(name="keelson_testing.work.tasks.noop", ignore_result=True)
def noop() -> None:
    """Nothing: the benchmark's unit of work."""


@shared_task(bind=True, name="keelson_testing.work.tasks.fail")
def fail(self) -> None:
    raise RuntimeError("deliberate task failure for the tests")
