"""The access line is built by hand for speed: it must be exactly what json.dumps writes
for the same fields, whatever the values hold."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from config.gunicorn_logging import ACCESS_FIELDS, AccessLineFormatter

FIELDS = {
    "remote_addr": "127.0.0.1",
    "method": "GET",
    "path": '/caf\u00e9/"quoted"\\back\nline\x01',
    "query": None,
    "status": 200,
    "bytes": 63,
    "duration_ms": 0.412,
    "request_id": "0123456789abcdef",
    "user_agent": "snowman \u2603 \U0001f600",
}


def record(fields: dict, created: float) -> logging.LogRecord:
    line = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, "%s %s %s", ("GET", fields["path"], 200), None
    )
    line.access = fields
    line.created = created
    return line


def as_json_dumps(fields: dict, created: float) -> str:
    stamp = datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")
    line = {
        "timestamp": stamp,
        "level": "INFO",
        "logger": "gunicorn.access",
        "message": f"GET {fields['path']} 200",
        "request_id": fields["request_id"],
    }
    line.update({key: fields[key] for key in ACCESS_FIELDS})
    return json.dumps(line, default=str)


@pytest.mark.parametrize("created", [1_700_000_000.0, 1_700_000_000.9999, 1_763_942_400.0421])
@pytest.mark.parametrize(
    "fields",
    [
        FIELDS,
        {**FIELDS, "duration_ms": float("nan"), "bytes": None, "request_id": None},
        {**FIELDS, "status": 404, "duration_ms": 12.0, "query": "a=1&b=%22"},
        {**FIELDS, "bytes": datetime(2026, 1, 1, tzinfo=UTC)},
    ],
    ids=["usual", "nan-and-nulls", "query", "other-type"],
)
def test_access_line_is_what_json_dumps_writes(fields: dict, created: float) -> None:
    formatter = AccessLineFormatter()
    # Twice: the second line reuses the cached second.
    for _ in range(2):
        assert formatter.format(record(fields, created)) == as_json_dumps(fields, created)
