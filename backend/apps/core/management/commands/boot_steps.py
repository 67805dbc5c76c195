"""The boot's Django steps, in one process: deploy checks, locked migrate, collectstatic.

nix/boot.sh starts this command while it waits for PostgreSQL: loading the settings
(which exits 78 on a bad environment) and the deploy checks need no database, so they
overlap the wait. With --wait-for-go the command then reads one line from stdin and
touches the database only after "go", once PostgreSQL accepts connections.

Every line it prints is a JSON object from the logger "boot" on stdout, whatever the
log settings say: the boot's story belongs in the container's output.
Exit codes: 0 ok, 69 database refused the connection, 70 migrate failed, 73
collectstatic failed, 78 configuration invalid (deploy checks, credentials).
"""

from __future__ import annotations

import io
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

from config.env import EXIT_CONFIG
from config.logging import KeelsonJsonFormatter

from ._advisory_lock import COLLECTSTATIC_LOCK_KEY, MIGRATION_LOCK_KEY, advisory_lock
from ._static_fingerprint import sources_fingerprint, store_fingerprint, stored_fingerprint

EXIT_OK = 0
EXIT_UNAVAILABLE = 69
EXIT_MIGRATE = 70
EXIT_COLLECTSTATIC = 73

# libpq's words for "these credentials or this database are wrong": a configuration
# problem (78), not a database that is down.
CREDENTIAL_ERRORS = {
    "password authentication failed": "POSTGRES_PASSWORD or POSTGRES_USER",
    "no password supplied": "POSTGRES_PASSWORD",
    "does not exist": "POSTGRES_USER or POSTGRES_DB",
    "no pg_hba.conf entry": "POSTGRES_HOST, POSTGRES_USER or POSTGRES_DB",
}


def boot_logger() -> logging.Logger:
    """The 'boot' logger: JSON lines on stdout, never to the files of DJANGO_LOG_TO_FILES."""
    logger = logging.getLogger("boot")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(KeelsonJsonFormatter())
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


