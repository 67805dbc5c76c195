"""The boot's commands. Each validating command judges the whole environment contract
first (every layer, every problem, exit 78) before it waits for PostgreSQL or connects.

A role of the image (a web server, a one-shot migration, a worker) is one function here
and one entry in COMMANDS.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keelson.boot.exits import (
    EXIT_COLLECTSTATIC,
    EXIT_CONFIG,
    EXIT_FRONT,
    EXIT_HEALTHCHECK,
    EXIT_MIGRATE,
    EXIT_OK,
    EXIT_USAGE,
    finish,
)
from keelson.boot.interrupt import Interrupt
from keelson.boot.log import BootLog
from keelson.contract.core import BY_NAME, Values, read_one, validated
from keelson.contract.env import ConfigError, one_line
from keelson.contract.services_summary import summary

if TYPE_CHECKING:
    from keelson.boot.django_setup import DjangoSetup
    from keelson.serve.front.nginx_conf import FrontConfig

# Django and gunicorn load lazily, in the command that needs them: a usage error, a bad
# environment or a healthcheck answers before they are imported.
STARTED = time.time()


@dataclass
class Boot:
    """What every command gets: its name, the log, the validated values, signals."""

    command: str
    log: BootLog
    values: Values
    interrupt: Interrupt


def wait_for_database(boot: Boot, setup: DjangoSetup) -> None:
    from keelson.boot.postgres import wait_for_postgres

    wait_for_postgres(boot.values, boot.log, boot.interrupt, setup.end_if_failed)


# ---------------------------------------------------------------- commands
def serve(boot: Boot) -> int:
    """Wait for PostgreSQL, migrate, collect static files, then gunicorn in this process."""
    from keelson.boot.django_setup import DjangoSetup
    from keelson.serve.metrics.boot import record_boot_step, timed
    from keelson.serve.observability import prepare_observability

    values = boot.values
    # Before Django (the setup thread) or prometheus_client is imported, and before
    # gunicorn forks: the metrics directory emptied and chosen, the drain flag mapped.
    prepare_observability(values)
    record_boot_step("validate", time.time() - STARTED)
    strict = values["MIGRATIONS_STRICT"]
    if not strict:
        boot.log.boxed(
            "WARNING: EMERGENCY MODE (MIGRATIONS_STRICT=0)",
            "A failed migrate or collectstatic does NOT stop this boot: the service may",
            "serve on a database schema that does not match its code, and fail requests.",
            "Use it only to bring a broken deployment back; set MIGRATIONS_STRICT=1 again.",
        )
    front = front_or_finish(boot)
    setup = DjangoSetup(
        boot.log, lambda: timed("django_setup", prepare_serving, values["RUN_COLLECTSTATIC"])
    ).start()
    timed("wait_postgres", wait_for_database, boot, setup)
    prepared = setup.result()

    from keelson.boot.steps import Steps

    steps = Steps(boot.log)
    wanted = [
        (name, run)
        for name, run, on in (
            ("migrate", steps.migrate, values["RUN_MIGRATIONS"]),
            (
                "collectstatic",
                lambda: steps.collectstatic(prepared.static_fingerprint),
                values["RUN_COLLECTSTATIC"],
            ),
        )
        if on
    ]
    if values["RUN_MIGRATIONS"] and (status := timed("connect", steps.connect)):
        return status
    for name, run in wanted:
        if status := timed(name, run):
            judge_failed_step(boot, name, status, strict)
    return start_gunicorn(
        boot, prepared.application or timed("load_application", load_application), front
    )


def judge_failed_step(boot: Boot, step: str, status: int, strict: bool) -> None:
    """Stop the boot with the step's code, or serve anyway in emergency mode."""
    if status not in (EXIT_MIGRATE, EXIT_COLLECTSTATIC):
        # The database or its credentials: never served through.
        finish(status)
    if strict:
        boot.log.error(
            step,
            f"{step} failed: boot stopped, gunicorn not started. Hint: fix it and redeploy "
            "(MIGRATIONS_STRICT=0 serves anyway, emergency mode only)",
            status,
        )
        finish(status)
    boot.log.boxed(
        f"WARNING: EMERGENCY MODE: {step} FAILED (exit {status}) AND THE SERVICE STARTS ANYWAY",
        f"MIGRATIONS_STRICT=0 let the boot continue; requests may fail. Fix {step},",
        "then redeploy with MIGRATIONS_STRICT=1.",
    )


