"""Backend processes (gunicorn, manage.py, the boot script) started for real."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BACKEND = REPO / "backend"
SUPPORT = REPO / "tests" / "support"
BIN = Path(sys.executable).parent


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a backend process: this machine's, minus anything the backend
    reads, plus the venv on PATH and the test-only modules importable."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
    }
    env["PATH"] = f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONPATH"] = str(SUPPORT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Every server a test stops would first drain for the default 10 s; the drain's own
    # tests (tests/reliability/test_drain.py) set it.
    env["DRAIN_SECONDS"] = "0"
    env.update(extra or {})
    return env


def manage(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Process:
    """A long-running process in `cwd` (the example project unless told), its stdout and
    stderr in files in `log_dir`."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        log_dir: Path,
        name: str = "proc",
        cwd: Path = BACKEND,
    ) -> None:
        """`cwd`: the project's directory (the example backend unless another's)."""
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = log_dir / f"{name}.stdout"
        self.stderr_path = log_dir / f"{name}.stderr"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
            )
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 35.0) -> int:
        """SIGTERM, then SIGKILL of the whole group if it does not exit in time."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        return self.popen.returncode

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def output_lines(self) -> list[str]:
        return [line for line in (self.stdout() + self.stderr()).splitlines() if line.strip()]

    def json_lines(self) -> list[dict[str, Any]]:
        """Every output line parsed as JSON; raises on the first line that is not."""
        parsed = []
        for line in self.output_lines():
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise AssertionError(f"not a JSON line: {line!r}") from error
        return parsed


def gunicorn(env: dict[str, str], log_dir: Path, name: str = "gunicorn") -> Process:
    return Process(
        [
            str(BIN / "gunicorn"),
            "--config",
            "python:keelson.gunicorn_config",
            "config.wsgi:application",
        ],
        env,
        log_dir,
        name,
    )


# Debian installs nginx in /usr/sbin, which an unprivileged user's PATH lacks.
DEBIAN_NGINX = "/usr/sbin/nginx"


def nginx() -> str | None:
    """nginx, the front the boot starts: on PATH (Nix's checks.pytest has it as an input,
    scripts/test-sandboxed links it there), else Debian's."""
    found = shutil.which("nginx")
    if found is None and os.access(DEBIAN_NGINX, os.X_OK):
        found = DEBIAN_NGINX
    return found


def nginx_or_skip() -> str:
    """nginx, or this test skipped: `boot serve` serves only behind the front."""
    import pytest

    found = nginx()
    if found is None:
        pytest.skip("nginx (the front `boot serve` starts) is neither on PATH nor in /usr/sbin")
    return found


def with_nginx(env: dict[str, str]) -> dict[str, str]:
    """`env` whose PATH also finds nginx (skips the test when there is none)."""
    directory = os.path.dirname(nginx_or_skip())
    return {**env, "PATH": f"{env.get('PATH', '')}:{directory}"}


def fronted(env: dict[str, str], log_dir: Path, name: str = "fronted") -> Process:
    """`boot serve` in one process: gunicorn behind the front (nginx), as the image runs."""
    return Process([sys.executable, "-m", "keelson", "serve"], with_nginx(env), log_dir, name)
