"""The boot's serving process: a small supervisor of two children, a stock gunicorn and
the front (nginx). It is PID 1 in the container and the main process under systemd.

1. Bind gunicorn's unix socket, empty the worker registry, take systemd's
   NOTIFY_SOCKET out of the environment (gunicorn would send READY=1 too early).
2. Fork gunicorn (keelson.serve.server: BaseApplication, settings and hooks only). The
   child inherits the application Django set up during the boot: nothing is imported
   twice.
3. Answer `/health/` from a thread of this process (keelson.serve.front.liveness).
4. Once gunicorn's `when_ready` hook says so, start nginx; once a worker is alive too,
   READY=1 to systemd.
5. Signals, handled in this process's main loop:
   - SIGTERM: the drain (keelson.serve.drain): `/ready/` answers 503 at once, every
     request is served for DRAIN_SECONDS; then the front stops accepting and finishes
     what it holds, then gunicorn's graceful stop (its documented SIGTERM), exit 0. A
     second SIGTERM ends the drain at once.
   - SIGINT, SIGQUIT: the front stops at once, gunicorn gets the same signal (its fast
     stop).
   - SIGHUP, SIGTTIN, SIGTTOU, SIGWINCH go to gunicorn, SIGUSR1 (reopen the log files)
     to both: what gunicorn documents for each.
6. A child that exits on its own stops the other: nginx exiting is exit 1 (EXIT_FRONT);
   gunicorn exiting gives its exit code. Orphans re-parented to this process are reaped.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import queue
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn

from keelson.boot.exits import EXIT_FRONT
from keelson.serve.drain import Drain
from keelson.serve.front import liveness
from keelson.serve.front.nginx_conf import FrontConfig
from keelson.serve.front.process import (
    Front,
    FrontError,
    bind_app_socket,
    make_run_dir,
    remove_run_dir,
    start,
    stop,
)
from keelson.serve.front.workers import WorkerRegistry
from keelson.serve.server import Server

logger = logging.getLogger("keelson.serve")

# systemd's status line once the service accepts clients (`systemctl status`).
READY_STATUS = "serving: the front and gunicorn are ready"
# How often the READY=1 thread looks for the first live worker.
READY_POLL_SECONDS = 0.01
# Signals passed on as they are: to gunicorn, and to nginx too for SIGUSR1.
FORWARDED = (signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGWINCH, signal.SIGUSR1)
STOPS_NOW = (signal.SIGINT, signal.SIGQUIT)
HANDLED = (signal.SIGTERM, *STOPS_NOW, *FORWARDED, signal.SIGCHLD)
# An event of the main loop that is not a signal: gunicorn's `when_ready` ran.
GUNICORN_READY = "gunicorn-ready"


def exit_code(status: int) -> int:
    """A wait status as a shell reports it (128 + the signal for a killed process)."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


