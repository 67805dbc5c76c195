"""Production: PostgreSQL only, every value from the environment, refused when unsafe.

All problems are collected and reported together (config.env); nothing here falls back
to a default for a value that must be chosen by the operator.
"""

from config.env import Env
from config.logging import build_logging, writable_log_file

from .base import *  # noqa: F403
from .base import BASE_DIR
from .celery import read_celery

env = Env()

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
SECRET_KEY_HINT = "set 50+ random characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'` (see .env.example)"  # noqa: S105 - a hint, not a key
PLACEHOLDER_MARKERS = ("django-insecure-", "change-me", "changeme")


def check_secret_key(env: Env, key: str | None) -> None:
    if key is None:
        return
    if len(key) < SECRET_KEY_MIN_LENGTH:
        env.problem("SECRET_KEY", f"is too short ({len(key)} characters)", SECRET_KEY_HINT)
    elif len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        env.problem(
            "SECRET_KEY",
            f"has fewer than {SECRET_KEY_MIN_DISTINCT} distinct characters",
            SECRET_KEY_HINT,
        )
    if key.startswith("django-insecure-"):
        env.problem(
            "SECRET_KEY",
            "starts with 'django-insecure-' (a generated development key)",
            SECRET_KEY_HINT,
        )
    elif any(marker in key.lower() for marker in PLACEHOLDER_MARKERS[1:]):
        env.problem("SECRET_KEY", "is the placeholder from .env.example", SECRET_KEY_HINT)


def host_problem(entry: str) -> str | None:
    if "://" in entry or "/" in entry:
        return "is not a host name (no scheme, no path)"
    return None


# ---------------------------------------------------------------- security
SECRET_KEY = env.secret("SECRET_KEY", required=True, hint=SECRET_KEY_HINT)
check_secret_key(env, SECRET_KEY)

DEBUG = env.bool("DEBUG", False)
if DEBUG:
    env.problem(
        "DEBUG",
        "is true, which production refuses (it shows settings and stack traces)",
        "set DEBUG=0",
    )
    DEBUG = False

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    required=True,
    hint="list the host names this service answers to, e.g. ALLOWED_HOSTS=api.example.com",
    item=host_problem,
)
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")
CORS_ALLOWED_ORIGINS = env.origins("CORS_ALLOWED_ORIGINS")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
if env.bool("SECURE_PROXY_SSL_HEADER", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

# A switch the operator turned off on purpose is not a finding of `check --deploy`.
SILENCED_SYSTEM_CHECKS = [
    check_id
    for check_id, chosen_off in (
        ("security.W008", not SECURE_SSL_REDIRECT),
        ("security.W004", SECURE_HSTS_SECONDS == 0),
        ("security.W005", not SECURE_HSTS_INCLUDE_SUBDOMAINS),
        ("security.W021", not SECURE_HSTS_PRELOAD),
    )
    if chosen_off
]

# ---------------------------------------------------------------- database
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": env.str("POSTGRES_HOST", "db"),
        "PORT": env.port("POSTGRES_PORT", 5432),
        "NAME": env.str("POSTGRES_DB", "keelson"),
        "USER": env.str("POSTGRES_USER", "keelson"),
        "PASSWORD": env.secret(
            "POSTGRES_PASSWORD",
            required=True,
            hint="the password of POSTGRES_USER (see .env.example)",
        ),
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", 60, minimum=0),
        # A kept connection is tested before each request reuses it, so the first request
        # after a database restart does not fail on a dead socket.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "connect_timeout": env.int("POSTGRES_CONNECT_TIMEOUT", 5, minimum=1, maximum=300),
            "sslmode": env.choice(
                "POSTGRES_SSLMODE",
                "prefer",
                ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
            ),
            "application_name": "keelson",
        },
    }
}

# Readiness probes (apps.core.probes) get their own connection: bounded by a statement
# timeout and a short connect timeout, never reused by a request.
PROBE_TIMEOUT_MS = 2000
DATABASES["probe"] = {
    **DATABASES["default"],
    # The probe's own query is its health check: a kept connection that died fails it at
    # once and readiness() reconnects (apps.core.probes). Django's check would add a
    # `SELECT 1` round trip to every probe, 40 % of its cost (tests/bench).
    "CONN_HEALTH_CHECKS": False,
    "OPTIONS": {
        **DATABASES["default"]["OPTIONS"],
        "connect_timeout": min(DATABASES["default"]["OPTIONS"]["connect_timeout"], 3),
        "options": f"-c statement_timeout={PROBE_TIMEOUT_MS}",
        "application_name": "keelson-probe",
    },
}

# ---------------------------------------------------------------- static files
STATIC_ROOT = env.str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))

# ---------------------------------------------------------------- logging
LOG_DIR = env.str("LOG_DIR", "/app/logs")
LOG_LEVEL = env.choice(
    "DJANGO_LOG_LEVEL", "INFO", ("debug", "info", "warning", "error", "critical")
).upper()
log_file = None
if env.bool("DJANGO_LOG_TO_FILES", False):
    log_file, trouble = writable_log_file(LOG_DIR, "django.log")
    if trouble:
        env.problem(
            "DJANGO_LOG_TO_FILES",
            f"is 1 but {trouble}",
            "create LOG_DIR writable by the service user (uid 10001 in the image), or set DJANGO_LOG_TO_FILES=0 to log to stdout",
        )
        log_file = None
LOGGING = build_logging(json_lines=True, level=LOG_LEVEL, log_file=log_file)

# ---------------------------------------------------------------- Celery
# Read by every role, so a bad value stops the web role too; the worker roles also
# require the broker (config.settings.celery.worker_role_problems).
globals().update(read_celery(env))

env.done()
