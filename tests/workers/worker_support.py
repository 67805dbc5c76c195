"""Helpers of the worker-role tests: start a role through the boot (`bash nix/boot.sh
worker`, as the image runs it), read its JSON lines, poll."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import boot_support
from boot_support import boot_process, run_boot
from processes import Process

# Where the image-like shell's small files go for one-shot commands.
SHELL_DIR = Path(tempfile.gettempdir()) / "keelson-worker-tests-shell"


def role(args: list[str], env: dict[str, str], log_dir: Path, name: str) -> Process:
    return boot_process(env, log_dir, *args, name=name)


def run_role(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess:
    """A boot command run to its end (a health check, a refused start)."""
    return run_boot(env, SHELL_DIR, *args, timeout=timeout)


# The boot's own helper; roles take longer to start (broker, schema), hence 60 s.
wait_for_line = partial(boot_support.wait_for_line, timeout=60)


def message_is(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda line: line.get("message") == text


def message_has(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda line: text in str(line.get("message"))


def worker_ready(process: Process, timeout: float = 60) -> None:
    wait_for_line(
        process, lambda line: str(line.get("message", "")).endswith(" ready."), timeout=timeout
    )


def poll(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout}s")


def send_task(broker_url: str, name: str, *args: Any, **options: Any) -> str:
    """Send a task by name, as another process (a web replica, a script) would; its id."""
    from celery import Celery

    client = Celery("keelson-tests", broker=broker_url)
    try:
        return client.send_task(name, args=list(args), **options).id
    finally:
        client.close()
