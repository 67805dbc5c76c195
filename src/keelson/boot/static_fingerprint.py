"""Whether the static files in STATIC_ROOT were collected from exactly these sources.

collectstatic re-hashes and re-compresses every file on each run, even when nothing
changed (about half a second for the admin alone): on the boot path it is skipped when
the sources' fingerprint equals the one stored by the last complete run. Contents are
hashed, not timestamps: Nix sets every store file's mtime to 1.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders

FINGERPRINT_FILE = "keelson-static-fingerprint"
MANIFEST_FILE = "staticfiles.json"


def sources_fingerprint() -> str:
    """A hash over every source file's path and content, and the storage that collects."""
    digest = hashlib.sha256()
    digest.update(repr(settings.STORAGES["staticfiles"]).encode())
    digest.update(settings.STATIC_URL.encode())
    seen: set[str] = set()
    for finder in get_finders():
        for path, storage in finder.list([]):
            prefix = getattr(storage, "prefix", None) or ""
            name = f"{prefix}/{path}" if prefix else path
            if name in seen:  # the first finder's file wins, as in collectstatic
                continue
            seen.add(name)
            digest.update(name.encode() + b"\0")
            with storage.open(path) as source:
                digest.update(hashlib.sha256(source.read()).digest())
    return digest.hexdigest()


def stored_fingerprint(root: Path) -> str | None:
    """The fingerprint of the last complete collection, if its manifest is still there."""
    try:
        if not (root / MANIFEST_FILE).is_file():
            return None
        return (root / FINGERPRINT_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def store_fingerprint(root: Path, fingerprint: str) -> None:
    (root / FINGERPRINT_FILE).write_text(fingerprint + "\n", encoding="ascii")
