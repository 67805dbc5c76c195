"""Django set up once, in a thread beside the PostgreSQL wait: loading the settings and
the application (and the deploy checks of `boot migrate`) need no database, so their
half second overlaps the wait instead of following it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from keelson.boot.exits import EXIT_CONFIG, EXIT_MIGRATE, EXIT_OK, finish
from keelson.boot.log import BootLog
from keelson.contract.env import ConfigError


class DjangoSetup:
    """Runs `setup` then each of `then` (functions returning an exit code) in a thread."""

    def __init__(self, log: BootLog, load: Callable[[], Any], *then: Callable[[], int]) -> None:
        self.log = log
        self.load = load
        self.then = then
        self.loaded: Any = None
        self.status: int | None = None
        self.thread = threading.Thread(target=self.run, name="django-setup", daemon=True)

    def start(self) -> DjangoSetup:
        self.thread.start()
        return self

    def run(self) -> None:
        try:
            self.loaded = self.load()
            from django.conf import settings

            self.log.info("settings", f"settings {settings.SETTINGS_MODULE} loaded")
            status = EXIT_OK
            for step in self.then:
                status = step()
                if status:
                    break
        except ConfigError as error:
            # A settings module of one's own may judge more than the contract does.
            self.log.problems(error.lines)
            status = EXIT_CONFIG
        except BaseException as error:  # the boot ends with it, one line, not a traceback
            status = self.log.failed("django setup", error, EXIT_MIGRATE)
        self.status = status

    def end_if_failed(self) -> None:
        """Between two PostgreSQL attempts: a setup that failed ends the boot now."""
        if self.status:
            finish(self.status)

    def result(self) -> Any:
        """Wait for the setup; end the boot if it failed; what `load` returned."""
        while self.thread.is_alive():
            # Short joins: the signal handlers run in the main thread between them.
            self.thread.join(0.05)
        self.end_if_failed()
        return self.loaded
