"""Gunicorn's settings, from the validated environment contract.

The one place gunicorn is configured: the boot passes these to gunicorn run in its own
process (keelson.serve.server), and keelson.gunicorn_config hands them to a gunicorn started
by hand. The values were judged with every other variable (keelson.contract.core).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from keelson.logging import GUNICORN_ACCESS_LOG_FILE, GUNICORN_ERROR_LOG_FILE
from keelson.serve.gunicorn_hooks import child_exit, on_exit, on_starting, when_ready, worker_exit
from keelson.serve.gunicorn_logging import logconfig_dict


def gunicorn_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn setting name -> value."""
    log_dir = values["LOG_DIR"]
    to_files = values["GUNICORN_LOG_TO_FILES"]
    return {
        "bind": values["GUNICORN_BIND"],
        "workers": values["GUNICORN_WORKERS"],
        "threads": values["GUNICORN_THREADS"],
        "timeout": values["GUNICORN_TIMEOUT"],
        "graceful_timeout": values["GUNICORN_GRACEFUL_TIMEOUT"],
        "keepalive": values["GUNICORN_KEEPALIVE"],
        "max_requests": values["GUNICORN_MAX_REQUESTS"],
        "max_requests_jitter": values["GUNICORN_MAX_REQUESTS_JITTER"],
        "forwarded_allow_ips": values["GUNICORN_FORWARDED_ALLOW_IPS"],
        "loglevel": values["GUNICORN_LOG_LEVEL"],
        # The application is loaded once in the master: workers share its memory, and a
        # configuration error stops the master instead of every worker one by one.
        "preload_app": True,
        # Heartbeat files on tmpfs: a worker's heartbeat never blocks on a slow disk.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,  # noqa: S108
        "logger_class": "keelson.serve.gunicorn_logging.JsonAccessLogger",
        "logconfig_dict": logconfig_dict(
            level=values["GUNICORN_LOG_LEVEL"].upper(),
            access_file=os.path.join(log_dir, GUNICORN_ACCESS_LOG_FILE) if to_files else None,
            error_file=os.path.join(log_dir, GUNICORN_ERROR_LOG_FILE) if to_files else None,
        ),
        # Interrupted requests must not print gunicorn's plain-text tracebacks to stderr.
        "capture_output": False,
        # gunicorn's control socket (gunicornc) would be created in $XDG_RUNTIME_DIR or
        # $HOME, which the image and the service units keep read-only; signals control it.
        "control_socket_disable": True,
        # Metrics, the drain and cheap recycling (keelson.serve.gunicorn_hooks); the caller ran
        # keelson.serve.observability.prepare_observability first.
        "on_starting": on_starting,
        "when_ready": when_ready,
        "child_exit": child_exit,
        "on_exit": on_exit,
        "worker_exit": worker_exit,
    }
