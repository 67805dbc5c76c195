"""Which services the validated contract turns on, in words: the `services` field of the
boot's configuration line. Pure: reads values, imports nothing of Django."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def summary(values: Mapping[str, Any]) -> dict[str, str]:
    """Mail, media, cache and error reporting: on (and how) or off (and what that means)."""
    return {
        "mail": "smtp" if values["EMAIL_URL"] else "off (messages dropped with a warning)",
        "media": values["MEDIA_STORAGE"] or "off (saving a file fails)",
        "cache": "redis" if values["CACHE_URL"] else "memory, per process",
        "error_reporting": "sentry" if values["SENTRY_DSN"] else "off",
    }
