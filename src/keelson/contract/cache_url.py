"""CACHE_URL, the Redis server of Django's cache, read once:

    redis://:PASSWORD@HOST:PORT/DB    plain TCP
    rediss://:PASSWORD@HOST:PORT/DB   TLS
    unix:///PATH/redis.sock?db=DB     a unix socket (the password: `&password=...`)

Redis URLs are judged as the broker's are (keelson.contract.broker_url); the shown URL
masks the password and drops the query string, where a unix URL carries it.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from keelson.contract.broker_url import SCHEMES as REDIS_SCHEMES
from keelson.contract.broker_url import mask_url, url_problem
from keelson.contract.secret_url import UrlShapeError, split_url

UNIX = "unix"
SCHEMES = (*REDIS_SCHEMES, UNIX)

__all__ = ["SCHEMES", "cache_url_problem", "mask_url"]


def cache_url_problem(url: str) -> str | None:
    """What is wrong with a cache URL, in words that never repeat the URL itself."""
    try:
        parts = split_url(url, SCHEMES, "a redis://, rediss:// or unix:// URL")
    except UrlShapeError as problem:
        return str(problem)
    if parts.scheme.lower() != UNIX:
        return url_problem(url)
    if not parts.path.startswith("/") or parts.path == "/":
        return "names no socket path (unix:///path/to/redis.sock)"
    database = parse_qs(parts.query).get("db", ["0"])[0]
    if not database.isdigit():
        return "must name a database number (?db=0)"
    return None
