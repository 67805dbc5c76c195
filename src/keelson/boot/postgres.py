"""Wait for PostgreSQL with the pinned pg_isready, one attempt every 0.1 s, so its
readiness is noticed within 0.25 s; give up at POSTGRES_WAIT_TIMEOUT (69)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from keelson.boot.exits import EXIT_CONFIG, EXIT_UNAVAILABLE, finish
from keelson.boot.interrupt import Interrupt
from keelson.boot.log import BootLog

POLL_INTERVAL = 0.1
# While Django loads in a thread beside the wait, it holds the GIL for up to Python's
# switch interval (5 ms) at a time; a shorter one lets each attempt's result through at once.
WAIT_SWITCH_INTERVAL = 0.001
# pg_isready's exit statuses: 0 accepting, 1 rejecting (starting up), 2 no answer,
# 3 no attempt (bad parameters).
ACCEPTING = 0
NO_ATTEMPT = 3


@contextmanager
def short_gil_switches() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(WAIT_SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def pg_isready_argv(values: Mapping[str, Any]) -> list[str]:
    return [
        "pg_isready",
        "--quiet",
        "--timeout=1",
        f"--host={values['POSTGRES_HOST']}",
        f"--port={values['POSTGRES_PORT']}",
        f"--username={values['POSTGRES_USER']}",
        f"--dbname={values['POSTGRES_DB']}",
    ]


def attempt(argv: list[str], interrupt: Interrupt) -> int:
    """One silent pg_isready; the interrupt handler stops it with the boot."""
    try:
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as error:
        return -error.errno
    interrupt.child = child
    try:
        return child.wait()
    finally:
        interrupt.child = None


def wait_for_postgres(
    values: Mapping[str, Any],
    log: BootLog,
    interrupt: Interrupt,
    meanwhile: Callable[[], None],
) -> None:
    """Return once PostgreSQL accepts connections, or end the boot. `meanwhile` runs
    between attempts: it ends the boot when the Django setup beside it failed."""
    where = f"{values['POSTGRES_HOST']}:{values['POSTGRES_PORT']}"
    timeout = values["POSTGRES_WAIT_TIMEOUT"]
    argv = pg_isready_argv(values)
    deadline = time.monotonic() + timeout
    log.info("postgres", f"waiting for PostgreSQL at {where} (up to {timeout} s)")
    with short_gil_switches():
        poll_until_ready(argv, where, timeout, deadline, log, interrupt, meanwhile)


def poll_until_ready(
    argv: list[str],
    where: str,
    timeout: int,
    deadline: float,
    log: BootLog,
    interrupt: Interrupt,
    meanwhile: Callable[[], None],
) -> None:
    attempts = 0
    # Attempts start on a fixed 0.1 s beat: a slow attempt does not push the next one back.
    next_attempt = time.monotonic()
    while True:
        attempts += 1
        next_attempt += POLL_INTERVAL
        status = attempt(argv, interrupt)
        if status == ACCEPTING:
            log.info("postgres", f"PostgreSQL at {where} accepts connections", attempts=attempts)
            return
        if status == NO_ATTEMPT:
            log.error(
                "postgres",
                f"pg_isready cannot try {where}: POSTGRES_HOST or POSTGRES_PORT is not a valid "
                "host and port. Hint: e.g. POSTGRES_HOST=db POSTGRES_PORT=5432",
                EXIT_CONFIG,
            )
            finish(EXIT_CONFIG)
        if status < 0:
            log.error(
                "postgres",
                "pg_isready cannot be run: it is not on PATH. Hint: the image pins it "
                "(nix/boot.nix); elsewhere install PostgreSQL's client tools",
                EXIT_UNAVAILABLE,
            )
            finish(EXIT_UNAVAILABLE)
        meanwhile()
        if time.monotonic() >= deadline:
            log.error(
                "postgres",
                f"PostgreSQL at {where} did not accept connections within {timeout} s "
                "(POSTGRES_WAIT_TIMEOUT). Hint: check POSTGRES_HOST and POSTGRES_PORT and "
                "that the database is up",
                EXIT_UNAVAILABLE,
                attempts=attempts,
            )
            finish(EXIT_UNAVAILABLE)
        time.sleep(max(0.0, next_attempt - time.monotonic()))
