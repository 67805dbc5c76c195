"""The image's runtime configuration (nix/image-config.nix) from dummy store paths."""

from __future__ import annotations

import pytest
from nixexpr import NIX_DIR, nix_path, nix_string

BOOT = "/nix/store/00000000000000000000000000000000-boot"
BACKEND = "/nix/store/11111111111111111111111111111111-keelson-backend-0.1.0"
STATIC = "/nix/store/22222222222222222222222222222222-keelson-static-0.1.0"


@pytest.fixture(scope="module")
def config(nix_eval) -> dict:
    return nix_eval(
        f"""import {nix_path(NIX_DIR / "image-config.nix")} {{
          name = "keelson";
          settingsModule = "config.settings.production";
          boot = {nix_string(BOOT)};
          source = {nix_string(BACKEND)};
          static = {nix_string(STATIC)};
          version = "0.1.0";
          revision = "0123456789abcdef";
          sourceUrl = "https://example.org/keelson";
        }}"""
    )


def test_the_entrypoint_is_the_boot_script(config: dict) -> None:
    assert config["Entrypoint"] == [f"{BOOT}/bin/boot"]


def test_it_runs_as_the_service_user_never_root(config: dict) -> None:
    assert config["User"] == "10001:10001"


def test_the_working_directory_is_the_backend(config: dict) -> None:
    assert config["WorkingDir"] == BACKEND


def test_the_env_selects_production_and_the_prebuilt_static_files(config: dict) -> None:
    env = dict(entry.split("=", 1) for entry in config["Env"])
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["STATIC_ROOT"] == STATIC
    assert env["RUN_COLLECTSTATIC"] == "0"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["HOME"] == "/tmp"
    assert env["LOG_DIR"] == "/app/logs"
    # Only the image's /bin/boot link is on it: `docker exec <container> boot ...`.
    assert env["PATH"] == "/bin"
    assert "SECRET_KEY" not in env
    assert "POSTGRES_PASSWORD" not in env


def test_port_8000_is_exposed(config: dict) -> None:
    assert config["ExposedPorts"] == {"8000/tcp": {}}


def test_the_healthcheck_runs_boot_healthcheck(config: dict) -> None:
    healthcheck = config["Healthcheck"]
    assert healthcheck["Test"] == ["CMD", f"{BOOT}/bin/boot", "healthcheck"]
    assert healthcheck["Interval"] == 30 * 10**9
    assert healthcheck["Timeout"] == 5 * 10**9
    assert healthcheck["Retries"] >= 1


def test_the_labels_carry_version_revision_and_source(config: dict) -> None:
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == "0.1.0"
    assert labels["org.opencontainers.image.revision"] == "0123456789abcdef"
    assert labels["org.opencontainers.image.source"] == "https://example.org/keelson"


def test_a_project_names_its_image_and_settings_and_may_name_no_source(nix_eval) -> None:
    config = nix_eval(
        f"""import {nix_path(NIX_DIR / "image-config.nix")} {{
          name = "mysite";
          settingsModule = "mysite.settings.production";
          boot = {nix_string(BOOT)};
          source = {nix_string(BACKEND)};
          static = {nix_string(STATIC)};
          version = "1.4.0";
          revision = "dirty";
          sourceUrl = null;
        }}"""
    )
    env = dict(entry.split("=", 1) for entry in config["Env"])
    assert env["DJANGO_SETTINGS_MODULE"] == "mysite.settings.production"
    assert config["Labels"]["org.opencontainers.image.title"] == "mysite"
    assert "org.opencontainers.image.source" not in config["Labels"]
