"""Development on SQLite: needs no environment at all. Never for production."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from keelson.contract.core import KEELSON, WORKERS, read_one
from keelson.logging import build_logging
from keelson.settings.celery import celery_settings
from keelson.settings.mailers import set_default_mailer


def apply_development(settings: MutableMapping[str, Any], *, state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    settings["DEBUG"] = True
    settings["SECRET_KEY"] = "local-development-only-not-a-secret"  # noqa: S105
    settings["ALLOWED_HOSTS"] = ["localhost", "127.0.0.1", "[::1]"]
    settings["DATABASES"] = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": state_dir / "local.sqlite3"}
    }
    settings["STATIC_ROOT"] = state_dir / "staticfiles"
    settings["STORAGES"] = {
        **settings.get("STORAGES", {}),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings["LOGGING"] = build_logging(json_lines=False, level="INFO", log_file=None)
    # Mail printed where the server runs; uploads in the state directory.
    set_default_mailer(settings, "django.core.mail.backends.console.EmailBackend")
    settings["MEDIA_ROOT"] = state_dir / "media"
    # A local Redis unless CELERY_BROKER_URL says otherwise.
    workers = {var.name: read_one(var) for var in KEELSON.variables if var.layer is WORKERS}
    celery = celery_settings(workers)
    celery["CELERY_BROKER_URL"] = celery["CELERY_BROKER_URL"] or "redis://127.0.0.1:6379/0"
    settings.update(celery)
