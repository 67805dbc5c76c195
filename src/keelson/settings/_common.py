"""What every environment of a Keelson project shares: its apps and middleware, the
logging hook, request ids, static files and the Celery constants. Reads no environment."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from celery.schedules import crontab

APPS = ["corsheaders", "keelson"]
# Outermost, in this order: metrics time and count every request, probes included (off
# without METRICS_BIND); then the request id; then the security headers (the probes'
# answers get them too); then the probes, answered before host
# validation and the HTTPS redirect (kubelets call the pod IP over plain HTTP).
OUTER_MIDDLEWARE = [
    "keelson.serve.metrics.middleware.MetricsMiddleware",
    "keelson.middleware.RequestIdMiddleware",
    "keelson.security_headers.SecurityHeadersMiddleware",
    "keelson.middleware.ProbeMiddleware",
]
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
STATIC_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
COMMON_MIDDLEWARE = "django.middleware.common.CommonMiddleware"
CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
KEELSON_MIDDLEWARE = (*OUTER_MIDDLEWARE, STATIC_MIDDLEWARE, CORS_MIDDLEWARE)

# Request ids longer than this are replaced, not truncated: a cut id matches nothing.
REQUEST_ID_MAX_LENGTH = 128


def with_keelson_middleware(middleware: list[str]) -> list[str]:
    """The project's middleware with Keelson's in place: the outer four first, WhiteNoise
    right after Django's SecurityMiddleware (first when there is none), CORS before
    CommonMiddleware (last when there is none). Applying it twice changes nothing."""
    own = [name for name in middleware if name not in KEELSON_MIDDLEWARE]
    after_security = own.index(SECURITY_MIDDLEWARE) + 1 if SECURITY_MIDDLEWARE in own else 0
    own.insert(after_security, STATIC_MIDDLEWARE)
    before_common = own.index(COMMON_MIDDLEWARE) if COMMON_MIDDLEWARE in own else len(own)
    own.insert(before_common, CORS_MIDDLEWARE)
    return [*OUTER_MIDDLEWARE, *own]


def apply_common(settings: MutableMapping[str, Any], *, service: str, version: str) -> None:
    settings["SERVICE_NAME"] = service
    settings["VERSION"] = version
    apps = list(settings.get("INSTALLED_APPS", []))
    settings["INSTALLED_APPS"] = [*apps, *(app for app in APPS if app not in apps)]
    settings["MIDDLEWARE"] = with_keelson_middleware(list(settings.get("MIDDLEWARE", [])))
    settings["LOGGING_CONFIG"] = "keelson.logging.configure"
    settings["REQUEST_ID_MAX_LENGTH"] = REQUEST_ID_MAX_LENGTH
    settings.setdefault("STATIC_URL", "/static/")
    # Where the project's urls module mounts the admin (ADMIN_URL in production).
    settings.setdefault("ADMIN_URL", "admin/")
    settings["STORAGES"] = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        **settings.get("STORAGES", {}),
    }
    settings.update(CELERY_CONSTANTS)
    settings["CELERY_TIMEZONE"] = settings.get("TIME_ZONE", "UTC")
    # The schedule beat runs: in code, reviewed like code; a project adds its own entries.
    # One beat schedules at a time (a PostgreSQL advisory lock, keelson.roles.beat).
    settings["CELERY_BEAT_SCHEDULE"] = {
        "clear-expired-sessions": {
            "task": "keelson.tasks.clear_expired_sessions",
            "schedule": crontab(hour=3, minute=17),
        },
        **settings.get("CELERY_BEAT_SCHEDULE", {}),
    }


# Celery (keelson.roles.celery_app): the settings that are the same everywhere. Broker
# and knobs come from the environment contract (its "Workers" layer).
CELERY_CONSTANTS: dict[str, Any] = {
    "CELERY_WORKER_HIJACK_ROOT_LOGGER": False,
    # Each worker also consumes its own queue: `boot healthcheck worker` pings this
    # worker, not whichever one answers first.
    "CELERY_WORKER_DIRECT": True,
    "CELERY_WORKER_SEND_TASK_EVENTS": False,
    "CELERY_TASK_SEND_SENT_EVENT": False,
    "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
    # None: retry for ever. A broker restart must not stop the worker (tasks are kept).
    "CELERY_BROKER_CONNECTION_MAX_RETRIES": None,
    # A task running when the broker connection is lost cannot be acknowledged on the
    # new one: its message comes back (acks_late). Cancel it rather than run it twice.
    "CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS": True,
}
