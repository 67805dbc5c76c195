"""What both worker roles do before Celery starts: judge the configuration, log it,
wait for the broker, check the database schema. Any failure exits with its own code
and one line; nothing has been touched before the configuration was judged."""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import sys
import time
from datetime import UTC, datetime
from types import FrameType
from typing import Any, NoReturn

from config.env import ConfigError, Env, exit_on_config_error
from config.settings.celery import mask_url, worker_role_problems

from . import EXIT_CONFIG, EXIT_NOT_MIGRATED, EXIT_UNAVAILABLE

DEFAULT_SETTINGS = "config.settings.production"
logger = logging.getLogger("boot")


def load_settings_for_worker_roles() -> None:
    """The settings, plus what only the worker roles require (the broker): every
    problem of both in one report, exit 78."""
    problems = worker_role_problems(os.environ)
    name = os.environ.get("DJANGO_SETTINGS_MODULE") or DEFAULT_SETTINGS
    os.environ["DJANGO_SETTINGS_MODULE"] = name
    try:
        importlib.import_module(name)
    except ConfigError as error:
        problems = [*error.lines, *problems]
    except ModuleNotFoundError as error:
        if not error.name or not (name == error.name or name.startswith(error.name + ".")):
            raise
        env = Env({})
        env.problem(
            "DJANGO_SETTINGS_MODULE",
            f"names {name!r}, which does not exist here",
            "use config.settings.production",
        )
        problems = [*env.problems, *problems]
    if problems:
        exit_on_config_error(ConfigError(problems))


def fail(step: str, message: str, code: int, **fields: Any) -> NoReturn:
    if logging.getLogger().handlers:
        logger.error(message, extra={"step": step, "exit_code": code, **fields})
    else:
        # Before the settings configured logging (a signal during their loading).
        line = {
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "ERROR",
            "logger": "boot",
            "message": message,
            "request_id": None,
            "step": step,
            "exit_code": code,
            **fields,
        }
        print(json.dumps(line))
    sys.stdout.flush()
    raise SystemExit(code)


def interrupted_before_start(role: str) -> None:
    """Until Celery installs its own handlers, SIGTERM and SIGINT end the start with
    128 + the signal and one line (PID 1 would otherwise ignore SIGTERM)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        fail("signal", f"{role} interrupted by {name} before it started", 128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def effective_configuration(role: str) -> None:
    from django.conf import settings

    config = {
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "CELERY_BROKER_URL": mask_url(settings.CELERY_BROKER_URL),
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND
        and mask_url(settings.CELERY_RESULT_BACKEND),
        "CELERY_BROKER_WAIT_TIMEOUT": settings.KEELSON_BROKER_WAIT_TIMEOUT,
        "POSTGRES_HOST": settings.DATABASES["default"]["HOST"],
        "POSTGRES_PORT": settings.DATABASES["default"]["PORT"],
        "POSTGRES_DB": settings.DATABASES["default"]["NAME"],
    }
    for name in (
        "CELERY_WORKER_CONCURRENCY",
        "CELERY_WORKER_MAX_TASKS_PER_CHILD",
        "CELERY_WORKER_PREFETCH_MULTIPLIER",
        "CELERY_TASK_TIME_LIMIT",
        "CELERY_TASK_SOFT_TIME_LIMIT",
    ):
        config[name] = getattr(settings, name)
    logger.info(
        f"{role}: effective configuration (secrets masked)",
        extra={"step": "config", "command": role, "config": config},
    )


def wait_for_the_broker() -> None:
    from django.conf import settings

    from .broker import BrokerRefused, wait_for_broker

    url, timeout = settings.CELERY_BROKER_URL, settings.KEELSON_BROKER_WAIT_TIMEOUT
    where = mask_url(url)
    logger.info(f"waiting for the broker at {where} (up to {timeout} s)", extra={"step": "broker"})
    try:
        answered, attempts = wait_for_broker(url, timeout)
    except BrokerRefused as error:
        fail(
            "broker",
            f"CELERY_BROKER_URL not accepted by the broker at {where}: {error}. Hint: check the password in CELERY_BROKER_URL (or its _FILE)",
            EXIT_CONFIG,
        )
    if not answered:
        fail(
            "broker",
            f"the broker at {where} did not answer within {timeout} s (CELERY_BROKER_WAIT_TIMEOUT). Hint: check CELERY_BROKER_URL and that Redis is up",
            EXIT_UNAVAILABLE,
            attempts=attempts,
        )
    logger.info(f"the broker at {where} answers", extra={"step": "broker", "attempts": attempts})


def require_applied_migrations(role: str) -> None:
    """A worker on an older schema than its code would fail tasks: refuse to start."""
    from django.conf import settings
    from django.db import DatabaseError, connections

    from apps.core.probes import migrations_on_disk

    database = settings.DATABASES["default"]
    where = f"{database['HOST']}:{database['PORT']}"
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
            applied: set[tuple[str, str]] = set()
            if cursor.fetchone()[0]:
                cursor.execute("SELECT app, name FROM django_migrations")
                applied = set(cursor.fetchall())
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        fail(
            "database",
            f"PostgreSQL at {where} cannot be queried: {reason}. Hint: check POSTGRES_HOST and the credentials",
            EXIT_UNAVAILABLE,
        )
    finally:
        # The pool's processes are forked from this one: none may inherit a connection.
        connections.close_all()
    missing = sorted(migrations_on_disk() - applied)
    if missing:
        names = [f"{app}.{name}" for app, name in missing]
        fail(
            "migrations",
            f"{len(names)} migration(s) not applied: {role} not started (tasks would run on an older schema). Hint: run the migration job (`boot migrate`) first; the container's restart retries",
            EXIT_NOT_MIGRATED,
            migrations=names[:20],
        )
    logger.info("every migration is applied", extra={"step": "migrations"})


def prepare(role: str) -> Any:
    """Everything before Celery starts; returns the Celery app."""
    started = time.monotonic()
    interrupted_before_start(role)
    load_settings_for_worker_roles()
    import django

    django.setup()
    effective_configuration(role)
    wait_for_the_broker()
    require_applied_migrations(role)
    from config.celery import app

    logger.info(
        f"starting the {role}",
        extra={"step": role, "duration_ms": round((time.monotonic() - started) * 1000)},
    )
    return app
