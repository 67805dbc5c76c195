"""Error reporting with Sentry's SDK, started once per process from the settings.

The production settings write `KEELSON_ERROR_REPORTING` (None without SENTRY_DSN);
Keelson's app starts the SDK when Django is set up (`keelson.apps`): in gunicorn's
master before it forks its workers (the SDK's sending thread is started again in each
worker: it notices the new process id), in `boot worker` before Celery forks its pool,
and in every other command. What leaves in an event:

- no personal data (`send_default_pii=False`: no cookies, no user, no client address)
  and no request body;
- the request id as the tag `request_id` (the request's, or in a task the enqueuing
  request's), read from the same context as the log lines;
- no secret of the contract: every secret's value (and a URL's password or a DSN's key)
  is replaced by `********` wherever it appears in the event, breadcrumbs and stack
  variables included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from keelson import __version__
from keelson.contract.secret_url import MASK
from keelson.logging import request_id_var

__all__ = ["MASK", "REQUEST_ID_TAG", "scrub", "secret_values", "start"]

REQUEST_ID_TAG = "request_id"
# The tag naming the Keelson release the service runs on (the event's release is the
# service's own version, what /health/ reports).
KEELSON_TAG = "keelson"
# Shorter values are no secret worth a search through every string of an event.
MIN_SECRET_LENGTH = 4


def secret_values(values: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """What must never leave: each named secret's value, and the parts of a URL that are
    secret (its password, a DSN's key), as written and percent-decoded; longest first."""
    found: set[str] = set()
    for name in names:
        value = values.get(name)
        if not isinstance(value, str):
            continue
        found.add(value)
        if "://" in value:
            try:
                parts = urlsplit(value)
                pieces = (parts.password, parts.username)
            except ValueError:
                pieces = ()
            for piece in pieces:
                if piece:
                    found.update({piece, unquote(piece), quote(unquote(piece), safe="")})
    return sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def scrub(value: Any, secrets: list[str]) -> Any:
    """`value` with every secret in every string replaced by MASK."""
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {scrub(key, secrets): scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(item, secrets) for item in value)
    return value


def start(config: Mapping[str, Any]) -> None:
    """Initialize the SDK: `config` is the settings' KEELSON_ERROR_REPORTING."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    secrets = list(config["scrub"])

    def before_send(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
        tags = event.setdefault("tags", {})
        tags[KEELSON_TAG] = __version__
        request_id = request_id_var.get()
        if request_id is not None:
            tags[REQUEST_ID_TAG] = request_id
        return scrub(event, secrets)

    sentry_sdk.init(
        dsn=config["dsn"],
        environment=config["environment"],
        release=config["release"],
        traces_sample_rate=config["traces_sample_rate"],
        send_default_pii=False,
        # Request bodies hold what users typed (passwords, addresses): never sent.
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=before_send,
        before_send_transaction=before_send,
    )
