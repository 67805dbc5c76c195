"""One JSON shape: every line the container prints (the boot's, configuration errors,
Django's, gunicorn's error and access lines) has the same first keys in the same order
and the same spacing, because one serializer writes them all (keelson.logging.json_line).
Run under the image-like bash, every line is JSON and the boot serves /ready/ 200."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from boot_support import bound_port, run_boot
from httpclient import request, wait_for_status

from keelson.logging import json_line

pytestmark = pytest.mark.slow

COMMON_KEYS = ["timestamp", "level", "logger", "message", "request_id"]


def assert_one_shape(raw_lines: list[str]) -> list[dict]:
    parsed = []
    for raw in raw_lines:
        line = json.loads(raw)
        assert list(line)[:5] == COMMON_KEYS, raw
        assert json_line(line) == raw, f"not written by the one serializer: {raw}"
        parsed.append(line)
    return parsed


def test_every_line_of_a_boot_that_serves_has_one_shape(boot_env, started) -> None:
    boot = started(boot_env)
    port = bound_port(boot_env)
    ready = wait_for_status(port, "/ready/", 200, timeout=60)
    assert ready.json()["status"] == "ready"
    # An access line, and a Django security line for a Host outside ALLOWED_HOSTS.
    assert request(port, "/health/").status == 200
    assert request(port, "/admin/", headers={"Host": "evil.example.net"}).status == 400
    assert boot.stop() == 0

    lines = assert_one_shape(boot.output_lines())
    loggers = {line["logger"] for line in lines}
    assert {"boot", "gunicorn.error", "gunicorn.access", "django.security.DisallowedHost"} <= (
        loggers
    )


def test_configuration_errors_have_the_same_shape(boot_env, tmp_path: Path) -> None:
    result = run_boot({**boot_env, "GUNICORN_WORKERS": "0", "DEBUG": "1"}, tmp_path)
    assert result.returncode == 78
    lines = assert_one_shape(result.stdout.splitlines())
    assert [line["variable"] for line in lines] == ["DEBUG", "GUNICORN_WORKERS"]
