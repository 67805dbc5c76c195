"""The boot's lines (keelson.boot.log): valid JSON for any text, UTC timestamps with
milliseconds, boxed warnings of one width."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from keelson.boot.log import BootLog

NASTY = [
    "plain",
    'quote " and backslash \\ and \\"',
    "tab\tnewline\ncarriage\rreturn",
    "controls \x01\x02\x1b\x1f and DEL \x7f",
    "unicode: ünïcødé ✓ 𝄞",
    '{"json": [1, 2]} ${HOME} $(echo no) `echo no`',
    "",
]


def printed(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_every_text_becomes_one_valid_json_line(capsys) -> None:
    log = BootLog(time.time())
    for text in NASTY:
        log.info("test", text, field=text)
    lines = printed(capsys)
    assert len(lines) == len(NASTY)
    for text, line in zip(NASTY, lines, strict=True):
        assert line["message"] == text
        assert line["field"] == text
        assert line["logger"] == "boot"
        assert list(line)[:5] == ["timestamp", "level", "logger", "message", "request_id"]


def test_timestamps_are_utc_iso_8601_with_milliseconds(capsys, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        BootLog(time.time()).info("test", "hello")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    stamp = printed(capsys)[0]["timestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", stamp)
    assert abs(datetime.fromisoformat(stamp) - datetime.now(UTC)) < timedelta(seconds=10)


def test_boxed_warning_rows_are_one_width(capsys) -> None:
    BootLog(time.time()).boxed("short", "a somewhat longer row of the box")
    rows = [line["message"] for line in printed(capsys)]
    assert len(rows) == 4
    assert len({len(row) for row in rows}) == 1
    assert rows[0] == rows[-1] == "*" * 78


def test_configuration_problems_name_their_variable(capsys) -> None:
    BootLog(time.time()).problems(["GUNICORN_WORKERS must be between 1 and 256, not 0. Hint: x"])
    [line] = printed(capsys)
    assert (line["logger"], line["level"], line["variable"], line["exit_code"]) == (
        "config",
        "ERROR",
        "GUNICORN_WORKERS",
        78,
    )
