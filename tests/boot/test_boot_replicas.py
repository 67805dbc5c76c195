"""Replicas booting together on an empty database: each migration is applied once."""

from __future__ import annotations

import psycopg
import pytest
from boot_support import (
    SIGNAL_EXIT_WITHIN,
    boot_lines,
    bound_port,
    messages,
    wait_for_exit,
    wait_for_line,
)
from httpclient import wait_for_status
from ports import free_port
from postgres import connect_as_backend

from keelson.boot.advisory_lock import MIGRATION_LOCK_KEY

pytestmark = pytest.mark.slow


def connect(env: dict[str, str]) -> psycopg.Connection:
    return connect_as_backend(env, autocommit=True)


def waiting_for_lock(line: dict) -> bool:
    return line["message"].startswith("waiting for the migration lock")


def test_three_boots_at_once_all_serve_and_apply_each_migration_once(boot_env, started) -> None:
    envs = [{**boot_env, "GUNICORN_BIND": f"127.0.0.1:{free_port()}"} for _ in range(3)]
    # A migration in progress elsewhere holds the lock, so that all three boots meet it
    # and then race for it, whatever this busy machine's timing.
    with connect(boot_env) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        boots = [started(env, name=f"boot{i}") for i, env in enumerate(envs)]
        for boot in boots:
            wait_for_line(boot, waiting_for_lock, timeout=60)
        holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])

    for env in envs:
        wait_for_status(bound_port(env), "/ready/", 200, timeout=60)

    with connect(boot_env) as conn:
        rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
    assert rows
    assert len(rows) == len(set(rows)), "a migration was recorded twice"

    applied = [b for b in boots if any(m.startswith("applied ") for m in messages(b))]
    idle = [b for b in boots if "nothing to migrate after waiting for the lock" in messages(b)]
    assert len(applied) == 1
    assert len(idle) == 2
    for boot in idle:
        finished = [line for line in boot_lines(boot) if line.get("applied") == 0]
        assert finished[0]["waited_ms"] > 0
    for boot in boots:
        assert "already exists" not in boot.stdout() + boot.stderr()
        assert boot.stop() == 0


def test_sigterm_while_waiting_for_the_migration_lock_exits_143(boot_env, started) -> None:
    with connect(boot_env) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        boot = started(boot_env)
        wait_for_line(boot, waiting_for_lock, timeout=60)
        boot.signal(15)
        code, seconds = wait_for_exit(boot, timeout=30)
    assert code == 143
    assert seconds < SIGNAL_EXIT_WITHIN, f"exited {seconds:.1f} s after SIGTERM"
    assert not any(line.get("step") == "serve" for line in boot_lines(boot))
