"""boot (serve): wait for PostgreSQL, migrate under the lock, fail fast, then gunicorn."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from boot_support import (
    BOOT,
    bash,
    boot_lines,
    bound_port,
    line_time,
    messages,
    pg_isready,
    wait_for_exit,
    wait_for_line,
)
from httpclient import request, wait_for_status
from ports import free_port, port_is_open
from postgres import PostgresServer, connect_as_backend
from processes import BACKEND, BIN

from keelson.boot.postgres import POLL_INTERVAL

pytestmark = pytest.mark.slow

BROKEN_MIGRATION_SETTINGS = "keelson_testing.broken_migration_settings"
# How soon the boot notices PostgreSQL is a figure of tenths of a second, measured by
# `scripts/bench --only notice` over many starts; one sample here would miss any tight
# bound whenever the machine is briefly busy. This one only catches a boot that stalls
# once PostgreSQL is up: the attempts counted below prove the short beat.
NOTICED_WITHIN = 5.0


def migration_rows(env: dict[str, str]) -> list[tuple[str, str]]:
    with connect_as_backend(env) as conn:
        return conn.execute("SELECT app, name FROM django_migrations").fetchall()


def test_boot_migrates_an_empty_database_and_serves_ready(boot_env, started) -> None:
    boot = started(boot_env)
    port = bound_port(boot_env)
    response = wait_for_status(port, "/ready/", 200, timeout=30)
    assert response.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}
    said = messages(boot)
    assert any(message.startswith("applying ") for message in said)
    assert "starting gunicorn behind the front" in said
    assert boot.stop() == 0


def test_boot_keeps_polling_and_notices_postgres_started_3_s_later(boot_env, started) -> None:
    server = PostgresServer().init()
    try:
        # The server's own database: it exists the moment the server accepts connections.
        env = {**boot_env, **server.env("postgres")}
        boot = started(env)
        wait_for_line(boot, lambda line: line["message"].startswith("waiting for PostgreSQL"))
        waiting = time.monotonic()
        # Three seconds with no PostgreSQL: the boot keeps polling, it does not give up.
        while time.monotonic() - waiting < 3:
            assert boot.running(), boot.output_lines()
            time.sleep(0.05)
        server.start(wait=False)
        accepted = poll_until_postgres_accepts(server)

        noticed = wait_for_line(boot, lambda line: "accepts connections" in line["message"])
        # Over those 3 s a 0.1 s beat makes about 30 attempts; a boot that slept a second
        # or more between attempts (the seed-style one: 2 s) makes a handful.
        assert noticed["attempts"] > 10, noticed
        delay = line_time(noticed) - accepted
        assert delay < NOTICED_WITHIN, f"readiness noticed {delay:.1f} s after PostgreSQL accepted"
        wait_for_status(bound_port(env), "/ready/", 200, timeout=30)
        assert boot.stop() == 0
    finally:
        server.destroy()


def poll_until_postgres_accepts(server: PostgresServer, timeout: float = 30.0) -> float:
    """The wall-clock time at which the server first accepted a connection (10 ms polls)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with server.connect("postgres"):
                return time.time()
        except psycopg.OperationalError:
            time.sleep(0.01)
    raise TimeoutError("PostgreSQL did not start")


