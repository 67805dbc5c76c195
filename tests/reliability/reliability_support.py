"""The reliability suite's helpers: served backends whose every output line and answer
is scanned for tracebacks and secrets."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from httpclient import Response, request, wait_for_status
from ports import free_port
from postgres import PostgresServer
from processes import Process, base_env, fronted, gunicorn, manage
from reliability_ledger import LEDGER, Ledger
from reliability_load import Outcome

# The only logged exception a test may cause on purpose: the test-only failing view.
DELIBERATE_FAILURE = "Internal Server Error: /test/error/"
# Host and scheme of a real request through the proxy (probes need neither).
APP_HEADERS = {"Host": "app.example.com", "X-Forwarded-Proto": "https"}


@dataclass
class Watch:
    """What a test's processes printed and what its requests got back, scanned at the end."""

    ledger: Ledger
    secrets: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    # Logged exceptions of 500s the test causes on purpose; any other is a finding.
    deliberate: set[str] = field(default_factory=lambda: {DELIBERATE_FAILURE})

    def deliberate_failure(self, record: dict) -> bool:
        return record.get("message") in self.deliberate

    def process(self, process: Process) -> Process:
        self.processes.append(process)
        return process

    def text(self, where: str, text: str) -> None:
        """Output of a finished command (manage.py, boot.sh), scanned like a process's."""
        self.texts.append((where, text))

    def get(self, port: int, path: str, **kwargs: Any) -> Response:
        self.ledger.sent()
        response = request(port, path, **kwargs)
        found = self.answer(path, response)
        assert not found, found
        return response

    def outcome(self, outcome: Outcome) -> None:
        """One answer (or failure) of a load run: counted, its errors by kind, scanned."""
        self.ledger.sent()
        if outcome.error:
            self.ledger.error(outcome.error)
        elif outcome.status is not None and outcome.status >= 500:
            self.ledger.error(f"{outcome.path.split('?')[0]} HTTP {outcome.status}")
        if outcome.response is not None:
            self.answer(outcome.path, outcome.response)

    def answer(self, where: str, response: Response) -> list[str]:
        headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
        text = headers + "\n" + response.body.decode("utf-8", "replace")
        found = self.ledger.scan_text(f"answer to {where}", text, self.secrets)
        self.found.extend(found)
        return found

    def findings(self) -> list[str]:
        found = list(self.found)
        for process in self.processes:
            found += self.ledger.scan_lines(
                f"output of {process.stdout_path.stem}",
                process.output_lines(),
                self.secrets,
                allowed_exception=self.deliberate_failure,
            )
        for where, text in self.texts:
            found += self.ledger.scan_lines(
                where, text.splitlines(), self.secrets, allowed_exception=self.deliberate_failure
            )
        return found


@contextlib.contextmanager
def watching() -> Iterator[Watch]:
    """A Watch whose findings fail the test (or module) when it ends."""
    watched = Watch(LEDGER)
    yield watched
    found = watched.findings()
    assert not found, "\n".join(found)


@dataclass
class Served:
    port: int
    process: Process
    env: dict[str, str]
    watch: Watch | None = None

    # `boot serve`: the process supervises gunicorn's master and the front's nginx.
    fronted: bool = False

    def children(self, pid: int | None = None) -> set[int]:
        pid = self.process.pid if pid is None else pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        try:
            return {int(child) for child in children.read_text().split()}
        except FileNotFoundError:
            return set()

    def gunicorn_master(self) -> int:
        """The process gunicorn's arbiter runs in: the one started, or the boot's child
        that is not nginx."""
        if not self.fronted:
            return self.process.pid
        for pid in self.children():
            with contextlib.suppress(FileNotFoundError):
                if Path(f"/proc/{pid}/comm").read_text().strip() != "nginx":
                    return pid
        raise AssertionError("gunicorn's master is not among the boot's children")

    def workers(self) -> set[int]:
        """gunicorn's workers: its master's child processes."""
        return self.children(self.gunicorn_master())

    def liveness_workers(self) -> dict[str, int]:
        """What /health/ says of gunicorn's workers: {"alive": N, "running": N}."""
        return request(self.port, "/health/").json()["workers"]


def wait_until(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Returns once `condition()` is true; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.05)


def secret_files_env(pg: PostgresServer, dbname: str, directory: Path) -> dict[str, str]:
    """POSTGRES_* and SECRET_KEY with both secrets in files (*_FILE), as orchestrators mount them."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "secret_key"
    key_file.write_text(secrets.token_urlsafe(64) + "\n")
    password_file = directory / "postgres_password"
    password_file.write_text(pg.password + "\n")
    env = pg.env(dbname)
    del env["POSTGRES_PASSWORD"]
    return {
        **env,
        "POSTGRES_PASSWORD_FILE": str(password_file),
        "SECRET_KEY_FILE": str(key_file),
    }


def secret_values(env: dict[str, str]) -> list[str]:
    values = [env.get("SECRET_KEY", ""), env.get("POSTGRES_PASSWORD", "")]
    for name, path in env.items():
        if name.endswith("_FILE") and Path(path).is_file():
            values.append(Path(path).read_text().strip())
    return [value for value in values if value]


def prepare_env(
    pg: PostgresServer, static_root: Path, directory: Path, watch: Watch, **overrides: str
) -> dict[str, str]:
    """A production environment (plus the test-only URLs) on a fresh, migrated database."""
    dbname = pg.create_database()
    env = base_env(
        {
            "DJANGO_SETTINGS_MODULE": "keelson_testing.settings",
            "ALLOWED_HOSTS": "app.example.com,localhost,127.0.0.1",
            "STATIC_ROOT": str(static_root),
            "LOG_DIR": str(directory / "logs"),
            **secret_files_env(pg, dbname, directory / f"secrets-{dbname}"),
        }
    )
    migrated = manage(["migrate", "--noinput", "-v0"], env)
    watch.text("manage.py migrate", migrated.stdout + migrated.stderr)
    assert migrated.returncode == 0, migrated.stderr
    env.update(overrides)
    watch.secrets.extend(secret_values(env))
    return env


def start_gunicorn(
    env: dict[str, str], directory: Path, watch: Watch, *, workers: int = 2, **overrides: str
) -> Served:
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    env.update(overrides)
    name = f"gunicorn-{len(watch.processes)}"
    served = Served(port, watch.process(gunicorn(env, directory, name=name)), env, watch)
    wait_for_status(port, "/health/", timeout=60)
    # /health/ answers as soon as one worker runs: the tests count all of them.
    deadline = time.monotonic() + 30
    while len(served.workers()) < int(env["GUNICORN_WORKERS"]):
        assert time.monotonic() < deadline, f"fewer than {env['GUNICORN_WORKERS']} workers"
        time.sleep(0.02)
    return served


def start_fronted(
    env: dict[str, str], directory: Path, watch: Watch, *, workers: int = 2, **overrides: str
) -> Served:
    """`boot serve` (gunicorn behind the front) on a free port, once liveness answers and every worker runs."""
    port = free_port()
    # The boot's steps: the database is migrated and the static files collected already.
    env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "RUN_COLLECTSTATIC": "0",
    }
    env.update(overrides)
    name = f"fronted-{len(watch.processes)}"
    served = Served(
        port, watch.process(fronted(env, directory, name=name)), env, watch, fronted=True
    )
    wait_for_status(port, "/health/", timeout=60)
    deadline = time.monotonic() + 30
    while len(served.workers()) < workers:
        assert time.monotonic() < deadline, f"fewer than {workers} workers"
        time.sleep(0.02)
    return served
