"""Gunicorn in the boot's own process (gunicorn's documented custom application): the
application Django set up during the boot is handed over already imported, so the
master preloads it without a second start-up, and the boot's process becomes gunicorn's
master (PID 1 in the container)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    def __init__(self, settings: dict[str, Any], application: Any) -> None:
        self.settings = settings
        self.application = application
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        # Gunicorn configured its loggers (logconfig_dict) just before this call; Django's
        # configuration goes back on top of it, as when gunicorn imports the application
        # itself: the root logger and Django's loggers are Django's, gunicorn's its own.
        from django.conf import settings
        from django.utils.log import configure_logging

        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        return self.application