class Supervisor:
    def __init__(
        self,
        settings: dict[str, Any],
        application: Any,
        front_config: FrontConfig,
        drain: Drain,
        service: tuple[str, str],
    ) -> None:
        self.settings = settings
        self.application = application
        self.config = front_config
        self.drain = drain
        # (SERVICE_NAME, VERSION) for the liveness body.
        self.service = service
        self.workers = WorkerRegistry(front_config.run_dir / "workers")
        self.events: queue.SimpleQueue[int | str] = queue.SimpleQueue()
        self.gunicorn_pid = 0
        self.gunicorn_code: int | None = None
        self.front: Front | None = None

    # ------------------------------------------------------------------ the children
    def run(self) -> int:
        make_run_dir(self.config)
        app_socket = bind_app_socket(self.config)
        self.workers.prepare()
        # The service manager's protocol, not a setting of the contract: gunicorn (and the
        # workers it forks) never see it.
        notify_socket = os.environ.pop("NOTIFY_SOCKET", None)
        ready_read, ready_write = os.pipe()
        for signum in HANDLED:
            signal.signal(signum, self.queue_signal)
        # This process's garbage collector never walks the application loaded so far: its
        # pages stay shared with gunicorn's master and workers (Python's gc.freeze
        # documentation: right before fork()).
        gc.freeze()
        self.gunicorn_pid = os.fork()
        if self.gunicorn_pid == 0:
            os.close(ready_read)
            self.run_gunicorn(app_socket, ready_write)
        os.close(ready_write)
        app_socket.close()
        threading.Thread(
            target=self.await_gunicorn, args=(ready_read,), name="gunicorn-ready", daemon=True
        ).start()
        liveness.start(self.config.liveness_socket, self.judge_liveness)
        try:
            return self.supervise(notify_socket)
        finally:
            if self.front is not None:
                stop(self.front, graceful=False)
            # Only when this loop failed: gunicorn must not outlive its supervisor.
            self.signal_gunicorn(signal.SIGQUIT)
            remove_run_dir(self.config)

    def run_gunicorn(self, app_socket: socket.socket, ready_fd: int) -> NoReturn:
        """In the forked child: gunicorn's arbiter, then exit with its code."""
        for signum in HANDLED:
            signal.signal(signum, signal.SIG_DFL)
        code = 1
        try:
            Server(
                self.settings,
                self.application,
                self.config.limits,
                app_socket_fd=app_socket.fileno(),
                ready_fd=ready_fd,
                workers=self.workers,
            ).run()
            code = 0
        except SystemExit as stopped:
            code = stopped.code if isinstance(stopped.code, int) else int(stopped.code is not None)
        except BaseException:
            logger.exception("gunicorn stopped on an error")
        finally:
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def await_gunicorn(self, ready_fd: int) -> None:
        with os.fdopen(ready_fd, "rb", buffering=0) as ready:
            if ready.read(1):
                self.events.put(GUNICORN_READY)

    def queue_signal(self, signum: int, frame: FrameType | None) -> None:
        # SimpleQueue.put may be called from a signal handler (it is reentrant).
        self.events.put(signum)

    def judge_liveness(self) -> tuple[int, dict[str, Any]]:
        return liveness.liveness(self.workers, self.gunicorn_running, *self.service)

    def gunicorn_running(self) -> bool:
        return self.gunicorn_code is None and threading.main_thread().is_alive()

    # ------------------------------------------------------------------ the main loop
    def supervise(self, notify_socket: str | None) -> int:
        stopping = False
        while self.gunicorn_code is None:
            timeout = None
            if self.drain.ends_at is not None and not stopping:
                timeout = max(0.0, self.drain.ends_at - time.monotonic())
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                event = signal.SIGTERM  # the drain is over: as a second SIGTERM
            if event == GUNICORN_READY:
                if not stopping and not self.start_front(notify_socket):
                    stopping = True
                    self.signal_gunicorn(signal.SIGQUIT)
                    return self.gunicorn_exit(EXIT_FRONT)
            elif event == signal.SIGCHLD:
                self.reap()
                if self.front is not None and not self.front.healthy() and not stopping:
                    logger.error("the front (nginx) exited: stopping gunicorn")
                    stopping = True
                    self.signal_gunicorn(signal.SIGTERM)
                    return self.gunicorn_exit(EXIT_FRONT)
            elif event == signal.SIGTERM and not stopping:
                if self.drain.sigterm():
                    stopping = True
                    self.stop_front(graceful=True)
                    self.signal_gunicorn(signal.SIGTERM)
            elif event in STOPS_NOW:
                stopping = True
                self.stop_front(graceful=False)
                self.signal_gunicorn(event)
            elif event in FORWARDED:
                self.signal_gunicorn(event)
                if event == signal.SIGUSR1 and self.front is not None:
                    self.signal_front(event)
        if not stopping:
            logger.error("gunicorn exited (%s): stopping the front", self.gunicorn_code)
        self.stop_front(graceful=False)
        return self.gunicorn_code

    def gunicorn_exit(self, code: int) -> int:
        """Wait for gunicorn to exit (it was told to), then `code`."""
        self.stop_front(graceful=False)
        while self.gunicorn_code is None:
            event = self.events.get()
            if event == signal.SIGCHLD:
                self.reap()
            elif event in STOPS_NOW:
                self.signal_gunicorn(event)
        return code

    def reap(self) -> None:
        """Collect every child that exited: gunicorn, nginx, orphans given to PID 1."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.gunicorn_pid:
                self.gunicorn_code = exit_code(status)
            elif self.front is not None and pid == self.front.pid:
                self.front.exit_status = status

    # ------------------------------------------------------------------ the front
    def start_front(self, notify_socket: str | None) -> bool:
        try:
            self.front = start(self.config)
        except FrontError as error:
            logger.error("the front (nginx) could not start: %s", error)
            return False
        logger.info(
            "front (nginx, pid %s) listening on %s; gunicorn behind it on unix:%s",
            self.front.pid,
            ", ".join(self.config.listen),
            self.config.app_socket,
        )
        if notify_socket is not None:
            threading.Thread(
                target=self.notify_ready, args=(notify_socket,), name="notify-ready", daemon=True
            ).start()
        return True

    def stop_front(self, *, graceful: bool) -> None:
        if self.front is not None and self.front.healthy():
            if graceful:
                logger.info("SIGTERM: the front stops accepting and finishes in-flight requests")
            stop(self.front, graceful=graceful)

    def signal_front(self, signum: int) -> None:
        if self.front is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.front.pid, signum)

    def signal_gunicorn(self, signum: int) -> None:
        if self.gunicorn_code is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.gunicorn_pid, signum)

    def notify_ready(self, notify_socket: str) -> None:
        """READY=1 once liveness would answer 200; never while no worker is alive (then
        systemd's start timeout says the service did not come up)."""
        while self.judge_liveness()[0] != 200:
            if not self.gunicorn_running():
                return
            time.sleep(READY_POLL_SECONDS)
        try:
            send_notification(notify_socket, f"READY=1\nSTATUS={READY_STATUS}")
        except OSError as error:
            # As gunicorn's own sd_notify: systemd then times the start out and says so.
            logger.warning("could not tell systemd the service is ready: %s", error)


def send_notification(address: str, message: str) -> None:
    """One sd_notify(3) datagram to systemd's socket (a leading `@`: abstract namespace)."""
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(message.encode())


def serve(
    settings: dict[str, Any],
    application: Any,
    front_config: FrontConfig,
    drain_seconds: int,
    on_drain: Callable[[], None] | None,
) -> int:
    """Serve until stopped; the exit code."""
    from django.conf import settings as django_settings

    service = (django_settings.SERVICE_NAME, django_settings.VERSION)
    drain = Drain(drain_seconds, on_drain, logger)
    return Supervisor(settings, application, front_config, drain, service).run()
