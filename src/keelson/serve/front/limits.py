"""The front's limits, from the validated environment contract (keelson.contract.core,
layer Front): the variables, their defaults and ranges are declared there only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Headers the front adds to every proxied request (X-Request-ID, X-Real-IP,
# X-Forwarded-For, Connection): gunicorn's count limit leaves room for them.
HEADERS_ADDED_BY_FRONT = 4
# gunicorn refuses a request line longer than this whatever it is told (its MAX_REQUEST_LINE).
GUNICORN_MAX_REQUEST_LINE = 8190


@dataclass(frozen=True)
class FrontLimits:
    max_header_bytes: int
    max_headers: int
    max_body_bytes: int
    header_timeout: int
    body_timeout: int
    max_connections: int
    max_connections_per_client: int


def read_limits(values: Mapping[str, Any]) -> FrontLimits:
    """The limits from the contract's validated values."""
    return FrontLimits(
        max_header_bytes=values["FRONT_MAX_HEADER_BYTES"],
        max_headers=values["FRONT_MAX_HEADERS"],
        max_body_bytes=values["FRONT_MAX_BODY_BYTES"],
        header_timeout=values["FRONT_HEADER_TIMEOUT"],
        body_timeout=values["FRONT_BODY_TIMEOUT"],
        max_connections=values["FRONT_MAX_CONNECTIONS"],
        max_connections_per_client=values["FRONT_MAX_CONNECTIONS_PER_CLIENT"],
    )


def gunicorn_limits(limits: FrontLimits) -> dict[str, int]:
    """gunicorn's own request limits behind the front: the header count is enforced there
    (nginx has no such limit); sizes match the front's, so whichever sees a request first
    refuses it the same way."""
    return {
        "limit_request_fields": limits.max_headers + HEADERS_ADDED_BY_FRONT,
        "limit_request_field_size": limits.max_header_bytes,
        "limit_request_line": min(limits.max_header_bytes, GUNICORN_MAX_REQUEST_LINE),
    }
