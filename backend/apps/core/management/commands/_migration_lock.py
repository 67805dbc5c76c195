"""The PostgreSQL advisory lock that lets replicas booting together migrate one at a time.

A session-level lock on the migrating connection: it spans migrate's own transactions,
and PostgreSQL releases it when the connection ends, so a replica killed mid-migration
never leaves it held.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

# Fixed and shared by every replica of this service ("keelson" in ASCII): any 64-bit
# number works as long as all replicas use the same one and nothing else does.
MIGRATION_LOCK_KEY = 0x6B65656C736F6E


@contextmanager
def migration_lock(
    connection: BaseDatabaseWrapper, on_wait: Callable[[], None]
) -> Iterator[float | None]:
    """Hold the lock inside the block; yields how long it was waited for (ms), or None
    when it was free. `on_wait` is called once, before blocking, when it is not free."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        waited_ms = None
        if not cursor.fetchone()[0]:
            on_wait()
            started = time.monotonic()
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            waited_ms = round((time.monotonic() - started) * 1000)
    try:
        yield waited_ms
    finally:
        # A broken connection has released the lock already; its error is not the one
        # worth reporting.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
