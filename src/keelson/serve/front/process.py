"""The front's process: nginx started, watched and stopped by the boot's supervisor.

    config = front_config(values)               # from the validated contract
    front = start(config)                       # nginx listening, or FrontError
    front.healthy()                             # nginx still running
    stop(front, graceful=True)                  # in-flight requests finish, then exit

nginx's access lines are JSON already (log_format escape=json); nginx writes them into a
FIFO in its run directory and a thread of this process copies them to stdout (nginx
cannot open /dev/stdout itself when it runs as another user than the one owning the
container's output pipe, uid 10001 in the image). Its error log is plain text on its
stderr, a pipe that another thread turns into JSON lines with the project's keys
(`logger` "front.error") on stderr, as gunicorn's own messages go.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from keelson.contract.bind_address import parse_bind

from .limits import read_limits
from .nginx_conf import FrontConfig, render

NGINX = "nginx"
# nginx's error-log levels as the project's.
LEVELS = {
    "debug": "DEBUG",
    "info": "INFO",
    "notice": "INFO",
    "warn": "WARNING",
    "error": "ERROR",
    "crit": "CRITICAL",
    "alert": "CRITICAL",
    "emerg": "CRITICAL",
}
# 2026/11/24 00:40:00 [error] 12#12: *5 message
ERROR_LINE = re.compile(r"^\S+ \S+ \[(?P<level>\w+)\] (?:\d+#\d+: )?(?:\*\d+ )?(?P<message>.*)$")
GUNICORN_LEVELS = {"debug": "info", "info": "warn", "warning": "warn", "error": "error"}
STARTUP_TIMEOUT = 10.0


class FrontError(Exception):
    """nginx could not start (its own lines say why, already logged)."""


def front_config(values: Mapping[str, Any], *, run_dir: Path | None = None) -> FrontConfig:
    """The front's configuration from the contract's validated values.

    The front listens where GUNICORN_BIND says; gunicorn itself then binds the front's
    unix socket (`FrontConfig.app_socket`).
    """
    if run_dir is None:
        run_dir = Path(tempfile.gettempdir()) / f"keelson-front-{os.getpid()}"
    user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
    return FrontConfig(
        listen=tuple(values["GUNICORN_BIND"]),
        run_dir=run_dir,
        limits=read_limits(values),
        app_timeout=values["GUNICORN_TIMEOUT"],
        keepalive_timeout=max(values["GUNICORN_KEEPALIVE"], 1),
        graceful_timeout=values["GUNICORN_GRACEFUL_TIMEOUT"],
        error_log_level=GUNICORN_LEVELS.get(values["GUNICORN_LOG_LEVEL"], "warn"),
        # nginx started as root would run its workers as `nobody`; the image never runs
        # as root, a development machine may: the workers stay the caller's user.
        user=user,
    )


def error_line_json(text: str) -> str:
    """One line of nginx's error log in the project's JSON shape."""
    match = ERROR_LINE.match(text)
    level, message = (
        ("ERROR", text)
        if match is None
        else (
            LEVELS.get(match["level"], "ERROR"),
            match["message"],
        )
    )
    return json.dumps(
        {
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": level,
            "logger": "front.error",
            "message": message,
            "request_id": None,
        }
    )


def relay_access_log(fifo: int, out: IO[bytes]) -> None:
    """Copy the access lines (JSON already) from the FIFO, a line at a time."""
    with os.fdopen(fifo, "rb", buffering=0) as lines:
        for line in iter(lines.readline, b""):
            with contextlib.suppress(Exception):
                out.write(line)
                out.flush()


def open_access_fifo(config: FrontConfig) -> tuple[int, int]:
    """The FIFO nginx writes its access lines into: its read end, opened before nginx
    opens it for writing (which would otherwise wait for a reader), and a write end this
    process holds until the front stops, so the reader never sees an end of file while
    nginx starts or reopens its logs."""
    with contextlib.suppress(FileNotFoundError):
        config.access_fifo.unlink()
    os.mkfifo(config.access_fifo, 0o600)
    read_end = os.open(config.access_fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    os.set_blocking(read_end, True)
    write_end = os.open(config.access_fifo, os.O_WRONLY | os.O_CLOEXEC)
    return read_end, write_end


def relay_error_log(pipe: IO[bytes], out: IO[str]) -> None:
    for raw in pipe:
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if text:
            with contextlib.suppress(Exception):
                out.write(error_line_json(text) + "\n")
                out.flush()


class Front:
    def __init__(
        self,
        config: FrontConfig,
        popen: subprocess.Popen,
        relays: list[threading.Thread],
        held_fds: list[int],
    ) -> None:
        self.config = config
        self.popen = popen
        self.relays = relays
        self.held_fds = held_fds
        self.exit_status: int | None = None

    def reap(self) -> None:
        """Collect nginx's exit status if it has ended (non-blocking)."""
        if self.exit_status is not None:
            return
        try:
            pid, status = os.waitpid(self.popen.pid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            self.exit_status = status

    @property
    def pid(self) -> int:
        return self.popen.pid

    def healthy(self) -> bool:
        """nginx's master still runs (whoever reaped it: the boot's supervisor reaps every
        child of its process)."""
        if self.exit_status is not None or self.popen.poll() is not None:
            return False
        try:
            os.kill(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.healthy():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


def make_run_dir(config: FrontConfig) -> None:
    """The directory of the front's sockets, configuration and buffers: it must exist
    before gunicorn binds its socket there."""
    config.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)


def bind_app_socket(config: FrontConfig) -> socket.socket:
    """gunicorn's unix socket, bound here and handed to gunicorn as `fd://`: gunicorn
    binding it itself would chown it to its own user, a call a systemd unit's
    `SystemCallFilter=~@privileged` refuses (EPERM), even as a no-op."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(config.app_socket))
    except OSError:
        listener.close()
        raise
    return listener


def listening(config: FrontConfig) -> bool:
    """Whether nginx takes connections on every address it was given."""
    for address in map(parse_bind, config.listen):
        if address.path is not None:
            if not Path(address.path).exists():
                return False
            continue
        with socket.socket(socket.AF_INET6 if address.is_ipv6 else socket.AF_INET) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((address.probe_host, address.port)) != 0:
                return False
    return True


def raise_open_file_limit(config: FrontConfig) -> None:
    """Each connection the front holds is a file descriptor (two when proxied): raise the
    soft limit toward what FRONT_MAX_CONNECTIONS needs, as far as the hard limit allows.
    nginx inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * config.limits.max_connections + 64
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def start(
    config: FrontConfig, *, stdout: IO[bytes] | None = None, stderr: IO[str] | None = None
) -> Front:
    """Start nginx; return once it listens on every address. FrontError if it cannot
    (its error lines, already printed, say why: a port in use, a bad address)."""
    executable = shutil.which(NGINX)
    if executable is None:
        raise FrontError("nginx is not on PATH")
    make_run_dir(config)
    with contextlib.suppress(FileNotFoundError):
        config.pid_path.unlink()
    config.conf_path.write_text(render(config), encoding="utf-8")
    raise_open_file_limit(config)
    access_fifo, access_fifo_held = open_access_fifo(config)
    popen = subprocess.Popen(
        [executable, "-p", str(config.run_dir), "-c", str(config.conf_path), "-e", "stderr"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # nginx keeps only TZ from the environment: UTC makes its access timestamps UTC.
        env={"TZ": "UTC"},
        # Its own process group: signals go to it from this process only, and workers
        # left behind by a master that died can be found and stopped.
        start_new_session=True,
    )
    relays = [
        threading.Thread(
            target=relay_error_log,
            args=(popen.stderr, stderr or sys.stderr),
            daemon=True,
            name="front-error-log",
        ),
        threading.Thread(
            target=relay_access_log,
            args=(access_fifo, stdout or sys.stdout.buffer),
            daemon=True,
            name="front-access-log",
        ),
    ]
    for relay in relays:
        relay.start()
    front = Front(config, popen, relays, [access_fifo_held])
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not listening(config):
        if not front.healthy():
            raise FrontError(f"nginx exited with {popen.returncode} at start")
        if time.monotonic() > deadline:
            stop(front, graceful=False)
            raise FrontError(f"nginx did not listen within {STARTUP_TIMEOUT:g} s")
        time.sleep(0.02)
    return front


def stop(front: Front, *, graceful: bool, timeout: float | None = None) -> None:
    """graceful: stop accepting, let in-flight requests finish (SIGQUIT; nginx closes
    connections still open after worker_shutdown_timeout). Otherwise SIGTERM. SIGKILL
    when it has not exited by `timeout`."""
    if timeout is None:
        timeout = front.config.graceful_timeout + 5.0
    if front.healthy():
        with contextlib.suppress(ProcessLookupError):
            front.popen.send_signal(signal.SIGQUIT if graceful else signal.SIGTERM)
        if not front.wait_gone(timeout):
            with contextlib.suppress(ProcessLookupError):
                front.popen.kill()
            front.wait_gone(5.0)
    # Workers of a master that died (SIGKILL, out of memory) would keep the port.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(front.popen.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired, ChildProcessError):
        front.popen.wait(timeout=1)
    for fd in front.held_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    front.held_fds.clear()
    for relay in front.relays:
        relay.join(timeout=2)


def remove_run_dir(config: FrontConfig) -> None:
    """After gunicorn stopped too: its socket lives in the same directory."""
    shutil.rmtree(config.run_dir, ignore_errors=True)
