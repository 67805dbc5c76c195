"""SENTRY_DSN, where error events are sent, read once: `https://KEY@HOST/PROJECT_ID`
(`http://` for a collector on a private network; a path may precede the project id).
The key is the secret part: problems never repeat it, the shown DSN masks it."""

from __future__ import annotations

from urllib.parse import urlsplit

from keelson.contract.secret_url import MASK, UrlShapeError, masked_scheme, split_url

SCHEMES = ("http", "https")


def dsn_problem(dsn: str) -> str | None:
    """What is wrong with a DSN, in words that never repeat it."""
    try:
        parts = split_url(dsn, SCHEMES, "an https:// DSN (https://KEY@HOST/PROJECT_ID)")
    except UrlShapeError as problem:
        return str(problem)
    if not parts.username:
        return "names no key (https://KEY@HOST/PROJECT_ID)"
    if not parts.hostname:
        return "names no host"
    if not parts.path.rstrip("/").rpartition("/")[2].isdigit():
        return "must end with the project's number (https://KEY@HOST/PROJECT_ID)"
    return None


def mask_dsn(dsn: str) -> str:
    """The DSN with its key (and a legacy secret) masked."""
    try:
        parts = urlsplit(dsn)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return masked_scheme(dsn)
    return f"{parts.scheme}://{MASK}@{parts.hostname or ''}{port}{parts.path}"


def dsn_key(dsn: str) -> str | None:
    """The key of a DSN: a secret that must never leave in an event."""
    try:
        return urlsplit(dsn).username
    except ValueError:
        return None
