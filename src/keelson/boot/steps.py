"""The boot's Django steps: deploy checks, the connection, the locked migrate and
collectstatic. Each returns an exit code (0 ok) and logs what it did."""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

from keelson.boot.advisory_lock import COLLECTSTATIC_LOCK_KEY, MIGRATION_LOCK_KEY, advisory_lock
from keelson.boot.exits import (
    EXIT_COLLECTSTATIC,
    EXIT_CONFIG,
    EXIT_MIGRATE,
    EXIT_NOT_MIGRATED,
    EXIT_OK,
    EXIT_UNAVAILABLE,
)
from keelson.boot.log import BootLog
from keelson.boot.static_fingerprint import (
    sources_fingerprint,
    store_fingerprint,
    stored_fingerprint,
)

# libpq's words for "these credentials or this database are wrong": a configuration
# problem (78), not a database that is down.
CREDENTIAL_ERRORS = {
    "password authentication failed": "POSTGRES_PASSWORD or POSTGRES_USER",
    "no password supplied": "POSTGRES_PASSWORD",
    "does not exist": "POSTGRES_USER or POSTGRES_DB",
    "no pg_hba.conf entry": "POSTGRES_HOST, POSTGRES_USER or POSTGRES_DB",
}


class Steps:
    def __init__(self, log: BootLog) -> None:
        self.log = log

    def deploy_checks(self) -> int:
        """Django's deploy checks; any warning or error is a configuration to fix (78)."""
        findings = [
            message
            for message in checks.run_checks(include_deployment_checks=True)
            if message.level >= checks.WARNING and not message.is_silenced()
        ]
        for finding in findings:
            hint = f" Hint: {finding.hint}" if finding.hint else ""
            self.log.line(
                logging.ERROR if finding.is_serious() else logging.WARNING,
                "checks",
                f"{finding.id}: {finding.msg}{hint}",
                check_id=finding.id,
            )
        if findings:
            self.log.error(
                "checks",
                f"deploy checks found {len(findings)} problem(s): fix them or silence a "
                "deliberate one with the setting that turns it off",
                EXIT_CONFIG,
            )
            return EXIT_CONFIG
        self.log.info("checks", "deploy checks passed")
        return EXIT_OK

    def connect(self) -> int:
        """Open the connection: wrong credentials are a configuration error, not an outage."""
        database = settings.DATABASES[DEFAULT_DB_ALIAS]
        where = f"{database['HOST']}:{database['PORT']}"
        try:
            connections[DEFAULT_DB_ALIAS].ensure_connection()
        except OperationalError as error:
            text = str(error).strip()
            reason = text.splitlines()[-1] if text else repr(error)
            for words, variables in CREDENTIAL_ERRORS.items():
                if words in text:
                    self.log.error(
                        "database",
                        f"{variables} not accepted by PostgreSQL at {where}: {reason}. "
                        "Hint: check the credentials and database name (see .env.example)",
                        EXIT_CONFIG,
                    )
                    return EXIT_CONFIG
            self.log.error(
                "database",
                f"PostgreSQL at {where} refused the connection: {reason}",
                EXIT_UNAVAILABLE,
            )
            return EXIT_UNAVAILABLE
        return EXIT_OK

    def migrate(self) -> int:
        connection = connections[DEFAULT_DB_ALIAS]
        started = time.monotonic()
        try:
            with advisory_lock(
                connection, MIGRATION_LOCK_KEY, on_wait=self.announce_migration_wait
            ) as waited_ms:
                waited = {} if waited_ms is None else {"waited_ms": waited_ms}
                # Planned under the lock: a replica that waited sees what the other applied.
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
                if not plan:
                    after = " after waiting for the lock" if waited else ""
                    self.log.info("migrate", f"nothing to migrate{after}", applied=0, **waited)
                    return EXIT_OK
                names = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
                self.log.info("migrate", f"applying {len(names)} migration(s)", migrations=names)
                call_command("migrate", interactive=False, verbosity=0)
        except Exception as error:  # any failure of any migration stops the boot
            return self.log.failed("migrate", error, EXIT_MIGRATE)
        self.log.info(
            "migrate",
            f"applied {len(names)} migration(s)",
            applied=len(names),
            duration_ms=round((time.monotonic() - started) * 1000),
            **waited,
        )
        return EXIT_OK

    def require_applied_migrations(self, command: str) -> int:
        """A worker on an older schema than its code would fail tasks: refuse (75)."""
        from keelson.probes import migrations_on_disk

        if status := self.connect():
            return status
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            applied = MigrationExecutor(connection).loader.applied_migrations
            missing = sorted(set(migrations_on_disk()) - set(applied))
        except Exception as error:  # the database or a migration file: one line
            return self.log.failed("migrations", error, EXIT_UNAVAILABLE)
        finally:
            # The pool's processes are forked from this one: none may inherit a connection.
            connections.close_all()
        if missing:
            names = [f"{app}.{name}" for app, name in missing]
            self.log.error(
                "migrations",
                f"{len(names)} migration(s) not applied: {command} not started (tasks would "
                "run on an older schema). Hint: run the migration job (`boot migrate`) "
                "first; the container's restart retries",
                EXIT_NOT_MIGRATED,
                migrations=names[:20],
            )
            return EXIT_NOT_MIGRATED
        self.log.info("migrations", "every migration is applied")
        return EXIT_OK

    def announce_migration_wait(self) -> None:
        self.log.info("migrate", "waiting for the migration lock: another process is migrating")

    def static_skipped(self, why: str, root: Path, **fields: Any) -> int:
        """STATIC_ROOT already holds a collection of exactly these sources."""
        self.log.info(
            "collectstatic",
            f"static files {why}: skipped",
            static_root=str(root),
            skipped=True,
            **fields,
        )
        return EXIT_OK

    def collectstatic(self, fingerprint: str | None = None) -> int:
        """`fingerprint`: the sources' fingerprint if already computed (beside the wait)."""
        started = time.monotonic()
        output = io.StringIO()
        root = Path(settings.STATIC_ROOT)
        try:
            fingerprint = fingerprint or sources_fingerprint()
            if stored_fingerprint(root) == fingerprint:
                return self.static_skipped(
                    "unchanged since the last collection",
                    root,
                    duration_ms=round((time.monotonic() - started) * 1000),
                )
            # Replicas sharing a STATIC_ROOT volume collect one at a time: collectstatic
            # deletes and rewrites the hashed files another one is reading.
            if status := self.connect():
                return status
            with advisory_lock(
                connections[DEFAULT_DB_ALIAS],
                COLLECTSTATIC_LOCK_KEY,
                on_wait=lambda: self.log.info(
                    "collectstatic",
                    "waiting for the collectstatic lock: another process is collecting",
                ),
            ) as waited_ms:
                if stored_fingerprint(root) == fingerprint:
                    return self.static_skipped(
                        "collected by another process meanwhile", root, waited_ms=waited_ms
                    )
                call_command("collectstatic", interactive=False, verbosity=1, stdout=output)
                store_fingerprint(root, fingerprint)
        except Exception as error:  # a failed collectstatic stops the boot
            return self.log.failed("collectstatic", error, EXIT_COLLECTSTATIC)
        summary = output.getvalue().strip().splitlines()
        self.log.info(
            "collectstatic",
            summary[-1] if summary else "static files collected",
            static_root=str(root),
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        return EXIT_OK
