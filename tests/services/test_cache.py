"""The cache on a real redis-server with a password from CACHE_URL_FILE: a value set
through one gunicorn worker is read through another."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from boot_support import bound_port
from forms import HTTPS
from httpclient import request, wait_for_status
from redis_server import RedisServer

pytestmark = pytest.mark.slow


def test_a_value_set_in_one_worker_is_read_in_another(
    boot_env, started, tmp_path: Path, redis_server: RedisServer
) -> None:
    (tmp_path / "cache-url").write_text(redis_server.url(2) + "\n")
    env = {
        **boot_env,
        "DJANGO_SETTINGS_MODULE": "keelson_testing.services_settings",
        "GUNICORN_WORKERS": "2",
        "CACHE_URL_FILE": str(tmp_path / "cache-url"),
    }
    boot = started(env)
    port = bound_port(env)
    wait_for_status(port, "/ready/", 200, timeout=60)
    key, value = uuid.uuid4().hex, uuid.uuid4().hex
    setter = request(port, f"/test/cache/?key={key}&value={value}", headers=HTTPS).json()
    # New connections until the other worker answers (the front spreads them).
    readers = [request(port, f"/test/cache/?key={key}", headers=HTTPS).json() for _ in range(40)]
    other = [reader for reader in readers if reader["pid"] != setter["pid"]]
    assert other, "every request went to one worker"
    assert {reader["value"] for reader in other} == {value}
    # It is in Redis itself, under the service's prefix, in database 2.
    assert any(key in name.decode() for name in redis_server.client_for(2).keys("*"))
    assert redis_server.password not in boot.stdout() + boot.stderr()