class Steps:
    """Runs the steps in order and logs each with the boot's elapsed time."""

    def __init__(self, since_us: int | None) -> None:
        self.log = boot_logger()
        self.since_us = since_us

    def elapsed_ms(self) -> int | None:
        if self.since_us is None:
            return None
        return round((time.time_ns() // 1000 - self.since_us) / 1000)

    def info(self, step: str, message: str, level: int = logging.INFO, **fields: Any) -> None:
        self.log.log(
            level, message, extra={"step": step, "elapsed_ms": self.elapsed_ms(), **fields}
        )

    def failed(self, step: str, error: Exception, exit_code: int) -> int:
        """One ERROR line with the exception, and the step's exit code."""
        self.log.error(
            f"{step} failed: {type(error).__name__}: {error}",
            exc_info=True,
            extra={"step": step, "elapsed_ms": self.elapsed_ms(), "exit_code": exit_code},
        )
        return exit_code

    # ------------------------------------------------------------ steps
    def deploy_checks(self) -> int:
        """Django's deploy checks; any warning or error is a configuration to fix (78)."""
        findings = [
            message
            for message in checks.run_checks(include_deployment_checks=True)
            if message.level >= checks.WARNING and not message.is_silenced()
        ]
        for finding in findings:
            hint = f" Hint: {finding.hint}" if finding.hint else ""
            self.info(
                "checks",
                f"{finding.id}: {finding.msg}{hint}",
                logging.ERROR if finding.is_serious() else logging.WARNING,
                check_id=finding.id,
            )
        if findings:
            self.info(
                "checks",
                f"deploy checks found {len(findings)} problem(s): fix them or silence a "
                "deliberate one with the setting that turns it off",
                logging.ERROR,
                exit_code=EXIT_CONFIG,
            )
            return EXIT_CONFIG
        self.info("checks", "deploy checks passed")
        return EXIT_OK

    def connect(self) -> int:
        """Open the connection: wrong credentials are a configuration error, not an outage."""
        database = settings.DATABASES[DEFAULT_DB_ALIAS]
        where = f"{database['HOST']}:{database['PORT']}"
        try:
            connections[DEFAULT_DB_ALIAS].ensure_connection()
        except OperationalError as error:
            reason = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
            for words, variables in CREDENTIAL_ERRORS.items():
                if words in str(error):
                    self.info(
                        "database",
                        f"{variables} not accepted by PostgreSQL at {where}: {reason}. "
                        "Hint: check the credentials and database name (see .env.example)",
                        logging.ERROR,
                        exit_code=EXIT_CONFIG,
                    )
                    return EXIT_CONFIG
            self.info(
                "database",
                f"PostgreSQL at {where} refused the connection: {reason}",
                logging.ERROR,
                exit_code=EXIT_UNAVAILABLE,
            )
            return EXIT_UNAVAILABLE
        return EXIT_OK

    def migrate(self) -> int:
        connection = connections[DEFAULT_DB_ALIAS]
        started = time.monotonic()
        try:
            with advisory_lock(
                connection, MIGRATION_LOCK_KEY, on_wait=self.announce_wait
            ) as waited_ms:
                waited = {} if waited_ms is None else {"waited_ms": waited_ms}
                # Planned under the lock: a replica that waited sees what the other applied.
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
                if not plan:
                    after = " after waiting for the lock" if waited else ""
                    self.info("migrate", f"nothing to migrate{after}", applied=0, **waited)
                    return EXIT_OK
                names = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
                self.info("migrate", f"applying {len(names)} migration(s)", migrations=names)
                call_command("migrate", interactive=False, verbosity=0)
        except Exception as error:  # any failure of any migration stops the boot
            return self.failed("migrate", error, EXIT_MIGRATE)
        self.info(
            "migrate",
            f"applied {len(names)} migration(s)",
            applied=len(names),
            duration_ms=round((time.monotonic() - started) * 1000),
            **waited,
        )
        return EXIT_OK

    def announce_wait(self) -> None:
        self.info("migrate", "waiting for the migration lock: another process is migrating")

    def static_skipped(self, why: str, root: Path, **fields: Any) -> int:
        """STATIC_ROOT already holds a collection of exactly these sources."""
        self.info(
            "collectstatic",
            f"static files {why}: skipped",
            static_root=str(root),
            skipped=True,
            **fields,
        )
        return EXIT_OK

    def collectstatic(self) -> int:
        started = time.monotonic()
        output = io.StringIO()
        root = Path(settings.STATIC_ROOT)
        try:
            fingerprint = sources_fingerprint()
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
                on_wait=lambda: self.info(
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
            return self.failed("collectstatic", error, EXIT_COLLECTSTATIC)
        summary = output.getvalue().strip().splitlines()
        self.info(
            "collectstatic",
            summary[-1] if summary else "static files collected",
            static_root=str(settings.STATIC_ROOT),
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        return EXIT_OK


def wait_for_go() -> bool:
    """True once the boot script says PostgreSQL is ready; False if it went away."""
    return sys.stdin.readline().strip() == "go"


class Command(BaseCommand):
    help = "The boot's steps in one process (used by nix/boot.sh): checks, migrate, collectstatic."
    # The steps choose their checks themselves.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deploy-checks", action="store_true", help="run check --deploy")
        parser.add_argument(
            "--wait-for-go", action="store_true", help="read 'go' from stdin before the database"
        )
        parser.add_argument("--migrate", action="store_true", help="migrate under the lock")
        parser.add_argument("--collectstatic", action="store_true", help="collect static files")
        parser.add_argument(
            "--keep-going",
            action="store_true",
            help="run collectstatic even when migrate failed (emergency mode)",
        )
        parser.add_argument(
            "--since", type=int, default=None, help="the boot's start, microseconds since epoch"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Interrupted, the process just ends: the boot script reports the signal, and a
        # KeyboardInterrupt traceback would be a non-JSON line.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        steps = Steps(options["since"])
        steps.info("settings", f"settings {settings.SETTINGS_MODULE} loaded")
        status = self.run(steps, options)
        # The boot waits for this process before gunicorn starts: skip the interpreter's
        # teardown (over 100 ms) once the connections are closed and the output is out.
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)

    def run(self, steps: Steps, options: dict[str, Any]) -> int:
        if options["deploy_checks"] and (status := steps.deploy_checks()):
            return status
        if options["wait_for_go"] and not wait_for_go():
            return EXIT_OK
        wants_database = options["migrate"]
        if wants_database and (status := steps.connect()):
            return status
        first_failure = EXIT_OK
        if options["migrate"]:
            first_failure = steps.migrate()
            if first_failure and not options["keep_going"]:
                return first_failure
        if options["collectstatic"]:
            status = steps.collectstatic()
            first_failure = first_failure or status
        return first_failure
