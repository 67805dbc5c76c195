"""The front's limits: one entry per variable of the environment contract, read here only.

Every value is validated by config.env's readers (a bad one is a problem line; the
caller exits 78 with all of them). The defaults hold the attack the reliability tests
make: 200 connections dripping headers and 50 dripping bodies beside ordinary traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.env import Env

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


def read_limits(env: Env) -> FrontLimits:
    """The limits from `env`; problems are left on `env` for its `done()`."""
    return FrontLimits(
        max_header_bytes=env.int("FRONT_MAX_HEADER_BYTES", 8192, minimum=1024, maximum=65536),
        max_headers=env.int("FRONT_MAX_HEADERS", 100, minimum=10, maximum=1000),
        max_body_bytes=env.int(
            "FRONT_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=2**40
        ),
        header_timeout=env.int("FRONT_HEADER_TIMEOUT", 10, minimum=1, maximum=3600),
        body_timeout=env.int("FRONT_BODY_TIMEOUT", 10, minimum=1, maximum=3600),
        max_connections=env.int("FRONT_MAX_CONNECTIONS", 4096, minimum=64, maximum=65536),
        max_connections_per_client=env.int(
            "FRONT_MAX_CONNECTIONS_PER_CLIENT", 256, minimum=0, maximum=65536
        ),
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
