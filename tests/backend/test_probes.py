"""/health/ and /ready/ against real gunicorn and a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpclient import request, wait_for_status
from ports import free_port
from postgres import PostgresServer
from processes import gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture
def served(own_postgres: PostgresServer, production_env: dict[str, str], serve_migrated):
    """gunicorn on a migrated database of its own server (which the test may stop)."""
    return serve_migrated({**production_env, **own_postgres.env(own_postgres.create_database())})


def test_health_is_200_with_service_and_version(served) -> None:
    port, _ = served
    response = request(port, "/health/")
    assert response.status == 200
    assert response.json() == {"status": "healthy", "service": "keelson", "version": "0.1.0"}


def test_ready_is_200_when_database_up_and_migrated(served) -> None:
    port, _ = served
    response = request(port, "/ready/")
    assert response.status == 200
    assert response.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}


def test_ready_follows_the_database_while_health_stays_up(served, own_postgres) -> None:
    port, server = served
    own_postgres.stop()
    down = request(port, "/ready/")
    assert down.status == 503
    assert down.json()["checks"] == {"database": False, "migrations": False}
    assert request(port, "/health/").status == 200

    own_postgres.start()
    wait_for_status(port, "/ready/", 200, timeout=5)
    assert request(port, "/health/").status == 200
    warnings = [line for line in server.json_lines() if line["level"] == "WARNING"]
    assert any("readiness: database unreachable" in line["message"] for line in warnings)


def test_first_ready_after_a_database_restart_is_200(served, own_postgres) -> None:
    port, _ = served
    for _ in range(4):  # every worker holds a probe connection, soon dead
        assert request(port, "/ready/").status == 200
    own_postgres.restart()
    assert request(port, "/ready/").status == 200


def test_ready_is_503_with_migrations_false_on_an_unmigrated_database(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**production_env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    server = gunicorn(env, tmp_path)
    try:
        wait_for_status(port, "/health/")
        response = request(port, "/ready/")
        assert response.status == 503
        assert response.json()["checks"] == {"database": True, "migrations": False}
    finally:
        server.stop()


@pytest.mark.parametrize("path", ["/health/", "/ready/"])
def test_probes_answer_any_host_over_plain_http(served, path: str) -> None:
    port, _ = served
    response = request(port, path, headers={"Host": "10.1.2.3:8000"})
    assert response.status == 200


def test_other_paths_keep_allowed_hosts(served) -> None:
    port, _ = served
    response = request(
        port, "/admin/login/", headers={"Host": "10.1.2.3:8000", "X-Forwarded-Proto": "https"}
    )
    assert response.status == 400


def test_other_paths_keep_the_https_redirect(served) -> None:
    port, _ = served
    response = request(port, "/admin/login/", headers={"Host": "app.example.com"})
    assert response.status == 301
    assert response.header("Location") == "https://app.example.com/admin/login/"