def load_application() -> Any:
    """The WSGI application (Django's handler with its middleware loaded)."""
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


@dataclass
class Prepared:
    """What the serving boot made ready beside the PostgreSQL wait."""

    application: Any = None
    static_fingerprint: str | None = None


def prepare_serving(collects_static: bool) -> Prepared:
    """Everything that needs no database, while PostgreSQL is awaited: Django, the
    migrations on disk (loaded once in the master: migrate's plan reuses the modules and
    the workers' first /ready/ inherits them), the static sources' fingerprint, and the
    WSGI application, unless collectstatic has files to write first (WhiteNoise lists
    STATIC_ROOT when the application loads)."""
    from django.conf import settings

    from keelson.boot.static_fingerprint import sources_fingerprint, stored_fingerprint
    from keelson.probes import migrations_on_disk

    setup_django()
    prepared = Prepared()
    # Warm-ups only: a broken migration or source file is reported by its own step.
    with suppress(Exception):
        migrations_on_disk()
    if collects_static:
        with suppress(Exception):
            prepared.static_fingerprint = sources_fingerprint()
        if stored_fingerprint(Path(settings.STATIC_ROOT)) != prepared.static_fingerprint:
            return prepared
    prepared.application = load_application()
    return prepared


def front_or_finish(boot: Boot) -> FrontConfig:
    """The front's configuration, once nginx is known to be there: a boot that could not
    serve through it stops before it waits for PostgreSQL or touches anything."""
    from keelson.serve.front.process import NGINX, front_config

    if shutil.which(NGINX) is None:
        boot.log.error(
            "serve",
            f"{NGINX}, the front of gunicorn, is not on PATH. "
            "Hint: the image and nix/boot.sh put it there; off Nix, scripts/bootstrap "
            "installs Debian's nginx (in /usr/sbin: add it to PATH)",
            EXIT_FRONT,
        )
        finish(EXIT_FRONT)
    return front_config(boot.values)


def start_gunicorn(boot: Boot, application: Any, front: FrontConfig) -> int:
    from django.db import connections

    from keelson.serve.gunicorn_hooks import not_ready_any_more
    from keelson.serve.gunicorn_settings import gunicorn_settings
    from keelson.serve.supervisor import serve

    # gunicorn is forked from this process: it may not inherit its database connection.
    connections.close_all()
    boot.log.info("serve", "starting gunicorn behind the front")
    return serve(
        gunicorn_settings(boot.values),
        application,
        front,
        boot.values["DRAIN_SECONDS"],
        not_ready_any_more,
    )


def migrate(boot: Boot) -> int:
    """One-shot migration job: deploy checks, wait for PostgreSQL, locked migrate."""
    from keelson.boot.django_setup import DjangoSetup
    from keelson.boot.steps import Steps

    steps = Steps(boot.log)
    setup = DjangoSetup(boot.log, setup_django, steps.deploy_checks).start()
    wait_for_database(boot, setup)
    setup.result()
    if (status := steps.connect()) or (status := steps.migrate()):
        return status
    boot.log.info("migrate", "migrations done", exit_code=EXIT_OK)
    return EXIT_OK


def check(boot: Boot) -> int:
    """Everything `boot` would refuse, without a database: the contract, the settings and
    Django's deploy checks (warnings count)."""
    from keelson.boot.django_setup import DjangoSetup
    from keelson.boot.steps import Steps

    DjangoSetup(boot.log, setup_django, Steps(boot.log).deploy_checks).start().result()
    boot.log.info("check", "configuration valid", exit_code=EXIT_OK)
    return EXIT_OK


def setup_django() -> None:
    import django

    django.setup()


