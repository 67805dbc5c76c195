"""Helpers of the boot tests (a module of its own: every test folder has a `conftest`).

The boot script runs as the image runs it: under a bash without the readline builtins
(nixpkgs' runtimeShell is built without readline, so `compgen`, `complete` and `compopt`
do not exist there) and with a PATH of only what the image puts on it: the Python
environment, pg_isready and nginx. No /usr/bin.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from processes import BACKEND, BIN, REPO, Process, nginx, nginx_or_skip

BOOT = REPO / "nix" / "boot.sh"
# What nixpkgs' bash lacks: the builtins that need readline.
READLINE_BUILTINS = ("compgen", "complete", "compopt")
# A signal ends a waiting boot in a fraction of a second. The bound on that exit is far
# above it, so that a briefly busy machine cannot fail a test by chance, and far below the
# waits the signal must cut short (POSTGRES_WAIT_TIMEOUT, the migration lock,
# DRAIN_SECONDS): it catches a boot that sits out its wait, not a slow second.
SIGNAL_EXIT_WITHIN = 10.0


def bash() -> str:
    found = shutil.which("bash")
    assert found, "bash is not on PATH"
    return found


def pg_isready() -> str:
    """PostgreSQL's own pg_isready (Debian's /usr/bin one is a Perl wrapper around it)."""
    versioned = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_isready"), key=lambda p: int(p.split("/")[4])
    )
    found = versioned[-1] if versioned else shutil.which("pg_isready")
    assert found, "pg_isready not found: install PostgreSQL's client tools"
    return found


def image_like(env: dict[str, str], work_dir: Path) -> dict[str, str]:
    """`env` as the image's bash sees it: readline builtins off, PATH = the Python
    environment and a directory holding only pg_isready and nginx."""
    tools = work_dir / "image-bin"
    tools.mkdir(parents=True, exist_ok=True)
    link = tools / "pg_isready"
    if not link.exists():
        link.symlink_to(pg_isready())
    # nginx, the front of `boot serve`, as nix/boot.nix pins it; commands that do not
    # serve run without it (tests that serve skip where there is no nginx).
    front = nginx()
    if front is not None and not (tools / "nginx").exists():
        (tools / "nginx").symlink_to(front)
    bash_env = work_dir / "no-readline.bash"
    bash_env.write_text(f"enable -n {' '.join(READLINE_BUILTINS)}\n")
    return {**env, "PATH": f"{BIN}:{tools}", "BASH_ENV": str(bash_env)}


def boot_process(env: dict[str, str], log_dir: Path, *args: str, name: str = "boot") -> Process:
    """The boot script as a container runs it: the backend root as working directory."""
    if args in ((), ("serve",)):
        nginx_or_skip()
    return Process([bash(), str(BOOT), *args], image_like(env, log_dir), log_dir, name)


def run_boot(
    env: dict[str, str], work_dir: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess:
    """A boot command run to its end (check, migrate, healthcheck, manage)."""
    return subprocess.run(
        [bash(), str(BOOT), *args],
        cwd=BACKEND,
        env=image_like(env, work_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def boot_lines(process: Process) -> list[dict[str, Any]]:
    """The lines the boot itself printed (logger "boot"); every line must be JSON."""
    return [line for line in process.json_lines() if line["logger"] == "boot"]


def messages(process: Process) -> list[str]:
    return [line["message"] for line in boot_lines(process)]


def line_time(line: dict[str, Any]) -> float:
    return datetime.fromisoformat(line["timestamp"]).timestamp()


def wait_for_line(
    process: Process, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0
) -> dict[str, Any]:
    """Poll the output until a line matches; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in process.json_lines():
            if predicate(line):
                return line
        if not process.running():
            raise AssertionError(
                f"exited {process.popen.returncode} before the line came:\n"
                + "\n".join(process.output_lines())
            )
        time.sleep(0.02)
    raise TimeoutError("no such line within the timeout:\n" + "\n".join(process.output_lines()))


def wait_for_exit(process: Process, timeout: float) -> tuple[int, float]:
    """The exit code and the seconds it took from now."""
    started = time.monotonic()
    code = process.wait(timeout=timeout)
    return code, time.monotonic() - started


def bound_port(env: dict[str, str]) -> int:
    return int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
