"""Shared fixtures: a real PostgreSQL server, fresh databases, production environments."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "support"))

from dockerd import docker_engine  # noqa: F401 - one engine per session, for every suite
from postgres import PostgresServer
from processes import base_env, manage
from redis_server import MISSING, RedisServer, have_redis_server


def strong_secret_key() -> str:
    return secrets.token_urlsafe(64)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One server for the session; tests get their own databases on it."""
    server = PostgresServer().init().start()
    yield server
    server.destroy()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test's own, with a password; skips where there is none."""
    if not have_redis_server():
        pytest.skip(MISSING)
    server = RedisServer().start()
    yield server
    server.destroy()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, free to be stopped and restarted."""
    server = PostgresServer().init().start()
    yield server
    server.destroy()


@pytest.fixture
def database(postgres: PostgresServer) -> dict[str, str]:
    """A fresh, empty database: its POSTGRES_* variables."""
    return postgres.env(postgres.create_database())


@pytest.fixture(scope="session")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Static files collected once with the production settings (as the image does)."""
    root = tmp_path_factory.mktemp("static")
    env = base_env(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": strong_secret_key(),
            "ALLOWED_HOSTS": "localhost",
            "POSTGRES_PASSWORD": "collectstatic-needs-no-database",
            "STATIC_ROOT": str(root),
        }
    )
    result = manage(["collectstatic", "--noinput", "-v0"], env)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def production_env(database: dict[str, str], static_root: Path, tmp_path: Path) -> dict[str, str]:
    """A valid production environment pointing at a fresh database."""
    return base_env(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": strong_secret_key(),
            "ALLOWED_HOSTS": "app.example.com,localhost,127.0.0.1",
            "STATIC_ROOT": str(static_root),
            "LOG_DIR": str(tmp_path / "logs"),
            **database,
        }
    )
