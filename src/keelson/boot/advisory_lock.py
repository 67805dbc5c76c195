"""PostgreSQL advisory locks that let replicas booting together migrate, and collect
static files into a shared STATIC_ROOT, one at a time; and the key of the beat's lock.

Session-level locks on the step's connection: they span migrate's own transactions,
and PostgreSQL releases them when the connection ends, so a replica killed mid-step
never leaves one held.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

# Fixed and shared by every replica of this service ("keelson" in ASCII, then a step
# number): any 64-bit numbers work as long as all replicas use the same ones and nothing
# else does.
MIGRATION_LOCK_KEY = 0x6B65656C736F6E
COLLECTSTATIC_LOCK_KEY = 0x6B65656C736F6E01
# Held by the one beat that schedules, for as long as it runs (keelson.roles.beat).
BEAT_LOCK_KEY = 0x6B65656C736F6E02


@contextmanager
def advisory_lock(
    connection: BaseDatabaseWrapper, key: int, on_wait: Callable[[], None]
) -> Iterator[float | None]:
    """Hold the lock inside the block; yields how long it was waited for (ms), or None
    when it was free. `on_wait` is called once, before blocking, when it is not free."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        waited_ms = None
        if not cursor.fetchone()[0]:
            on_wait()
            started = time.monotonic()
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            waited_ms = round((time.monotonic() - started) * 1000)
    try:
        yield waited_ms
    finally:
        # A broken connection has released the lock already; its error is not the one
        # worth reporting.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
