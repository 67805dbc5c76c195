"""Request ids: honour a well-formed incoming X-Request-ID, otherwise make one."""

from __future__ import annotations

import re
import uuid

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# Characters that cannot break a log line, a header or a shell: ids from tracing
# systems (UUIDs, W3C trace ids, ULIDs) fit.
ALLOWED = re.compile(r"[A-Za-z0-9._:\-]+")


def accept_or_generate(incoming: str | None, max_length: int) -> str:
    """The incoming id when it is safe to echo and log, else a new one.

    An unsafe id is replaced rather than cleaned: a cleaned id would look valid yet
    match nothing upstream.
    """
    if incoming and len(incoming) <= max_length and ALLOWED.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex
