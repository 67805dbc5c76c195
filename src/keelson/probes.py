"""Liveness and readiness: what the two probe endpoints check."""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader

logger = logging.getLogger("keelson.probes")

# Production gives probes their own connection with a short statement timeout, so a
# slow database never holds a probe and probes never touch request connections.
PROBE_ALIAS = "probe"


def probe_connection():
    return connections[PROBE_ALIAS if PROBE_ALIAS in settings.DATABASES else "default"]


def health() -> dict:
    """Liveness: the process answers. Never touches the database."""
    return {"status": "healthy", "service": settings.SERVICE_NAME, "version": settings.VERSION}


@cache
def migrations_on_disk() -> frozenset[tuple[str, str]]:
    """Every migration the code ships (squashes resolved), planned once per process."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.nodes)


def applied_migrations() -> frozenset[tuple[str, str]] | None:
    """The applied migrations, or None when the migrations table does not exist yet.

    Raises DatabaseError (other than a missing table) when the database is unreachable.
    """
    with probe_connection().cursor() as cursor:
        try:
            cursor.execute("SELECT app, name FROM django_migrations")
        except DatabaseError as error:
            if getattr(error.__cause__, "sqlstate", None) == "42P01":  # undefined_table
                return None
            raise
        return frozenset(cursor.fetchall())


def applied_migrations_reconnecting() -> frozenset[tuple[str, str]] | None:
    """applied_migrations(), on a fresh connection if the kept one died since the last
    probe (a database restart): the probe connection has no per-request health check."""
    connection = probe_connection()
    kept = connection.connection is not None
    try:
        return applied_migrations()
    except DatabaseError:
        if not kept:
            raise
        connection.close()
        return applied_migrations()


def readiness() -> tuple[bool, dict]:
    """Ready when the database answers and every shipped migration is applied."""
    database = migrations = False
    try:
        applied = applied_migrations_reconnecting()
        database = True
        migrations = applied is not None and migrations_on_disk() <= applied
    except DatabaseError as error:
        # Drop the broken connection now: the next probe reconnects instead of failing
        # on a dead socket.
        probe_connection().close()
        logger.warning("readiness: database unreachable (%s)", type(error).__name__)
    else:
        if not migrations:
            logger.warning("readiness: unapplied migrations")
    ready = database and migrations
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {"database": database, "migrations": migrations},
    }
    return ready, body
