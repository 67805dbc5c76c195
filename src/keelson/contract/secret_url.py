"""What every URL that may hold a secret (the broker's, the cache's, the mail server's,
the error collector's DSN) is judged by first, and the one mask that hides a secret
wherever Keelson shows a value: a problem never repeats the URL itself."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import SplitResult, urlsplit

MASK = "********"


class UrlShapeError(ValueError):
    """A URL with a scheme it may not have or a port out of range; the message says
    which, without the URL."""


def url_scheme(url: str) -> str:
    """The scheme before `://`, lower-cased; empty when there is none."""
    return url.split("://", 1)[0].lower() if "://" in url else ""


def split_url(url: str, schemes: Collection[str], expected: str) -> SplitResult:
    """`url` split into its parts, once its scheme is one of `schemes` and its port (if
    any) is a number in range. Otherwise UrlShapeError: "must be `expected`, not
    SCHEME://", or that the URL is not valid."""
    scheme = url_scheme(url)
    if scheme not in schemes:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise UrlShapeError(f"must be {expected}, not {shown}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise UrlShapeError("is not a valid URL (check the port)") from None
    return parts


def masked_scheme(url: str) -> str:
    """What is shown of a URL too broken to split: its scheme and the mask."""
    return f"{url.split(':', 1)[0]}://{MASK}"