def manage(args: list[str]) -> int:
    """Any management command, same environment and settings; its own output."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *args])
    return EXIT_OK


def run_celery_role(boot: Boot, start: Callable[[], int]) -> int:
    """`boot worker` and `boot beat`: PostgreSQL (Django loading beside the wait), the
    broker, the schema (75 while migrations are unapplied), then Celery in this process."""
    from keelson.boot.django_setup import DjangoSetup
    from keelson.boot.steps import Steps
    from keelson.roles.broker import wait_for_the_broker

    setup = DjangoSetup(boot.log, setup_django).start()
    wait_for_database(boot, setup)
    setup.result()
    wait_for_the_broker(boot.values, boot.log)
    if status := Steps(boot.log).require_applied_migrations(boot.command):
        return status
    boot.log.info(boot.command, f"starting the Celery {boot.command}")
    return start()


def worker(boot: Boot) -> int:
    """A Celery worker; SIGTERM is a warm shutdown (running tasks finish), exit 0."""
    from keelson.roles.celery_worker import run_worker

    return run_celery_role(boot, run_worker)


def beat(boot: Boot) -> int:
    """Celery beat, scheduling only while it holds the beat lock; SIGTERM: exit 0."""
    from keelson.roles.beat import run_beat

    return run_celery_role(boot, run_beat)


# `boot healthcheck ROLE`: the worker roles' checks (the web's takes no role).
HEALTH_ROLES = ("worker", "beat")
DEFAULT_PING_TIMEOUT = 10.0


def ping_timeout(options: list[str]) -> float | None:
    """`[--timeout S]` of `healthcheck worker`: seconds above 0, or None when malformed."""
    if not options:
        return DEFAULT_PING_TIMEOUT
    if len(options) == 2 and options[0] == "--timeout":
        with suppress(ValueError):
            seconds = float(options[1])
            if 0 < seconds < float("inf"):
                return seconds
    return None


def role_healthcheck(log: BootLog, args: list[str]) -> int:
    """`healthcheck worker [--timeout S]` pings this host's worker through the broker (the
    contract judged first, as the worker's); `healthcheck beat` reads beat's heartbeat."""
    role, options = args[0], args[1:]
    timeout = ping_timeout(options) if role == "worker" else None
    if options and timeout is None:
        return usage_error(
            log, f"unexpected {one_line(' '.join(options))!r} after healthcheck {role}"
        )
    if role == "beat":
        from keelson.roles.worker_health import beat_health

        return beat_health()
    validated_or_finish(log, "worker")
    setup_django()
    from keelson.roles.worker_health import worker_health

    return worker_health(timeout or DEFAULT_PING_TIMEOUT)


def healthcheck(log: BootLog) -> int:
    from keelson.boot.healthcheck import health_problem

    bind = read_one(BY_NAME["GUNICORN_BIND"])[0]
    problem = health_problem(bind)
    if problem is None:
        return EXIT_OK
    log.error("healthcheck", f"healthcheck failed: {problem}", EXIT_HEALTHCHECK)
    return EXIT_HEALTHCHECK


@dataclass(frozen=True)
class Command:
    run: Callable[[Boot], int]
    # What a signal before the start stops (the boot's interrupt line names it).
    starts: str = "gunicorn"


# Commands that validate the contract, log the configuration and honour signals.
COMMANDS: dict[str, Command] = {
    "serve": Command(serve),
    "migrate": Command(migrate),
    "check": Command(check),
    "worker": Command(worker, starts="the Celery worker"),
    "beat": Command(beat, starts="Celery beat"),
}
USAGE = (
    "boot [serve] | boot migrate | boot check | boot worker | boot beat | "
    "boot healthcheck [worker [--timeout S] | beat] | boot manage ARGS..."
)


# ---------------------------------------------------------------- dispatch
def usage_error(log: BootLog, message: str) -> int:
    log.error("usage", f"{message}. Hint: {USAGE}", EXIT_USAGE)
    return EXIT_USAGE


def validated_or_finish(log: BootLog, command: str | None = None) -> Values:
    """The whole contract (with `command`'s own requirements), or every problem on its
    own line and exit 78."""
    # Django reads the module's name from the environment: the contract's default, set.
    settings = BY_NAME["DJANGO_SETTINGS_MODULE"]
    os.environ["DJANGO_SETTINGS_MODULE"] = read_one(settings) or settings.default
    try:
        # Remembered for this process: the settings module reads these same values.
        return validated(command)
    except ConfigError as error:
        log.problems(error.lines)
        finish(EXIT_CONFIG)


HELP = """\
usage: keelson [COMMAND]   (the image's entrypoint `boot` is the same command)

Run in the project's directory. Every command but healthcheck and contract validates the
whole environment contract first: every problem on its own line, exit 78.

  serve                 (default) wait for PostgreSQL, migrate, collect static files,
                        then serve with gunicorn behind the front
  migrate               one-shot job: deploy checks, migrate under a lock, exit
  check                 everything serve would refuse, without a database
  worker | beat         the Celery worker, Celery beat (one at a time)
  healthcheck [worker [--timeout S] | beat]
                        GET /health/ on the first bind, or check a worker role
  manage ARGS...        any management command, same environment and settings
  contract env-example  the project's .env.example (Keelson's variables and its own)
  contract tables FILE  FILE with the variable tables between its markers rendered anew
  --version             Keelson's version

Exit codes: 0 ok, 64 usage, 69 a dependency unavailable at its deadline, 70 migrations
failed, 73 collectstatic failed, 78 configuration invalid, 130/143 interrupted.
"""
CONTRACT_FORMATS = ("env-example", "tables")


def contract(log: BootLog, args: list[str]) -> int:
    """`contract env-example` prints the project's .env.example; `contract tables FILE`
    rewrites FILE's variable tables. Nothing is validated: the contract is declared."""
    from keelson.contract.render import env_example, with_tables

    if args == ["env-example"]:
        sys.stdout.write(env_example())
        return EXIT_OK
    if len(args) == 2 and args[0] == "tables":
        path = Path(args[1])
        try:
            document = path.read_text(encoding="utf-8")
            path.write_text(with_tables(document), encoding="utf-8")
        except (OSError, ValueError) as error:
            log.error(
                "contract",
                f"{path}: {one_line(str(error))}. Hint: name a Markdown file "
                "that holds the two variable-table markers",
                EXIT_USAGE,
            )
            return EXIT_USAGE
        return EXIT_OK
    return usage_error(log, "keelson contract takes env-example, or tables FILE")


def run(argv: list[str]) -> int:
    log = BootLog(STARTED)
    name, args = (argv[0], argv[1:]) if argv else ("serve", [])
    if name in ("-h", "--help", "help"):
        sys.stdout.write(HELP)
        return EXIT_OK
    if name == "--version":
        from keelson import __version__

        print(f"keelson {__version__}")
        return EXIT_OK
    if name == "contract":
        return contract(log, args)
    if name == "manage":
        if not args:
            return usage_error(
                log, "boot manage needs a management command, e.g. boot manage showmigrations"
            )
        validated_or_finish(log)
        return manage(args)
    if name not in (*COMMANDS, "healthcheck"):
        return usage_error(log, f"unknown command {one_line(name)!r}")
    if name == "healthcheck" and args:
        if args[0] not in HEALTH_ROLES:
            return usage_error(
                log, f"boot healthcheck takes worker or beat, not {one_line(args[0])!r}"
            )
        return role_healthcheck(log, args)
    if args:
        return usage_error(log, f"boot {name} takes no arguments, got {one_line(' '.join(args))!r}")
    if name == "healthcheck":
        return healthcheck(log)
    interrupt = Interrupt(log, COMMANDS[name].starts)
    interrupt.install()
    values = validated_or_finish(log, name)
    log.info(
        "config",
        f"boot {name}: effective configuration (secrets masked)",
        command=name,
        config=values.shown(),
        services=summary(values),
    )
    return COMMANDS[name].run(Boot(name, log, values, interrupt))


def main() -> None:
    finish(run(sys.argv[1:]))
