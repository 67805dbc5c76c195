"""Logging: one JSON object per line in production, readable text locally.

The request id of the request being served travels in a context variable, so every
line logged while serving it carries it, whichever logger wrote the line.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# Extras that are objects, not data: they would land in the log as reprs.
DROPPED_EXTRAS = frozenset({"request", "server_time", "color_message", "data"})

# The log files of DJANGO_LOG_TO_FILES and GUNICORN_LOG_TO_FILES, in LOG_DIR.
DJANGO_LOG_FILE = "django.log"
GUNICORN_ACCESS_LOG_FILE = "gunicorn_access.log"
GUNICORN_ERROR_LOG_FILE = "gunicorn_error.log"


def json_line(fields: dict[str, Any]) -> str:
    """The one way a log line becomes text: every formatter and writer of JSON lines
    calls this, so every line the container prints has the same spacing and escaping."""
    return json.dumps(fields, default=str)


def common_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The keys every line starts with, in this order."""
    return {
        "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        ),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
        "request_id": getattr(record, "request_id", None),
    }


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (None outside a request).

    Django logs 4xx responses after the middleware chain has returned, with the request
    attached to the record: the id is taken from there when the context has none.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or getattr(
                getattr(record, "request", None), "request_id", None
            )
        return True


def current_task() -> Any:
    """The Celery task running in this process, or None (and None where Celery is not
    loaded: the web role never imports it for a log line)."""
    state = sys.modules.get("celery._state")
    return state.get_current_task() if state else None


class TaskFilter(logging.Filter):
    """task_id and task_name on the lines of a task: lines logged while it runs, and
    Celery's own lines about it ("received", "succeeded", "raised"), which carry the
    task's id and name in their arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "task_id"):
            return True
        task = current_task()
        if task is not None and task.request.id is not None:
            record.task_id = task.request.id
            record.task_name = task.name
        elif (
            record.name.startswith("celery.")
            and isinstance(record.args, dict)
            and "id" in record.args
            and "name" in record.args
        ):
            record.task_id = record.args["id"]
            record.task_name = record.args["name"]
        return True


class RefusedRequestFilter(logging.Filter):
    """A request Django refuses as suspicious (a Host not in ALLOWED_HOSTS, a bad
    header) is the client's doing: one line says what was refused, without the
    traceback of where Django noticed it, which only floods the logs of a probed site."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
        return True


class KeelsonJsonFormatter(JsonFormatter):
    """timestamp, level, logger, message, request_id, then extras and the exception."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"exc_info": "exception"})
        super().__init__(*args, **kwargs)

    def add_fields(
        self,
        log_record: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        log_record.update(common_fields(record))
        super().add_fields(log_record, record, message_dict)
        for key in DROPPED_EXTRAS:
            log_record.pop(key, None)

    def jsonify_log_record(self, log_record: dict[str, Any]) -> str:
        return json_line(log_record)


def log_handler(
    stream: str, path: str | None, formatter: str, filters: list[str] | None = None
) -> dict[str, Any]:
    """A dictConfig handler: to the file `path` when logs go to files, else to `stream`."""
    if path:
        handler = {"class": "keelson.logging.LogFileHandler", "filename": path}
    else:
        handler = {"class": "logging.StreamHandler", "stream": stream}
    handler["formatter"] = formatter
    if filters:
        handler["filters"] = filters
    return handler


def build_logging(*, json_lines: bool, level: str, log_file: str | None) -> dict[str, Any]:
    """The LOGGING dict: to stdout, or to `log_file` when logs go to files."""
    handler = log_handler(
        "ext://sys.stdout",
        log_file,
        "json" if json_lines else "text",
        filters=["request_id", "task", "refused_request"],
    )
    return {
        "version": 1,
        # gunicorn's and other libraries' loggers must keep working.
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "keelson.logging.RequestIdFilter"},
            "task": {"()": "keelson.logging.TaskFilter"},
            "refused_request": {"()": "keelson.logging.RefusedRequestFilter"},
        },
        "formatters": {
            "json": {"()": "keelson.logging.KeelsonJsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # Django's own handlers would print a second, plain-text copy of each line.
            "django": {"handlers": ["default"], "level": level, "propagate": False},
            "django.server": {"handlers": ["default"], "level": level, "propagate": False},
            "py.warnings": {"handlers": ["default"], "level": "WARNING", "propagate": False},
            # Celery's pool (billiard) logs to this logger with propagation off: without a
            # handler of ours its errors would reach stderr as plain text.
            "multiprocessing": {"handlers": ["default"], "level": "WARNING", "propagate": False},
        },
    }


# Less free space than this in LOG_DIR at boot is a full disk: the first lines would fail.
LOG_DIR_MIN_FREE_BYTES = 1024 * 1024


def writable_log_file(directory: str, filename: str) -> tuple[str, str | None]:
    """The log file's path and, when it cannot be appended to, why not."""
    path = os.path.join(directory, filename)
    if not os.path.isdir(directory):
        return path, f"the directory {directory} does not exist"
    try:
        with open(path, "a", encoding="utf-8"):
            pass
        usage = os.statvfs(directory)
    except OSError as error:
        return path, f"{path} cannot be written ({error.strerror})"
    free = usage.f_bavail * usage.f_frsize
    if free < LOG_DIR_MIN_FREE_BYTES:
        return path, f"the directory {directory} is full ({free // 1024} KiB free)"
    return path, None


class LogFileHandler(logging.FileHandler):
    """A log file that may stop accepting lines (disk full, volume gone) mid-run.

    The request being served must not notice; Python's default would print a plain-text
    traceback for every lost line. Instead one JSON line on stderr says the file cannot
    be written, and another says so again only after writing worked in between.
    """

    failing = False

    def emit(self, record: logging.LogRecord) -> None:
        self.failed_now = False
        super().emit(record)
        if not self.failed_now:
            self.failing = False

    def handleError(self, record: logging.LogRecord) -> None:
        self.failed_now = True
        if self.failing:
            return
        self.failing = True
        error = sys.exc_info()[1]
        reason = getattr(error, "strerror", None) or type(error).__name__
        line = logging.LogRecord(
            "keelson.logging",
            logging.ERROR,
            __file__,
            0,
            f"{self.baseFilename} cannot be written ({reason}): log lines are lost until it can",
            None,
            None,
        )
        line.request_id = request_id_var.get()
        with contextlib.suppress(Exception):
            sys.stderr.write(json_line(common_fields(line)) + "\n")
            sys.stderr.flush()


def configure(settings: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: apply LOGGING and send warnings through it as well.

    Python prints warnings as bare text on stderr; routed through logging they become
    JSON lines like everything else.
    """
    import logging.config

    logging.config.dictConfig(settings)
    logging.captureWarnings(True)
