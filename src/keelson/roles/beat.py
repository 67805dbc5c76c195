"""`boot beat`: Celery beat in the boot's process, scheduling only while it holds a PostgreSQL
advisory lock, so that a second replica never sends the same run twice.

A replica without the lock waits (and says so) until the holder goes away; PostgreSQL
releases a session lock when its connection ends, so a killed holder hands over within
a second. The beat checks its lock connection at every tick (every few seconds at
most): a lost connection means a lost lock, and the beat exits 69 instead of scheduling
without it. Each tick writes a heartbeat file that `healthcheck beat` reads.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import tempfile
import time
from types import FrameType
from typing import Any

import psycopg
from celery import beat

from keelson.boot.advisory_lock import BEAT_LOCK_KEY
from keelson.boot.exits import EXIT_OK, EXIT_UNAVAILABLE

logger = logging.getLogger("boot")

# How often a waiting replica tries the lock: the hand-over takes at most this long.
LOCK_POLL_SECONDS = 1.0
HEARTBEAT_NAME = "keelson-beat-heartbeat.json"


def heartbeat_path() -> str:
    return os.path.join(tempfile.gettempdir(), HEARTBEAT_NAME)


def write_heartbeat(state: str) -> None:
    """Atomically: the health check never reads half a file."""
    path = heartbeat_path()
    temporary = f"{path}.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"state": state, "time": time.time(), "pid": os.getpid()}, handle)
    os.replace(temporary, path)


class LockLost(Exception):
    """The connection that held the beat lock is gone: so is the lock."""


class BeatLock:
    """The beat's advisory lock on a connection of its own (not Django's, which may be
    closed and reopened at will)."""

    def __init__(self, database: dict[str, Any]) -> None:
        options = database.get("OPTIONS", {})
        self.params = {
            "host": database["HOST"],
            "port": database["PORT"],
            "dbname": database["NAME"],
            "user": database["USER"],
            "password": database["PASSWORD"],
            "connect_timeout": options.get("connect_timeout", 5),
            "sslmode": options.get("sslmode", "prefer"),
            "application_name": "keelson-beat-lock",
            # A vanished database host is noticed in seconds, not at TCP's default hours.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": 10_000,
        }
        self.connection: psycopg.Connection | None = None

    def try_acquire(self) -> bool:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(**self.params, autocommit=True)
        row = self.connection.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY]).fetchone()
        return bool(row and row[0])

    def acquire(self) -> float:
        """Block until this process holds the lock; returns the seconds waited."""
        started = time.monotonic()
        announced = False
        while True:
            try:
                if self.try_acquire():
                    return time.monotonic() - started
            except psycopg.OperationalError as error:
                self.close()
                logger.warning(
                    f"beat: the database does not answer while trying the beat lock ({type(error).__name__}); retrying",
                    extra={"step": "beat-lock"},
                )
            if not announced:
                logger.info(
                    "beat: waiting for the beat lock: another beat is scheduling",
                    extra={"step": "beat-lock", "lock_key": BEAT_LOCK_KEY},
                )
                announced = True
            write_heartbeat("waiting")
            time.sleep(LOCK_POLL_SECONDS)

    def verify(self) -> None:
        """Raise LockLost unless the lock's connection still answers."""
        try:
            if self.connection is None:
                raise LockLost("no connection")
            self.connection.execute("SELECT 1")
        except psycopg.Error as error:
            raise LockLost(type(error).__name__) from error

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# The lock the scheduler checks: set by run_beat before Celery creates the scheduler.
held_lock: BeatLock | None = None


class LockedScheduler(beat.PersistentScheduler):
    """Celery's scheduler (state file in /tmp), ticking only while the lock is held."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if held_lock is not None:
            held_lock.verify()
        write_heartbeat("scheduling")
        return super().tick(*args, **kwargs)


def stop_on_signal(signum: int, _frame: FrameType | None) -> None:
    # Celery's beat loop ends on SystemExit, saving its state on the way out.
    raise SystemExit(EXIT_OK)


def run_beat() -> int:
    """Celery beat under the lock, once the boot judged the contract, PostgreSQL, the
    broker and the schema."""
    global held_lock
    from django.conf import settings

    from keelson.roles.celery_app import app

    lock = BeatLock(settings.DATABASES["default"])
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    try:
        waited = lock.acquire()
    except SystemExit:
        logger.info("beat: stopped while waiting for the beat lock", extra={"step": "beat"})
        lock.close()
        return EXIT_OK
    held_lock = lock
    logger.info(
        "beat: holding the beat lock: scheduling",
        extra={"step": "beat-lock", "waited_ms": round(waited * 1000)},
    )
    write_heartbeat("scheduling")
    service = beat.Service(
        app,
        max_interval=settings.CELERY_BEAT_MAX_LOOP_INTERVAL,
        schedule_filename=settings.CELERY_BEAT_SCHEDULE_FILENAME,
        scheduler_cls=LockedScheduler,
    )
    try:
        service.start()
    except LockLost as error:
        logger.error(
            f"beat: lost the beat lock (its database connection failed: {error}); exiting so that a replica takes over",
            extra={"step": "beat-lock", "exit_code": EXIT_UNAVAILABLE},
        )
        return EXIT_UNAVAILABLE
    finally:
        lock.close()
    logger.info("beat: stopped", extra={"step": "beat"})
    return EXIT_OK
