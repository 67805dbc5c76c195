"""The test settings (SQLite in memory, fast hasher) run the same probes in-process."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client


def test_test_settings_use_sqlite_and_a_fast_hasher() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_health_needs_no_database(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"


@pytest.mark.django_db
def test_ready_on_a_migrated_database(client: Client) -> None:
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}


def test_probes_refuse_other_methods(client: Client) -> None:
    response = client.post("/health/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
