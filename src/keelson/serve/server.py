"""Gunicorn in the boot's own process (gunicorn's documented custom application), behind
the front (keelson.serve.front: nginx, started and stopped by this process, no supervisor).

The application Django set up during the boot is handed over already imported, so the
master preloads it without a second start-up, and the boot's process becomes gunicorn's
master (PID 1 in the container). Clients connect to nginx where GUNICORN_BIND says;
gunicorn binds a unix socket only nginx reaches; `/health/` is answered by a thread of
this master (keelson.serve.front.liveness), which no client can queue behind.

Signals (the arbiter's): SIGTERM stops the front gracefully (it stops accepting, every
request it holds completes through the workers), then gunicorn stops gracefully, exit 0.
SIGINT and SIGQUIT stop both at once. nginx exiting on its own stops gunicorn, exit 1.

Under systemd (Type=notify), READY=1 goes out once the front listens and a worker is
alive (`/health/` answers 200): gunicorn's arbiter would send it as soon as its own socket
is bound, before any client can connect and before any worker is forked.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from keelson.boot.exits import EXIT_FRONT
from keelson.serve.front import liveness
from keelson.serve.front.limits import gunicorn_limits
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

# systemd's status line once the service accepts clients (`systemctl status`).
READY_STATUS = "serving: the front and gunicorn are ready"
# How often the master looks for its first live worker before READY=1.
READY_POLL_SECONDS = 0.01


class Server(BaseApplication):
    def __init__(
        self, settings: dict[str, Any], application: Any, front_config: FrontConfig
    ) -> None:
        self.settings = settings
        self.application = application
        self.front_config = front_config
        self.front: Front | None = None
        # systemd's notification socket, kept from gunicorn's arbiter until the front
        # listens (see the module's docstring).
        self.notify_socket: str | None = None
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)
        # gunicorn listens only for the front (on the socket run() binds); the front's
        # limits are gunicorn's too.
        for name, value in gunicorn_limits(self.front_config.limits).items():
            self.cfg.set(name, value)
        project_when_ready = self.cfg.when_ready

        def when_ready(arbiter: Arbiter) -> None:
            # The socket is bound and the application loaded: liveness, then the front,
            # so the first client finds both.
            project_when_ready(arbiter)
            self.start_front(arbiter)

        self.cfg.set("when_ready", when_ready)

    def start_front(self, arbiter: Arbiter) -> None:
        from django.conf import settings

        config = self.front_config
        liveness.start(config.liveness_socket, arbiter, settings.SERVICE_NAME, settings.VERSION)
        try:
            self.front = start(config)
        except FrontError as error:
            arbiter.log.error("the front (nginx) could not start: %s", error)
            raise SystemExit(EXIT_FRONT) from None
        arbiter.log.info(
            "front (nginx, pid %s) listening on %s; gunicorn behind it on unix:%s",
            self.front.pid,
            ", ".join(config.listen),
            config.app_socket,
        )
        if self.notify_socket is not None:
            # when_ready runs before the arbiter forks its workers: a thread waits for the
            # first one, so the arbiter's loop is never held up.
            threading.Thread(
                target=self.notify_ready, args=(arbiter,), name="notify-ready", daemon=True
            ).start()

    def notify_ready(self, arbiter: Arbiter) -> None:
        """READY=1 once liveness would answer 200; never while no worker is alive (then
        systemd's start timeout says the service did not come up)."""
        from django.conf import settings

        while liveness.liveness(arbiter, settings.SERVICE_NAME, settings.VERSION)[0] != 200:
            if not threading.main_thread().is_alive():
                return
            time.sleep(READY_POLL_SECONDS)
        try:
            send_notification(self.notify_socket, f"READY=1\nSTATUS={READY_STATUS}")
        except OSError as error:
            # As gunicorn's own sd_notify: systemd then times the start out and says so.
            arbiter.log.warning("could not tell systemd the service is ready: %s", error)

    def load(self) -> Any:
        # Gunicorn configured its loggers (logconfig_dict) just before this call; Django's
        # configuration goes back on top of it, as when gunicorn imports the application
        # itself: the root logger and Django's loggers are Django's, gunicorn's its own.
        from django.conf import settings
        from django.utils.log import configure_logging

        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        return self.application

    def run(self) -> None:
        # The run directory holds gunicorn's socket: it exists before gunicorn binds it.
        make_run_dir(self.front_config)
        # gunicorn takes the descriptor over (and closes it when it stops listening).
        app_socket = bind_app_socket(self.front_config).detach()
        self.cfg.set("bind", [f"fd://{app_socket}"])
        # The service manager's protocol, not a setting of the contract: taken from the
        # environment so that gunicorn (and the workers it forks) never see it.
        self.notify_socket = os.environ.pop("NOTIFY_SOCKET", None)
        try:
            FrontedArbiter(self).run()
        finally:
            if self.front is not None:
                stop(self.front, graceful=False)
            remove_run_dir(self.front_config)


def send_notification(address: str, message: str) -> None:
    """One sd_notify(3) datagram to systemd's socket (a leading `@`: abstract namespace)."""
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(message.encode())


class FrontedArbiter(Arbiter):
    """gunicorn's arbiter that also owns the front: stops it first, notices its death."""

    app: Server

    def stop_front(self, *, graceful: bool) -> None:
        if self.app.front is not None:
            stop(self.app.front, graceful=graceful)

    def handle_term(self) -> None:
        self.log.info("SIGTERM: the front stops accepting and finishes in-flight requests")
        self.stop_front(graceful=True)
        # gunicorn's own SIGTERM: graceful stop of the workers, exit 0.
        raise StopIteration

    def handle_int(self) -> None:
        self.stop_front(graceful=False)
        super().handle_int()

    def handle_quit(self) -> None:
        self.stop_front(graceful=False)
        super().handle_quit()

    def reap_workers(self) -> None:
        # nginx is a child of this process too: collect its exit before gunicorn's reaper
        # does, which would log it as a worker "sent SIGKILL! Perhaps out of memory?".
        if self.app.front is not None:
            self.app.front.reap()
        super().reap_workers()

    def manage_workers(self) -> None:
        if self.app.front is not None and not self.app.front.healthy():
            self.log.error("the front (nginx) exited: stopping gunicorn")
            self.stop(graceful=True)
            self.stop_front(graceful=False)
            raise SystemExit(EXIT_FRONT)
        super().manage_workers()
