"""Redis URLs (the Celery broker and result backend): judged without repeating them,
printed with their password masked."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from keelson.contract.secret_url import MASK, UrlShapeError, masked_scheme, split_url

SCHEMES = ("redis", "rediss")


def mask_url(url: str) -> str:
    """The URL with its password (and a lone user part, which Redis takes as one) masked,
    and its query string dropped: what may appear in a log line."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return masked_scheme(url)
    if ":" in host:
        host = f"[{host}]"
    user = ""
    if parts.password is not None:
        user = f"{parts.username or ''}:{MASK}@"
    elif parts.username:
        user = f"{MASK}@"
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))


def url_problem(url: str) -> str | None:
    """What is wrong with a Redis URL, in words that never repeat the URL itself."""
    try:
        parts = split_url(url, SCHEMES, "a redis:// or rediss:// URL")
    except UrlShapeError as problem:
        return str(problem)
    if not parts.hostname and not parts.path:
        return "names no host"
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        return f"must end with a database number (/0), not /{database[:20]}"
    return None
