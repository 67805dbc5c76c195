"""A Docker Engine of the test session's own: Debian's `dockerd`, started on its own data
root, exec root, pidfile and unix socket, stopped at the end.

`--storage-driver vfs` works on any filesystem (no overlay mounts), `--iptables=false
--bridge=none` leaves the host's firewall and interfaces alone: containers use host
networking, `none`, or user-defined networks the engine creates itself. Tests that need
the engine skip, saying why, only where it cannot start (not root, no dockerd).

tests/conftest.py imports it, so every suite shares one engine per session.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Debian's docker.io puts the CLI here; another `docker` earlier on PATH may be anything.
DEBIAN_DOCKER_CLI = Path("/usr/bin/docker")
START_TIMEOUT = 60.0


class EngineUnavailable(RuntimeError):
    """The engine cannot run on this machine; the message says why."""


def docker_cli() -> str:
    if DEBIAN_DOCKER_CLI.exists():
        return str(DEBIAN_DOCKER_CLI)
    found = shutil.which("docker")
    if not found:
        raise EngineUnavailable("the docker CLI is missing: apt-get install docker.io")
    return found


class DockerEngine:
    """One dockerd process and the CLI pointed at it."""

    def __init__(self, compose_plugin: Path | None = None) -> None:
        # Short paths: containerd's sockets live under the exec root (108-byte limit).
        self.base_dir = Path(tempfile.mkdtemp(prefix="kdockerd-", dir="/tmp"))
        self.data_root = self.base_dir / "data"
        self.exec_root = self.base_dir / "exec"
        self.pidfile = self.base_dir / "dockerd.pid"
        self.socket = self.base_dir / "docker.sock"
        self.log_path = self.base_dir / "dockerd.log"
        self.config_dir = self.base_dir / "config"
        self.host = f"unix://{self.socket}"
        self.cli = docker_cli()
        self.process: subprocess.Popen | None = None
        self.config_dir.mkdir()
        if compose_plugin is not None:
            self.add_compose_plugin(compose_plugin)

    def add_compose_plugin(self, binary: Path) -> None:
        """`docker compose` for this engine's CLI: a Compose v2 binary as its plugin."""
        plugins = self.config_dir / "cli-plugins"
        plugins.mkdir(exist_ok=True)
        (plugins / "docker-compose").symlink_to(binary)

    @property
    def env(self) -> dict[str, str]:
        """What a client needs to reach this engine (and only this one)."""
        return {"DOCKER_HOST": self.host, "DOCKER_CONFIG": str(self.config_dir)}

    def start(self) -> DockerEngine:
        if os.geteuid() != 0:
            raise EngineUnavailable("dockerd needs root here (no rootless setup); run as root")
        dockerd = shutil.which("dockerd") or shutil.which("dockerd", path="/usr/sbin:/sbin")
        if not dockerd:
            raise EngineUnavailable("dockerd is missing: apt-get install docker.io")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    dockerd,
                    "--storage-driver", "vfs",
                    "--iptables=false",
                    "--ip6tables=false",
                    "--bridge=none",
                    "--data-root", str(self.data_root),
                    "--exec-root", str(self.exec_root),
                    "--pidfile", str(self.pidfile),
                    "--host", self.host,
                    "--log-level", "warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineUnavailable(
                    f"dockerd exited {self.process.returncode}: {self.log_tail()}"
                )
            if (
                self.docker("version", "--format", "{{.Server.Version}}", check=False).returncode
                == 0
            ):
                return self
            time.sleep(0.1)
        self.stop()
        raise EngineUnavailable(
            f"dockerd did not answer within {START_TIMEOUT:.0f} s: {self.log_tail()}"
        )

    def log_tail(self, lines: int = 5) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def docker(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 120,
        input: bytes | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess:
        """The CLI against this engine; text output unless `input` is bytes."""
        result = subprocess.run(
            [self.cli, *args],
            env={**os.environ, **self.env},
            capture_output=True,
            timeout=timeout,
            input=input,
            cwd=cwd,
        )
        result.stdout = result.stdout.decode(errors="replace")
        result.stderr = result.stderr.decode(errors="replace")
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
            )
        return result

    def popen(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen([self.cli, *args], env={**os.environ, **self.env}, **kwargs)

    def inspect(self, name: str) -> dict:
        return json.loads(self.docker("inspect", name).stdout)[0]

    def load(self, archive: Path) -> None:
        self.docker("load", "--input", str(archive), timeout=600)

    def stop(self) -> None:
        """Stop every container, then the engine; remove its directories."""
        if self.process and self.process.poll() is None:
            running = self.docker("ps", "--quiet", check=False).stdout.split()
            if running:
                self.docker("kill", *running, check=False)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        unmount_below(self.base_dir)
        subprocess.run(["rm", "-rf", "--one-file-system", str(self.base_dir)], check=False)


def unmount_below(directory: Path) -> None:
    """Mounts the engine left under its directories (container shm, netns files)."""
    prefix = str(directory) + "/"
    with open("/proc/self/mountinfo") as mountinfo:
        points = [line.split()[4] for line in mountinfo]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], check=False, capture_output=True)


def started_engine(compose_plugin: Path | None = None) -> DockerEngine:
    engine = DockerEngine(compose_plugin)
    try:
        return engine.start()
    except EngineUnavailable:
        engine.stop()
        raise


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    """The session's engine (no Compose plugin); skips, saying why, where it cannot start."""
    try:
        engine = started_engine()
    except EngineUnavailable as reason:
        pytest.skip(f"no Docker engine: {reason}")
    yield engine
    engine.stop()
