"""The sequence compose.yaml describes, run for real against PostgreSQL: `boot migrate`
once, then two `boot` web processes with RUN_MIGRATIONS=0, both Ready.

Commands and environment are read from compose.yaml itself, so the test follows the
file. What Docker supplies is translated: the image's environment (IMAGE_ENV), Compose
secrets (files under /run/secrets become files in a temp dir), the `db` host (the test
server), the published port (a free port per web process)."""

from __future__ import annotations

import secrets
import signal
from pathlib import Path
from typing import Any

import pytest
from deploy_support import COMPOSE_ENV_EXAMPLE, REPO
from httpclient import request, wait_for_status
from ports import free_port
from postgres import PostgresServer
from processes import Process, base_env

pytestmark = pytest.mark.slow

BOOT = REPO / "nix" / "boot.sh"
COMPOSE_SECRETS = "/run/secrets/"
# What nix/image-config.nix puts in the image's Env (STATIC_ROOT and LOG_DIR are set
# per test: the image's are store and image paths).
IMAGE_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "PYTHONUNBUFFERED": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "RUN_COLLECTSTATIC": "0",
}


def env_file_values(path: Path) -> dict[str, str]:
    """The variables an env file sets (commented lines are not set)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value.strip("'")
    return values


def service_env(
    service: dict[str, Any],
    database: dict[str, str],
    secret_dir: Path,
    extra: dict[str, str],
) -> dict[str, str]:
    """A Compose service's environment as its container would see it, on this machine."""
    env = {**IMAGE_ENV, **env_file_values(COMPOSE_ENV_EXAMPLE)}
    for name, value in service["environment"].items():
        if value.startswith(COMPOSE_SECRETS):
            value = str(secret_dir / value.removeprefix(COMPOSE_SECRETS))
        env[name] = str(value)
    # The test server instead of the `db` service; its password arrives as a file.
    env.update({key: value for key, value in database.items() if key != "POSTGRES_PASSWORD"})
    return base_env({**env, **extra})


def boot(args: list[str], env: dict[str, str], log_dir: Path, name: str) -> Process:
    return Process(["bash", str(BOOT), *args], env, log_dir, name)


@pytest.fixture
def secret_dir(database: dict[str, str], tmp_path: Path) -> Path:
    """The files compose.yaml's secrets name, with this test's values."""
    directory = tmp_path / "secrets"
    directory.mkdir()
    (directory / "secret_key").write_text(secrets.token_urlsafe(64) + "\n")
    (directory / "postgres_password").write_text(database["POSTGRES_PASSWORD"] + "\n")
    # Web reads the broker's URL (to send tasks) but never connects to it at boot.
    (directory / "broker_url").write_text("redis://:a-broker-password@127.0.0.1:9/0\n")
    # The services' secrets: judged at boot, never reached by it.
    (directory / "cache_url").write_text("redis://:a-cache-password@127.0.0.1:9/2\n")
    (directory / "email_url").write_text("smtp://mailer:a-mail-password@127.0.0.1:9\n")
    (directory / "media_s3_access_key_id").write_text("an-access-key\n")
    (directory / "media_s3_secret_access_key").write_text("a-secret-access-key\n")
    return directory


def test_migrate_once_then_two_web_processes_without_migrations_become_ready(
    compose: dict[str, Any],
    postgres: PostgresServer,
    database: dict[str, str],
    secret_dir: Path,
    static_root: Path,
    tmp_path: Path,
) -> None:
    services = compose["services"]
    common = {"STATIC_ROOT": str(static_root), "LOG_DIR": str(tmp_path / "logs")}

    # 1. migrate: the one-shot service, run to completion (service_completed_successfully).
    migrate_env = service_env(services["migrate"], database, secret_dir, common)
    migrate = boot(services["migrate"]["command"], migrate_env, tmp_path, "migrate")
    assert migrate.wait(timeout=180) == 0, migrate.stdout() + migrate.stderr()
    migrate_lines = migrate.json_lines()
    assert any(line["message"] == "migrations done" for line in migrate_lines)
    assert any(
        line.get("step") == "migrate" and line.get("applied", 0) > 0 for line in migrate_lines
    )

    # 2. web, twice (as after `docker compose up --scale web=2` behind a proxy).
    web = services["web"]
    assert web["environment"]["RUN_MIGRATIONS"] == "0"
    ports = [free_port(), free_port()]
    # Each container has its own network namespace and /tmp: here, a port and a metrics
    # directory of each process's own.
    metrics_ports = [free_port(), free_port()]
    servers = [
        boot(
            web.get("command", []),
            service_env(
                web,
                database,
                secret_dir,
                {
                    **common,
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "METRICS_BIND": f"127.0.0.1:{metrics_port}",
                    "METRICS_DIR": str(tmp_path / f"metrics{index}"),
                },
            ),
            tmp_path,
            f"web{index}",
        )
        for index, (port, metrics_port) in enumerate(zip(ports, metrics_ports, strict=True))
    ]
    try:
        for port in ports:
            ready = wait_for_status(port, "/ready/", 200, timeout=90)
            assert ready.json() == {
                "status": "ready",
                "checks": {"database": True, "migrations": True},
            }
            # The probes answer over plain HTTP; the rest keeps the HTTPS redirect.
            assert request(port, "/admin/", headers={"Host": "localhost"}).status == 301
        for metrics_port in metrics_ports:
            assert b"keelson_http_requests_total" in request(metrics_port, "/metrics").body
        # `docker compose stop`: SIGTERM to both; /ready/ stops being ready at once.
        for server in servers:
            server.signal(signal.SIGTERM)
        for port in ports:
            assert wait_for_status(port, "/ready/", 503, timeout=5).json() == {"status": "draining"}
    finally:
        stopped = [server.stop(timeout=60) for server in servers]

    assert stopped == [0, 0], "gunicorn stops gracefully on SIGTERM"
    for server in servers:
        lines = server.json_lines()
        assert not [line for line in lines if line.get("step") == "migrate"], (
            "a web process with RUN_MIGRATIONS=0 must not migrate"
        )
        assert any(line.get("message") == "starting gunicorn behind the front" for line in lines)

    with postgres.connect(database["POSTGRES_DB"]) as connection:
        total, distinct = connection.execute(
            "SELECT count(*), count(DISTINCT (app, name)) FROM django_migrations"
        ).fetchone()
    assert total == distinct > 0, "each migration applied exactly once"
