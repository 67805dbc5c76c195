"""Production: PostgreSQL only, every value from the validated environment contract
(Keelson's variables and the project's own); nothing here reads os.environ itself."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

from keelson.contract.core import Values, validated
from keelson.logging import DJANGO_LOG_FILE, build_logging
from keelson.settings.celery import celery_settings
from keelson.settings.mailers import set_default_mailer
from keelson.settings.services import (
    cache_settings,
    default_mailer,
    error_reporting_settings,
    header_settings,
    media_storage,
    sender_settings,
)

# Readiness probes (keelson.probes) get their own connection: bounded by a statement
# timeout and a short connect timeout, never reused by a request.
PROBE_TIMEOUT_MS = 2000


def apply_production(settings: MutableMapping[str, Any]) -> Values:
    # Every variable of every layer, judged at once: a bad one raises ConfigError with
    # one line per problem, which the entry points turn into exit 78.
    env = validated()

    # ------------------------------------------------------------ security
    settings["SECRET_KEY"] = env["SECRET_KEY"]
    # The contract refuses DEBUG=1.
    settings["DEBUG"] = env["DEBUG"]
    settings["ALLOWED_HOSTS"] = env["ALLOWED_HOSTS"]
    settings["CSRF_TRUSTED_ORIGINS"] = env["CSRF_TRUSTED_ORIGINS"]
    settings["CORS_ALLOWED_ORIGINS"] = env["CORS_ALLOWED_ORIGINS"]

    settings["SECURE_SSL_REDIRECT"] = env["SECURE_SSL_REDIRECT"]
    if env["SECURE_PROXY_SSL_HEADER"]:
        settings["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
    settings["SECURE_HSTS_SECONDS"] = env["SECURE_HSTS_SECONDS"]
    settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] = env["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    settings["SECURE_HSTS_PRELOAD"] = env["SECURE_HSTS_PRELOAD"]
    settings["SECURE_CONTENT_TYPE_NOSNIFF"] = True
    # Content-Security-Policy, Permissions-Policy, Referrer-Policy and the admin's path.
    settings.update(header_settings(env))
    settings["X_FRAME_OPTIONS"] = "DENY"
    settings["SESSION_COOKIE_SECURE"] = True
    settings["SESSION_COOKIE_HTTPONLY"] = True
    settings["CSRF_COOKIE_SECURE"] = True
    settings["CSRF_COOKIE_HTTPONLY"] = True

    # A switch the operator turned off on purpose is not a finding of `check --deploy`.
    settings["SILENCED_SYSTEM_CHECKS"] = [
        *settings.get("SILENCED_SYSTEM_CHECKS", []),
        *(
            check_id
            for check_id, chosen_off in (
                ("security.W008", not env["SECURE_SSL_REDIRECT"]),
                ("security.W004", env["SECURE_HSTS_SECONDS"] == 0),
                ("security.W005", not env["SECURE_HSTS_INCLUDE_SUBDOMAINS"]),
                ("security.W021", not env["SECURE_HSTS_PRELOAD"]),
            )
            if chosen_off
        ),
    ]

    # ------------------------------------------------------------ database
    default = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": env["POSTGRES_HOST"],
        "PORT": env["POSTGRES_PORT"],
        "NAME": env["POSTGRES_DB"],
        "USER": env["POSTGRES_USER"],
        # None when the contract needs none (peer authentication over a unix socket).
        "PASSWORD": env["POSTGRES_PASSWORD"] or "",
        "CONN_MAX_AGE": env["CONN_MAX_AGE"],
        # A kept connection is tested before each request reuses it, so the first
        # request after a database restart does not fail on a dead socket.
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "connect_timeout": env["POSTGRES_CONNECT_TIMEOUT"],
            "sslmode": env["POSTGRES_SSLMODE"],
            "application_name": settings["SERVICE_NAME"],
        },
    }
    settings["DATABASES"] = {
        "default": default,
        "probe": {
            **default,
            # The probe's own query is its health check: a kept connection that died
            # fails it at once and readiness() reconnects (keelson.probes). Django's
            # check would add a `SELECT 1` round trip to every probe, 40 % of its cost.
            "CONN_HEALTH_CHECKS": False,
            "OPTIONS": {
                **default["OPTIONS"],
                "connect_timeout": min(default["OPTIONS"]["connect_timeout"], 3),
                "options": f"-c statement_timeout={PROBE_TIMEOUT_MS}",
                "application_name": f"{settings['SERVICE_NAME']}-probe",
            },
        },
    }

    # ------------------------------------------------------------ static files
    settings["STATIC_ROOT"] = env["STATIC_ROOT"]

    # ------------------------------------------------------------ services
    settings.update(sender_settings(env))
    set_default_mailer(settings, *default_mailer(env))
    settings["STORAGES"] = {**settings["STORAGES"], "default": media_storage(env)}
    settings["MEDIA_URL"] = env["MEDIA_URL"]
    if env["MEDIA_ROOT"]:
        settings["MEDIA_ROOT"] = env["MEDIA_ROOT"]
    settings.update(cache_settings(env, key_prefix=settings["SERVICE_NAME"]))
    settings.update(error_reporting_settings(env, release=settings["VERSION"]))

    # ------------------------------------------------------------ logging
    settings["LOG_DIR"] = env["LOG_DIR"]
    settings["LOG_LEVEL"] = env["DJANGO_LOG_LEVEL"].upper()
    settings["LOGGING"] = build_logging(
        json_lines=True,
        level=settings["LOG_LEVEL"],
        log_file=(
            os.path.join(env["LOG_DIR"], DJANGO_LOG_FILE) if env["DJANGO_LOG_TO_FILES"] else None
        ),
    )

    # ------------------------------------------------------------ Celery
    # The contract's "Workers" layer; the worker roles' need of a broker is judged there.
    settings.update(celery_settings(env))
    return env
