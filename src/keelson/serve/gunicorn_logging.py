"""Gunicorn's loggers as JSON lines: the access log with chosen fields only."""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.glogging import Logger

from keelson.logging import common_fields, json_line, log_handler

# The access line's own fields, in the order they are printed after the common ones.
ACCESS_FIELDS = (
    "remote_addr",
    "method",
    "path",
    "query",
    "status",
    "bytes",
    "duration_ms",
    "user_agent",
)


def response_request_id(headers: list[tuple[str, str]]) -> str | None:
    """The X-Request-ID the application set on its response (keelson.middleware)."""
    for name, value in headers:
        if name.lower() == "x-request-id":
            return value
    return None


class JsonAccessLogger(Logger):
    """One JSON line per request; never cookies, authorization or other headers."""

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        duration_ms = round(request_time.total_seconds() * 1000, 3)
        method = environ.get("REQUEST_METHOD")
        # A request gunicorn answered itself (an error before or around the application)
        # has no PATH_INFO: the parsed request still knows its path.
        path = environ.get("PATH_INFO") or getattr(req, "path", None)
        fields = {
            # Behind the front gunicorn listens on a unix socket (no peer address): the
            # client's address comes from the front's X-Real-IP, which only it can send there.
            "remote_addr": environ.get("REMOTE_ADDR") or environ.get("HTTP_X_REAL_IP"),
            "method": method,
            "path": path,
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": duration_ms,
            "request_id": response_request_id(resp.headers),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        log = self.access_log
        try:
            if log.isEnabledFor(logging.INFO):
                # A record made and handled directly (logging's documented makeRecord and
                # handle): Logger.info would first look up its caller's file and line,
                # which no access line prints, once per request.
                log.handle(
                    log.makeRecord(
                        log.name,
                        logging.INFO,
                        "",
                        0,
                        "%s %s %s",
                        (method, path, status),
                        None,
                        extra=fields,
                    )
                )
        except Exception:
            self.error_log.exception("could not write the access log line")

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """A request cut off by its worker's exit is one error line that says so.

        The master aborts a worker that outlived GUNICORN_TIMEOUT (SIGABRT: the worker
        exits with code 1 wherever the request happened to be); gunicorn would log that
        as a traceback through the whole middleware stack, which says nothing useful.
        """
        error = sys.exc_info()[1]
        if not isinstance(error, SystemExit) or not args:
            self.error_log.exception(msg, *args, **kwargs)
            return
        # The request as gunicorn names it: its method and URI (the URI alone before 24).
        request = " ".join(map(str, args))
        if error.code == 1:
            self.error_log.error(
                "request cut off: %s outlived GUNICORN_TIMEOUT (%s s); its worker exits and gunicorn starts a replacement",
                request,
                self.cfg.timeout,
            )
        else:
            self.error_log.error(
                "request cut off: %s was being served when its worker was told to quit", request
            )


class AccessLineFormatter(logging.Formatter):
    """The access line as JSON with the keys and serializer of every other line
    (keelson.logging.common_fields, json_line), built directly: it is written once per
    request, and the general JSON formatter spent about 35 us on each, a tenth of a
    /health/ request (tests/bench)."""

    def format(self, record: logging.LogRecord) -> str:
        line = common_fields(record)
        for key in ACCESS_FIELDS:
            line[key] = getattr(record, key, None)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json_line(line)


def logconfig_dict(*, level: str, access_file: str | None, error_file: str | None) -> dict:
    """Gunicorn's logging: access lines on stdout, its own messages on stderr (or files)."""

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "keelson.logging.KeelsonJsonFormatter"},
            "access": {"()": "keelson.serve.gunicorn_logging.AccessLineFormatter"},
        },
        "handlers": {
            "access": log_handler("ext://sys.stdout", access_file, "access"),
            "error": log_handler("ext://sys.stderr", error_file, "json"),
        },
        "root": {"level": level, "handlers": ["error"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
