"""In-process tests on SQLite with a fast password hasher. Never for production."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from keelson.logging import build_logging
from keelson.settings.mailers import set_default_mailer


def apply_testing(settings: MutableMapping[str, Any]) -> None:
    settings["DEBUG"] = False
    settings["SECRET_KEY"] = "test-only-not-a-secret"  # noqa: S105
    settings["ALLOWED_HOSTS"] = ["testserver", "localhost", "127.0.0.1"]
    settings["DATABASES"] = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    }
    settings["PASSWORD_HASHERS"] = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings["STORAGES"] = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    set_default_mailer(settings, "django.core.mail.backends.locmem.EmailBackend")
    settings["LOGGING"] = build_logging(json_lines=True, level="WARNING", log_file=None)
    # In-process tests never reach a broker: tasks run where they are called.
    settings["CELERY_BROKER_URL"] = "memory://"
    settings["CELERY_TASK_ALWAYS_EAGER"] = True
