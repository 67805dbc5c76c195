"""Django's default mail backend, written the way the installed Django reads it.

Django 6.1 configures mail with MAILERS (as CACHES and STORAGES configure theirs) and
deprecates EMAIL_BACKEND and the mail server's EMAIL_* settings, which it refuses beside
MAILERS; a project made by 6.1's startproject defines MAILERS. Django 5.2 and 6.0 read
the EMAIL_* settings only. Keelson's settings write the default mailer through
`set_default_mailer`, so the same project runs on both.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import django

__all__ = ["MAILERS_SINCE", "SERVER_SETTINGS", "reads_mailers", "set_default_mailer"]

# The first Django release that reads MAILERS.
MAILERS_SINCE = (6, 1)
# Each option of Django's SMTP and file backends, and the setting it replaces.
_SETTING_OF_OPTION = {
    "host": "EMAIL_HOST",
    "port": "EMAIL_PORT",
    "username": "EMAIL_HOST_USER",
    "password": "EMAIL_HOST_PASSWORD",
    "use_tls": "EMAIL_USE_TLS",
    "use_ssl": "EMAIL_USE_SSL",
    "timeout": "EMAIL_TIMEOUT",
    "ssl_certfile": "EMAIL_SSL_CERTFILE",
    "ssl_keyfile": "EMAIL_SSL_KEYFILE",
    "file_path": "EMAIL_FILE_PATH",
}
# The settings MAILERS replaces (DEFAULT_FROM_EMAIL and SERVER_EMAIL stay).
SERVER_SETTINGS = ("EMAIL_BACKEND", *_SETTING_OF_OPTION.values())


def reads_mailers() -> bool:
    """Whether the installed Django configures mail with MAILERS."""
    return django.VERSION[:2] >= MAILERS_SINCE


def set_default_mailer(
    settings: MutableMapping[str, Any], backend: str, options: Mapping[str, Any] | None = None
) -> None:
    """Makes `backend` Django's default mailer, built with `options` (the keyword
    arguments of Django's backends: host, port, username, password, use_tls, use_ssl,
    timeout, ...): MAILERS["default"] on Django 6.1 and later, the project's other
    mailers kept; EMAIL_BACKEND and the EMAIL_* settings before. The project's own
    EMAIL_* server settings are removed first: they would configure the mailer Keelson
    just chose, and Django 6.1 stops on them beside MAILERS."""
    for name in SERVER_SETTINGS:
        settings.pop(name, None)
    options = dict(options or {})
    if reads_mailers():
        configured = {"BACKEND": backend, "OPTIONS": options}
        settings["MAILERS"] = {**settings.get("MAILERS", {}), "default": configured}
        return
    settings["EMAIL_BACKEND"] = backend
    settings.update({_SETTING_OF_OPTION[name]: value for name, value in options.items()})
