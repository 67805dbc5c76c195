"""gunicorn behind the front, in this one process: `python -m config.front.serve`.

What the boot does after its own steps, and all it needs from config.front:

1. gunicorn's configuration (gunicorn_config.py) and `front_config(env, ...)`: every
   variable judged, problems printed one line each, exit 78;
2. the arbiter, which preloads the application (78 on bad settings);
3. gunicorn binds the front's unix socket instead of GUNICORN_BIND, with
   `gunicorn_limits(...)`;
4. the arbiter's `when_ready` (socket bound, application loaded) starts
   `liveness.start(...)` in this process, then `start(front_config)`: nginx listens
   where GUNICORN_BIND says;
5. SIGTERM: `stop(front, graceful=True)` (in-flight requests finish), then gunicorn's
   graceful stop, exit 0. nginx dying on its own stops gunicorn too (exit 1).
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import Application, BaseApplication
from gunicorn.arbiter import Arbiter

from config.env import ConfigError, Env, exit_on_config_error

from . import liveness
from .limits import gunicorn_limits
from .nginx_conf import FrontConfig
from .process import (
    Front,
    FrontError,
    front_config,
    make_run_dir,
    remove_run_dir,
    start,
    stop,
)

GUNICORN_CONFIG = "gunicorn_config.py"
log = logging.getLogger("gunicorn.error")


class FrontedApplication(BaseApplication):
    """gunicorn with the project's configuration file, bound behind the front."""

    def __init__(self) -> None:
        self.front_config: FrontConfig | None = None
        self.front: Front | None = None
        super().__init__()

    def load_config(self) -> None:
        # Application's reader of a configuration file, without its command-line parsing.
        settings = Application.get_config_from_filename(self, GUNICORN_CONFIG)  # type: ignore[arg-type]
        for key, value in settings.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)
        env = Env()
        config = front_config(
            env,
            bind=list(self.cfg.bind),
            app_timeout=self.cfg.timeout,
            keepalive_timeout=self.cfg.keepalive,
            graceful_timeout=self.cfg.graceful_timeout,
            log_level=self.cfg.loglevel,
        )
        try:
            env.done()
        except ConfigError as error:
            exit_on_config_error(error)
        self.front_config = config
        make_run_dir(config)
        self.cfg.set("bind", [f"unix:{config.app_socket}"])
        for key, value in gunicorn_limits(config.limits).items():
            self.cfg.set(key, value)
        project_when_ready = self.cfg.when_ready

        def when_ready(server: Arbiter) -> None:
            # gunicorn listens on the front's socket and has the application loaded:
            # liveness, then the front, so the first client finds both ready.
            project_when_ready(server)
            from django.conf import settings as django_settings

            liveness.start(
                config.liveness_socket,
                server,
                django_settings.SERVICE_NAME,
                django_settings.VERSION,
            )
            try:
                self.front = start(config)
            except FrontError as error:
                log.error("the front could not start: %s", error)
                raise SystemExit(1) from None
            server.front = self.front
            log.info(
                "front (nginx, pid %s) listening on %s; gunicorn behind it on unix:%s",
                self.front.pid,
                ", ".join(config.listen),
                config.app_socket,
            )

        self.cfg.set("when_ready", when_ready)

    def load(self) -> Any:
        from config.wsgi import application

        return application


class FrontedArbiter(Arbiter):
    """gunicorn's arbiter that also owns the front: stops it first, notices its death."""

    front: Front | None = None

    def stop_front(self, *, graceful: bool) -> None:
        if self.front is not None:
            stop(self.front, graceful=graceful)

    def handle_term(self) -> None:
        log.info("SIGTERM: the front stops accepting and finishes in-flight requests")
        self.stop_front(graceful=True)
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
        if self.front is not None:
            self.front.reap()
        super().reap_workers()

    def manage_workers(self) -> None:
        if self.front is not None and not self.front.healthy():
            log.error("the front (nginx) exited: stopping gunicorn")
            self.stop(graceful=True)
            self.stop_front(graceful=False)
            raise SystemExit(1)
        super().manage_workers()


def main() -> None:
    application = FrontedApplication()
    arbiter = FrontedArbiter(application)  # preloads the application: 78 on bad settings
    assert application.front_config is not None
    try:
        arbiter.run()
    finally:
        if application.front is not None:
            stop(application.front, graceful=False)
        remove_run_dir(application.front_config)


if __name__ == "__main__":
    main()
