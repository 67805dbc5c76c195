"""The Celery application, configured from Django's settings (the CELERY_* names).

Loaded with Django (keelson.apps), so tasks sent from a web request use this app and
its broker. Logging stays Django's: Celery neither replaces the root logger's handlers
nor redirects stdout, and every worker and beat line is the same JSON as the web's.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task, signals
from celery.worker.request import Request

from keelson.logging import request_id_var

# The message header that carries the enqueuing request's id to the task.
REQUEST_ID_HEADER = "request_id"


class RequestWithId(Request):
    """A task message as the worker's main process receives it: its "received" line
    already carries the enqueuing request's id (the line is logged right after this)."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request_id = self.request_dict.get(REQUEST_ID_HEADER)
        request_id_var.set(request_id if isinstance(request_id, str) else None)


class KeelsonTask(Task):
    Request = RequestWithId


app = Celery("keelson", task_cls=KeelsonTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def keep_django_logging(**_: Any) -> None:
    """A receiver here tells Celery that logging is configured already (by Django's
    LOGGING): it adds no handler of its own and leaves the root logger alone."""


@signals.before_task_publish.connect
def send_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """A task sent while serving a request carries that request's id in its headers."""
    request_id = request_id_var.get()
    if request_id is not None and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect
def receive_request_id(task: Any = None, **_: Any) -> None:
    """Lines logged while the task runs carry the enqueuing request's id (None when a
    schedule or another process sent it)."""
    request_id = getattr(task.request, REQUEST_ID_HEADER, None) if task else None
    request_id_var.set(request_id if isinstance(request_id, str) else None)


@signals.task_postrun.connect
def forget_request_id(**_: Any) -> None:
    request_id_var.set(None)
