"""In-process tests on SQLite with a fast password hasher. Never shipped in the image."""

from config.logging import build_logging

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = build_logging(json_lines=True, level="WARNING", log_file=None)

# In-process tests never reach a broker: tasks run where they are called.
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
