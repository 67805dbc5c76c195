"""docs/deploy/compose.yaml: db healthy -> one-shot `boot migrate` -> web without
migrations, shut down gracefully, hardened like the Kubernetes pods."""

from __future__ import annotations

import re

import pytest
from deploy_support import (
    COMPOSE_ENV_EXAMPLE,
    DEPLOY,
    VERSION,
    documented_default,
    env_file_entries,
)

DURATION_PART = re.compile(r"(\d+)(h|ms|m|s|us)")
SECONDS_PER_UNIT = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 0.000001}


def duration_seconds(text: str) -> float:
    """A Compose duration (`40s`, `1m30s`) in seconds."""
    parts = DURATION_PART.findall(text)
    assert "".join(number + unit for number, unit in parts) == text, f"not a duration: {text}"
    return sum(int(number) * SECONDS_PER_UNIT[unit] for number, unit in parts)


@pytest.fixture
def services(compose):
    return compose["services"]


def test_compose_has_db_redis_migrate_web_worker_and_beat(services) -> None:
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}


def test_db_has_a_healthcheck_with_pg_isready(services) -> None:
    check = services["db"]["healthcheck"]
    assert "pg_isready" in " ".join(check["test"])
    assert check["retries"] >= 1


def test_migrate_is_a_one_shot_boot_migrate(services) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_web_starts_after_db_is_healthy_and_migrate_succeeded(services) -> None:
    web = services["web"]
    assert web["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert web["environment"]["RUN_MIGRATIONS"] == "0"
    assert "command" not in web, "web runs the image's default: `boot` serves"


def test_web_keeps_the_images_healthcheck_and_sets_its_timing(services) -> None:
    check = services["web"]["healthcheck"]
    # Without `test`, Docker keeps the image's HEALTHCHECK (`boot healthcheck`).
    assert "test" not in check
    assert {"interval", "timeout", "retries", "start_period"} <= set(check)


def test_stop_grace_period_exceeds_drain_and_graceful_timeout(services) -> None:
    web = services["web"]

    def setting(name: str) -> int:
        return int(web["environment"].get(name, documented_default(name)))

    drain, graceful = setting("DRAIN_SECONDS"), setting("GUNICORN_GRACEFUL_TIMEOUT")
    assert duration_seconds(web["stop_grace_period"]) > drain + graceful


def test_metrics_are_on_the_compose_network_only(services) -> None:
    web = services["web"]
    port = web["environment"]["METRICS_BIND"].rpartition(":")[2]
    assert web["expose"] == [port]
    assert all(not entry.endswith(f":{port}") for entry in web["ports"])


KEELSON_SERVICES = ["migrate", "web", "worker", "beat"]
# The files every Keelson service reads its secrets from (/run/secrets/NAME).
SERVICE_SECRETS = (
    "secret_key",
    "postgres_password",
    "broker_url",
    "cache_url",
    "email_url",
    "media_s3_access_key_id",
    "media_s3_secret_access_key",
)


@pytest.mark.parametrize("name", KEELSON_SERVICES)
def test_keelson_services_run_read_only_as_10001_with_tmpfs(services, name: str) -> None:
    service = services[name]
    assert service["image"] == f"keelson:{VERSION}"
    assert service["user"] == "10001:10001"
    assert service["read_only"] is True
    tmpfs = {entry.split(":", 1)[0] for entry in service["tmpfs"]}
    assert tmpfs == {"/tmp", documented_default("LOG_DIR")}
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]


@pytest.mark.parametrize("name", KEELSON_SERVICES)
def test_keelson_services_read_the_env_file_and_secrets_as_files(
    compose, services, name: str
) -> None:
    service = services[name]
    assert [entry["path"] for entry in service["env_file"]] == ["./keelson.env"]
    env = service["environment"]
    assert not {"SECRET_KEY", "POSTGRES_PASSWORD", "CELERY_BROKER_URL", "EMAIL_URL"} & set(env)
    assert env["SECRET_KEY_FILE"] == "/run/secrets/secret_key"
    assert env["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert env["CELERY_BROKER_URL_FILE"] == "/run/secrets/broker_url"
    assert env["CACHE_URL_FILE"] == "/run/secrets/cache_url"
    assert env["EMAIL_URL_FILE"] == "/run/secrets/email_url"
    assert env["MEDIA_S3_SECRET_ACCESS_KEY_FILE"] == "/run/secrets/media_s3_secret_access_key"
    assert set(service["secrets"]) == set(SERVICE_SECRETS)
    assert set(compose["secrets"]) == {*SERVICE_SECRETS, "redis_password"}


def test_the_env_file_example_never_sets_what_compose_sets_from_files() -> None:
    entries = env_file_entries(COMPOSE_ENV_EXAMPLE)
    assert "ALLOWED_HOSTS" in entries
    # Both NAME and NAME_FILE set is a configuration error (exit 78).
    assert not {name.upper() for name in SERVICE_SECRETS} & set(entries)
    assert not {"CACHE_URL", "EMAIL_URL", "MEDIA_S3_ACCESS_KEY_ID"} & set(entries)


def test_what_operators_create_next_to_compose_is_git_ignored() -> None:
    ignored = (DEPLOY / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "keelson.env" in ignored
    assert "secrets/" in ignored


def test_web_and_db_share_one_database_definition(services) -> None:
    web, db = services["web"]["environment"], services["db"]["environment"]
    assert web["POSTGRES_DB"] == db["POSTGRES_DB"]
    assert web["POSTGRES_USER"] == db["POSTGRES_USER"]
    assert web["POSTGRES_HOST"] == "db"


def test_redis_has_a_password_from_a_secret_and_a_healthcheck(services) -> None:
    redis = services["redis"]
    assert redis["secrets"] == ["redis_password"]
    assert "requirepass $$(cat /run/secrets/redis_password)" in redis["command"][-1]
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_roles_start_after_db_and_redis_are_healthy_and_migrate_succeeded(
    services, name: str
) -> None:
    service = services[name]
    assert service["command"] == [name]
    assert service["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert service["healthcheck"]["test"] == ["CMD", "boot", "healthcheck", name]


def test_the_worker_grace_period_exceeds_the_hard_task_time_limit(services) -> None:
    worker = services["worker"]
    limit = int(
        worker["environment"].get(
            "CELERY_TASK_TIME_LIMIT", documented_default("CELERY_TASK_TIME_LIMIT")
        )
    )
    assert duration_seconds(worker["stop_grace_period"]) > limit
    assert duration_seconds(services["beat"]["stop_grace_period"]) >= 10
