"""gunicorn behind the front, as gunicorn documents a custom application
(`gunicorn.app.base.BaseApplication`): a stock arbiter, configured by settings and server
hooks only.

The boot's supervisor (keelson.serve.supervisor) forks the process this runs in, after
Django was set up: the master preloads the application already imported, without a
second start-up. gunicorn listens on the front's unix socket only (bound by the
supervisor, passed as `fd://`); it tells the supervisor through two of its server hooks
when it is ready and which workers are alive (keelson.serve.front.workers).
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from keelson.serve.front.limits import FrontLimits, gunicorn_limits
from keelson.serve.front.workers import WorkerRegistry


class Server(BaseApplication):
    """gunicorn with `settings`, serving `application` (loaded by the boot) on the socket
    `app_socket_fd`; `ready_fd` gets one byte once gunicorn's `when_ready` ran."""

    def __init__(
        self,
        settings: dict[str, Any],
        application: Any,
        limits: FrontLimits,
        *,
        app_socket_fd: int,
        ready_fd: int,
        workers: WorkerRegistry,
    ) -> None:
        self.settings = settings
        self.application = application
        self.limits = limits
        self.app_socket_fd = app_socket_fd
        self.ready_fd = ready_fd
        self.workers = workers
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)
        # The front's limits are gunicorn's too; gunicorn listens only for the front.
        for name, value in gunicorn_limits(self.limits).items():
            self.cfg.set(name, value)
        self.cfg.set("bind", [f"fd://{self.app_socket_fd}"])
        # Ours run after the hooks the settings name (gunicorn checks each one's arity).
        self.then_when_ready = self.cfg.when_ready
        self.then_post_worker_init = self.cfg.post_worker_init
        self.then_child_exit = self.cfg.child_exit
        self.cfg.set("when_ready", self.when_ready)
        self.cfg.set("post_worker_init", self.post_worker_init)
        self.cfg.set("child_exit", self.child_exit)

    def when_ready(self, server: Any) -> None:
        self.then_when_ready(server)
        os.write(self.ready_fd, b"r")

    def post_worker_init(self, worker: Any) -> None:
        self.then_post_worker_init(worker)
        self.workers.add(os.getpid())

    def child_exit(self, server: Any, worker: Any) -> None:
        self.then_child_exit(server, worker)
        self.workers.remove(worker.pid)

    def load(self) -> Any:
        # Gunicorn configured its loggers (logconfig_dict) just before this call; Django's
        # configuration goes back on top of it, as when gunicorn imports the application
        # itself: the root logger and Django's loggers are Django's, gunicorn's its own.
        from django.conf import settings
        from django.utils.log import configure_logging

        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        return self.application
