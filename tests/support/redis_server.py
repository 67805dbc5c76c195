"""A real Redis server (Debian's redis-server) in a temporary directory, for tests and
benchmarks: loopback only, a password, no persistence; stopped and started at will on
the same port."""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from ports import free_port

MISSING = "redis-server is not on PATH: scripts/bootstrap installs it (Debian's redis-server); under Nix the check's inputs bring it"


def redis_server_bin() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError(MISSING)
    return found


def have_redis_server() -> bool:
    return shutil.which("redis-server") is not None


class RedisServer:
    def __init__(self, port: int | None = None, *, persistent: bool = False) -> None:
        # persistent: every write to the append-only file before it is acknowledged, so
        # a restart keeps every message (as a production broker with AOF would).
        self.persistent = persistent
        self.base_dir = Path(tempfile.mkdtemp(prefix="keelson-redis-"))
        self.log_path = self.base_dir / "redis.log"
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(18)
        self.process: subprocess.Popen | None = None

    def url(self, database: int = 0) -> str:
        return f"redis://:{self.password}@{self.host}:{self.port}/{database}"

    def start(self, wait: bool = True) -> RedisServer:
        config = self.base_dir / "redis.conf"
        # The password in a file, never on a command line that `ps` shows.
        config.write_text(
            "\n".join(
                [
                    f"port {self.port}",
                    f"bind {self.host}",
                    f"requirepass {self.password}",
                    f"dir {self.base_dir}",
                    'save ""',
                    "appendonly yes" if self.persistent else "appendonly no",
                    "appendfsync always",
                    f"logfile {self.log_path}",
                    "daemonize no",
                ]
            )
            + "\n"
        )
        self.process = subprocess.Popen(
            [redis_server_bin(), str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait:
            self.wait_ready()
        return self

    def client(self) -> redis.Redis:
        return self.client_for(0)

    def client_for(self, database: int) -> redis.Redis:
        return redis.Redis.from_url(self.url(database), socket_timeout=3, socket_connect_timeout=3)

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                log = self.log_path.read_text() if self.log_path.exists() else ""
                raise RuntimeError(f"redis-server exited: {log[-2000:]}")
            try:
                with self.client() as client:
                    client.ping()
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)
