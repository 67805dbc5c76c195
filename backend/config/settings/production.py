"""Production: PostgreSQL only, every value from the validated environment contract.

The contract (config.contract) declares each variable, its default and its rules, and
reports all problems together; nothing here reads os.environ itself.
"""

import os

from config.contract import validated
from config.logging import DJANGO_LOG_FILE, build_logging

from .base import *  # noqa: F403
from .celery import celery_settings

# Every variable of every layer, judged at once (config.contract): a bad one raises
# ConfigError with one line per problem, which the entry points turn into exit 78.
env = validated()

# ---------------------------------------------------------------- security
SECRET_KEY = env["SECRET_KEY"]
# The contract refuses DEBUG=1.
DEBUG = env["DEBUG"]
ALLOWED_HOSTS = env["ALLOWED_HOSTS"]
CSRF_TRUSTED_ORIGINS = env["CSRF_TRUSTED_ORIGINS"]
CORS_ALLOWED_ORIGINS = env["CORS_ALLOWED_ORIGINS"]

SECURE_SSL_REDIRECT = env["SECURE_SSL_REDIRECT"]
if env["SECURE_PROXY_SSL_HEADER"]:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env["SECURE_HSTS_SECONDS"]
SECURE_HSTS_INCLUDE_SUBDOMAINS = env["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
SECURE_HSTS_PRELOAD = env["SECURE_HSTS_PRELOAD"]
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
        "HOST": env["POSTGRES_HOST"],
        "PORT": env["POSTGRES_PORT"],
        "NAME": env["POSTGRES_DB"],
        "USER": env["POSTGRES_USER"],
        # None when the contract needs none (peer authentication over a unix socket).
        "PASSWORD": env["POSTGRES_PASSWORD"] or "",
        "CONN_MAX_AGE": env["CONN_MAX_AGE"],
        # A kept connection is tested before each request reuses it, so the first request
        # after a database restart does not fail on a dead socket.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "connect_timeout": env["POSTGRES_CONNECT_TIMEOUT"],
            "sslmode": env["POSTGRES_SSLMODE"],
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
STATIC_ROOT = env["STATIC_ROOT"]

# ---------------------------------------------------------------- logging
LOG_DIR = env["LOG_DIR"]
LOG_LEVEL = env["DJANGO_LOG_LEVEL"].upper()
LOGGING = build_logging(
    json_lines=True,
    level=LOG_LEVEL,
    log_file=os.path.join(LOG_DIR, DJANGO_LOG_FILE) if env["DJANGO_LOG_TO_FILES"] else None,
)

# ---------------------------------------------------------------- Celery
# The contract's "Workers" layer; the worker roles' need of a broker is judged there.
globals().update(celery_settings(env))
