"""celery -A bare_celery.app worker: configured from BARE_CELERY_* (the benchmark sets
them to the values our worker runs with)."""

import os

from celery import Celery

app = Celery("bare", broker=os.environ["BARE_CELERY_BROKER_URL"])
app.conf.update(
    worker_concurrency=int(os.environ["BARE_CELERY_CONCURRENCY"]),
    worker_prefetch_multiplier=int(os.environ["BARE_CELERY_PREFETCH_MULTIPLIER"]),
    worker_max_tasks_per_child=1000,
    task_time_limit=300,
    task_soft_time_limit=240,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_send_task_events=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="keelson_testing.work.tasks.noop", ignore_result=True)
def noop() -> None:
    """Nothing."""