def test_postgres_that_never_comes_exits_69_at_the_deadline_with_one_line(
    boot_env, started
) -> None:
    port = free_port()
    boot = started({**boot_env, "POSTGRES_PORT": str(port), "POSTGRES_WAIT_TIMEOUT": "2"})
    # Only a boot that ignored POSTGRES_WAIT_TIMEOUT (its default: 60 s) runs this long.
    code, _ = wait_for_exit(boot, timeout=30)
    assert code == 69
    errors = [line for line in boot_lines(boot) if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert f"127.0.0.1:{port}" in errors[0]["message"]
    assert "within 2 s" in errors[0]["message"]
    assert errors[0]["exit_code"] == 69
    # At the deadline, told without a clock: attempts start on a fixed beat and the
    # deadline is checked after each, so a boot that gives up at 2 s makes at most
    # 2 / POLL_INTERVAL + 1 of them however busy the machine (a busy one makes fewer);
    # one that overran its deadline would have made more.
    assert errors[0]["attempts"] <= 2 / POLL_INTERVAL + 1, errors[0]


def test_broken_migration_exits_70_and_nothing_listens(boot_env, started) -> None:
    boot = started({**boot_env, "DJANGO_SETTINGS_MODULE": BROKEN_MIGRATION_SETTINGS})
    code, _ = wait_for_exit(boot, timeout=60)
    assert code == 70
    assert not port_is_open(bound_port(boot_env))
    said = messages(boot)
    assert any("migrate failed: RuntimeError: deliberately broken migration" in m for m in said)
    assert "starting gunicorn behind the front" not in said
    assert ("broken_migration", "0001_initial") not in migration_rows(boot_env)


def test_emergency_mode_warns_in_a_box_and_serves_despite_the_broken_migration(
    boot_env, started
) -> None:
    env = {
        **boot_env,
        "DJANGO_SETTINGS_MODULE": BROKEN_MIGRATION_SETTINGS,
        "MIGRATIONS_STRICT": "0",
    }
    boot = started(env)
    health = wait_for_status(bound_port(env), "/health/", 200, timeout=60)
    assert health.json()["status"] == "healthy"
    warnings = [line["message"] for line in boot_lines(boot) if line["level"] == "WARNING"]
    assert any("EMERGENCY MODE (MIGRATIONS_STRICT=0)" in w for w in warnings)
    assert any("migrate FAILED (exit 70)" in w for w in warnings)
    assert warnings[0] == "*" * 78, "the warning is boxed"
    # Serving, yet not ready: the readiness probe keeps the replica out of rotation.
    assert request(bound_port(env), "/ready/").status == 503
    assert boot.stop() == 0


def test_failed_collectstatic_exits_73_and_nothing_listens(boot_env, started, tmp_path) -> None:
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    env = {**boot_env, "RUN_COLLECTSTATIC": "1", "STATIC_ROOT": str(not_a_directory / "static")}
    boot = started(env)
    code, _ = wait_for_exit(boot, timeout=60)
    assert code == 73
    assert not port_is_open(bound_port(env))
    assert any(m.startswith("collectstatic failed: ") for m in messages(boot))


def test_boot_collects_static_files_when_asked(boot_env, started, tmp_path: Path) -> None:
    static_root = tmp_path / "static"
    env = {
        **boot_env,
        "RUN_COLLECTSTATIC": "1",
        "RUN_MIGRATIONS": "0",
        "STATIC_ROOT": str(static_root),
    }
    boot = started(env)
    wait_for_status(bound_port(env), "/health/", 200, timeout=60)
    assert (static_root / "staticfiles.json").is_file()
    collected = [line for line in boot_lines(boot) if line.get("step") == "collectstatic"]
    assert "static files copied" in collected[0]["message"]
    assert boot.stop() == 0


def test_serve_without_nginx_on_path_exits_1_before_awaiting_postgres(
    boot_env, tmp_path: Path
) -> None:
    # The image's PATH without the front: the Python environment and pg_isready only.
    tools = tmp_path / "no-nginx-bin"
    tools.mkdir()
    (tools / "pg_isready").symlink_to(pg_isready())
    env = {**boot_env, "POSTGRES_PORT": str(free_port()), "PATH": f"{BIN}:{tools}"}
    result = subprocess.run(
        [bash(), str(BOOT), "serve"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["message"].startswith("nginx, the front of gunicorn, is not on PATH. Hint:")
    assert errors[0]["exit_code"] == 1
    assert not any(line["message"].startswith("waiting for PostgreSQL") for line in lines)


def test_systemd_hears_ready_only_once_the_front_accepts_clients(
    boot_env, started, tmp_path: Path
) -> None:
    """Type=notify: systemd marks the unit active at READY=1, so clients must be able to
    connect and be served by then: the front listens and a worker is alive (gunicorn's
    arbiter alone would say it before the front listens and before any worker forks)."""
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(60)
        boot = started({**boot_env, "NOTIFY_SOCKET": str(notify_path)})
        message = notify.recv(4096).decode()
        port = bound_port(boot_env)
        accepting = port_is_open(port)
        assert message == "READY=1\nSTATUS=serving: the front and gunicorn are ready"
        assert accepting, "READY=1 arrived before the front accepted connections"
        assert request(port, "/health/").status == 200
        # One READY=1 only: gunicorn's own, sent before the front listened, is withheld.
        notify.settimeout(1)
        with pytest.raises(TimeoutError):
            notify.recv(4096)
    assert boot.stop() == 0
