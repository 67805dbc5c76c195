"""Development on SQLite: needs no environment at all. Never shipped in the image."""

from config.contract import CONTRACT, WORKERS, read_one
from config.logging import build_logging

from .base import *  # noqa: F403
from .base import BASE_DIR
from .celery import celery_settings

STATE_DIR = BASE_DIR / ".state"
STATE_DIR.mkdir(exist_ok=True)

DEBUG = True
SECRET_KEY = "local-development-only-not-a-secret"  # noqa: S105
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": STATE_DIR / "local.sqlite3",
    }
}

STATIC_ROOT = STATE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = build_logging(json_lines=False, level="INFO", log_file=None)

# A local Redis unless CELERY_BROKER_URL says otherwise.
CELERY = celery_settings({var.name: read_one(var) for var in CONTRACT if var.layer is WORKERS})
CELERY["CELERY_BROKER_URL"] = CELERY["CELERY_BROKER_URL"] or "redis://127.0.0.1:6379/0"
globals().update(CELERY)
