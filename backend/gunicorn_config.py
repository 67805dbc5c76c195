"""Gunicorn's configuration: every knob from the environment, validated like the settings.

A bad value exits 78 with one line per problem before gunicorn starts anything.
"""

import os
import sys

# Gunicorn loads this file by path; the backend's own modules must be importable from it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from config.env import ConfigError, Env, exit_on_config_error
from config.gunicorn_hooks import (  # noqa: F401 - hooks, found by name
    child_exit,
    on_exit,
    on_starting,
    when_ready,
    worker_exit,
)
from config.gunicorn_logging import logconfig_dict as build_logconfig
from config.logging import skip_unprinted_record_fields, writable_log_file
from config.observability import prepare_observability, read_observability

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def default_workers() -> int:
    """2 x CPU + 1, counting the CPUs this process may run on (not the host's)."""
    return 2 * len(os.sched_getaffinity(0)) + 1


def bind_problem(entry: str) -> str | None:
    if entry.startswith("unix:"):
        return None if len(entry) > len("unix:") else "names no socket path"
    host, sep, port = entry.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        return "is not HOST:PORT (port 1-65535) or unix:PATH"
    return None


def log_file(env: Env, directory: str, filename: str) -> str | None:
    path, trouble = writable_log_file(directory, filename)
    if trouble:
        env.problem(
            "GUNICORN_LOG_TO_FILES",
            f"is 1 but {trouble}",
            "create LOG_DIR writable by the service user (uid 10001 in the image), or set GUNICORN_LOG_TO_FILES=0 to log to stdout",
        )
        return None
    return path


env = Env()
bind = env.list(
    "GUNICORN_BIND", ["0.0.0.0:8000"], item=bind_problem, hint="e.g. GUNICORN_BIND=0.0.0.0:8000"
)
workers = env.int("GUNICORN_WORKERS", default_workers(), minimum=1, maximum=256)
threads = env.int("GUNICORN_THREADS", 1, minimum=1, maximum=256)
timeout = env.int("GUNICORN_TIMEOUT", 140, minimum=1)
graceful_timeout = env.int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
keepalive = env.int("GUNICORN_KEEPALIVE", 5, minimum=0)
max_requests = env.int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = env.int("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0)
forwarded_allow_ips = env.str("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
loglevel = env.choice("GUNICORN_LOG_LEVEL", "info", LOG_LEVELS)

access_file = error_file = None
if env.bool("GUNICORN_LOG_TO_FILES", False):
    log_dir = env.str("LOG_DIR", "/app/logs")
    access_file = log_file(env, log_dir, "gunicorn_access.log")
    # One bad directory is one problem line: the second file is tried once the first works.
    error_file = access_file and log_file(env, log_dir, "gunicorn_error.log")

observability = read_observability(env, bind)

try:
    env.done()
except ConfigError as error:
    exit_on_config_error(error)

# Before the application is loaded (preload_app) and before any worker forks.
prepare_observability(observability)

# The application is loaded once in the master: a configuration error in the settings
# exits the master with 78 instead of workers failing one by one, and workers share its
# memory.
preload_app = True
wsgi_app = "config.wsgi:application"
# Heartbeat files on tmpfs: a worker's heartbeat never blocks on a slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
logger_class = "config.gunicorn_logging.JsonAccessLogger"
skip_unprinted_record_fields()
logconfig_dict = build_logconfig(
    level=loglevel.upper(), access_file=access_file, error_file=error_file
)
# Interrupted requests must not print gunicorn's plain-text tracebacks to stderr.
capture_output = False
