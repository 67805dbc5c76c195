"""A real PostgreSQL server in a temporary directory, for tests and benchmarks.

initdb into a fresh directory, listen on 127.0.0.1 at a free port, password
authentication over TCP. As root the server runs as an unprivileged user (PostgreSQL
refuses to run as root). It can be stopped and started again mid-test.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from ports import free_port

UNPRIVILEGED_USERS = ("postgres", "nobody")


def postgres_bin(tool: str) -> str:
    """A PostgreSQL server tool: from PATH (Nix shell), else Debian's newest version."""
    found = shutil.which(tool)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"),
        key=lambda path: int(path.split("/")[4]),
    )
    if not candidates:
        raise RuntimeError(f"{tool} not found: install PostgreSQL (apt-get install postgresql)")
    return candidates[-1]


def run_as() -> tuple[pwd.struct_passwd | None, Callable[[], None] | None]:
    """The user to run the server as, and the function that switches to it."""
    if os.geteuid() != 0:
        return None, None
    for name in UNPRIVILEGED_USERS:
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue

        def demote(user: pwd.struct_passwd = user) -> None:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

        return user, demote
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


class PostgresServer:
    def __init__(self, port: int | None = None) -> None:
        # Not under pytest's temp tree: that is private to root, and the server may run
        # as another user.
        self.base_dir = Path(tempfile.mkdtemp(prefix="keelson-pg-"))
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "sock"
        self.log_path = self.base_dir / "postgres.log"
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.user = "keelson"
        self.password = secrets.token_urlsafe(16)
        self.process: subprocess.Popen | None = None
        self.owner, self.demote = run_as()

    # ------------------------------------------------------------ lifecycle
    def init(self) -> PostgresServer:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        pwfile = self.base_dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.owner:
            for path in (self.base_dir, self.socket_dir, pwfile):
                os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        result = subprocess.run(
            [
                postgres_bin("initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                self.user,
                "--pwfile",
                str(pwfile),
                "--auth-local",
                "trust",
                "--auth-host",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            preexec_fn=self.demote,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip()}")
        return self

    def start(self, wait: bool = True) -> PostgresServer:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server writes to it until stopped
        self.process = subprocess.Popen(
            [
                postgres_bin("postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(self.port),
                "-k",
                str(self.socket_dir),
                "-c",
                f"listen_addresses={self.host}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=self.demote,
        )
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log_path.read_text()[-2000:]}")
            try:
                with self.connect("postgres"):
                    return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise RuntimeError(f"postgres did not start within {timeout}s")

    def stop(self) -> None:
        """Fast shutdown (SIGINT): clients are disconnected, the server exits."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    # ------------------------------------------------------------ databases
    def connect(self, dbname: str, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname,
            connect_timeout=3,
            **kwargs,
        )

    def create_database(self, name: str | None = None) -> str:
        name = name or f"db_{secrets.token_hex(6)}"
        with self.connect("postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def env(self, dbname: str) -> dict[str, str]:
        """The POSTGRES_* variables that point the backend at `dbname` on this server."""
        return {
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_DB": dbname,
        }


def connect_as_backend(env: dict[str, str], **kwargs) -> psycopg.Connection:
    """A connection to the database that the POSTGRES_* variables of `env` name."""
    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        dbname=env["POSTGRES_DB"],
        connect_timeout=3,
        **kwargs,
    )
