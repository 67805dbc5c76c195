"""The media storage of a project whose MEDIA_STORAGE is unset: no place for uploads.

Saving a file raises `MediaStorageOff`, whose message names MEDIA_STORAGE: the image's
root filesystem is read-only, and a file written to a container's own disk would be
lost with it, so Keelson never guesses a place.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage

__all__ = ["MediaOffStorage", "MediaStorageOff"]

MESSAGE = (
    "no media storage: set MEDIA_STORAGE=s3 or MEDIA_STORAGE=filesystem (see docs/DEPLOYMENT.md)"
)


class MediaStorageOff(ImproperlyConfigured):
    """A file was saved or read while MEDIA_STORAGE is unset."""


class MediaOffStorage(Storage):
    """Django's `default` storage when there is none: every access is refused."""

    def _refuse(self, *_: Any, **__: Any) -> Any:
        raise MediaStorageOff(MESSAGE)

    _open = _save = delete = exists = listdir = size = url = _refuse
