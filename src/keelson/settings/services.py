"""The production services from the validated contract: mail (EMAIL_URL), media (Django's
`default` storage), the cache, error reporting and the Content-Security-Policy that
lets the media's origin in. Each function returns Django settings; nothing here reads
os.environ."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from keelson.contract.content_security_policy import header_value
from keelson.contract.email_url import parse_email_url
from keelson.error_reporting import secret_values
from keelson.security_headers import PERMISSIONS_POLICY

# Seconds an SMTP exchange or a cache call may take before it fails: a slow server must
# not hold a worker for gunicorn's whole timeout.
EMAIL_TIMEOUT = 10
CACHE_SOCKET_TIMEOUT = 2
# Unsigned URLs need a public bucket or a CDN (MEDIA_S3_CUSTOM_DOMAIN); signed ones last
# this long.
SIGNED_URL_SECONDS = 3600
MAIL_OFF_BACKEND = "keelson.mail.MailOffBackend"


def sender_settings(env: Mapping[str, Any]) -> dict[str, Any]:
    """DEFAULT_FROM_EMAIL and SERVER_EMAIL (the address of the mail to the admins)."""
    sender = env["DEFAULT_FROM_EMAIL"] or "webmaster@localhost"
    return {"DEFAULT_FROM_EMAIL": sender, "SERVER_EMAIL": env["SERVER_EMAIL"] or sender}


def default_mailer(env: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The default mailer's backend and options for EMAIL_URL (keelson.settings.mailers
    writes them as the installed Django reads them)."""
    if env["EMAIL_URL"] is None:
        return MAIL_OFF_BACKEND, {}
    server = parse_email_url(env["EMAIL_URL"])
    return "keelson.mail.SmtpEmailBackend", {
        "host": server.host,
        "port": server.port,
        "username": server.user,
        "password": server.password,
        "use_tls": not server.implicit_tls,
        "use_ssl": server.implicit_tls,
        "timeout": EMAIL_TIMEOUT,
    }


def media_storage(env: Mapping[str, Any]) -> dict[str, Any]:
    """STORAGES["default"] for MEDIA_STORAGE."""
    if env["MEDIA_STORAGE"] == "filesystem":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": env["MEDIA_ROOT"], "base_url": env["MEDIA_URL"]},
        }
    if env["MEDIA_STORAGE"] != "s3":
        return {"BACKEND": "keelson.media.MediaOffStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["MEDIA_S3_BUCKET"],
            "region_name": env["MEDIA_S3_REGION"],
            "endpoint_url": env["MEDIA_S3_ENDPOINT_URL"],
            "addressing_style": None
            if env["MEDIA_S3_ADDRESSING_STYLE"] == "auto"
            else env["MEDIA_S3_ADDRESSING_STYLE"],
            "custom_domain": env["MEDIA_S3_CUSTOM_DOMAIN"],
            # None: boto3's credential chain (environment, instance role, web identity).
            "access_key": env["MEDIA_S3_ACCESS_KEY_ID"],
            "secret_key": env["MEDIA_S3_SECRET_ACCESS_KEY"],
            # Buckets with ACLs disabled (the default of new AWS buckets) refuse any ACL.
            "default_acl": None,
            # Django's own meaning: a new name for a file that exists, never overwrite.
            "file_overwrite": False,
            "querystring_expire": SIGNED_URL_SECONDS,
        },
    }


def media_sources(env: Mapping[str, Any]) -> tuple[str, ...]:
    """The origins media URLs point at, for the policy's img-src and media-src."""
    if env["MEDIA_STORAGE"] != "s3":
        return ()
    if env["MEDIA_S3_CUSTOM_DOMAIN"]:
        return (f"https://{env['MEDIA_S3_CUSTOM_DOMAIN'].strip('/')}",)
    bucket = env["MEDIA_S3_BUCKET"]
    if env["MEDIA_S3_ENDPOINT_URL"]:
        endpoint = urlsplit(env["MEDIA_S3_ENDPOINT_URL"])
        origin = f"{endpoint.scheme}://{endpoint.netloc}"
        virtual = f"{endpoint.scheme}://{bucket}.{endpoint.netloc}"
        return (origin,) if env["MEDIA_S3_ADDRESSING_STYLE"] == "path" else (origin, virtual)
    return (f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.*.amazonaws.com")


def header_settings(env: Mapping[str, Any]) -> dict[str, Any]:
    extra = {name: tuple(sources) for name, sources in env["CONTENT_SECURITY_POLICY_EXTRA"].items()}
    for directive in ("img-src", "media-src"):
        extra[directive] = (*media_sources(env), *extra.get(directive, ()))
    return {
        "KEELSON_CONTENT_SECURITY_POLICY": header_value(extra),
        "KEELSON_PERMISSIONS_POLICY": PERMISSIONS_POLICY,
        # What current guidance (OWASP's secure headers) recommends: full URLs stay on the
        # site, other sites see the origin only, never over a downgrade to http.
        "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
        "ADMIN_URL": env["ADMIN_URL"],
    }


def cache_settings(env: Mapping[str, Any], *, key_prefix: str) -> dict[str, Any]:
    if env["CACHE_URL"] is None:
        # Per process: each gunicorn worker has its own, emptied when it is recycled.
        return {"CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}
    return {
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": env["CACHE_URL"],
                "KEY_PREFIX": key_prefix,
                "OPTIONS": {
                    "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                    "socket_timeout": CACHE_SOCKET_TIMEOUT,
                },
            }
        }
    }


def error_reporting_settings(env: Any, *, release: str) -> dict[str, Any]:
    """KEELSON_ERROR_REPORTING for keelson.error_reporting.start (None: off). `env`: the
    validated Values, whose contract names the secrets to scrub."""
    if env["SENTRY_DSN"] is None:
        return {"KEELSON_ERROR_REPORTING": None}
    # The DSN's key is no secret to its collector: the SDK sends it with every event (the
    # auth header, the trace context), which masking it there would break.
    secrets = [
        var.name for var in env.contract.variables if var.secret and var.name != "SENTRY_DSN"
    ]
    return {
        "KEELSON_ERROR_REPORTING": {
            "dsn": env["SENTRY_DSN"],
            "environment": env["SENTRY_ENVIRONMENT"],
            "traces_sample_rate": env["SENTRY_TRACES_SAMPLE_RATE"],
            "release": release,
            "scrub": [env["SENTRY_DSN"], *secret_values(env, secrets)],
        }
    }
