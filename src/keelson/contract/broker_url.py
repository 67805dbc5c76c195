"""Redis URLs (the Celery broker and result backend): judged without repeating them,
printed with their password masked."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("redis", "rediss")
MASK = "********"


def mask_url(url: str) -> str:
    """The URL with its password (and a lone user part, which Redis takes as one) masked,
    and its query string dropped: what may appear in a log line."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{url.split(':', 1)[0]}://{MASK}"
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
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        shown = f"{scheme}://" if scheme else "no scheme"
        return f"must be a redis:// or rediss:// URL, not {shown}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "is not a valid URL (check the port)"
    if not parts.hostname and not parts.path:
        return "names no host"
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        return f"must end with a database number (/0), not /{database[:20]}"
    return None
