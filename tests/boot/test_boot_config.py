"""Configuration: bad flags and bad settings exit 78 with one line each, before any
migration; secrets never reach the output. (Every layer at once: test_boot_contract.py.)"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from boot_support import boot_lines, bound_port, wait_for_exit, wait_for_line
from httpclient import wait_for_status
from ports import free_port
from postgres import connect_as_backend


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RUN_MIGRATIONS", "yes"),
        ("RUN_MIGRATIONS", "true"),
        ("MIGRATIONS_STRICT", "2"),
        ("RUN_COLLECTSTATIC", " 1"),
        ("POSTGRES_WAIT_TIMEOUT", "0"),
        ("POSTGRES_WAIT_TIMEOUT", "-5"),
        ("POSTGRES_WAIT_TIMEOUT", "1.5"),
        ("POSTGRES_WAIT_TIMEOUT", "soon"),
    ],
)
def test_invalid_flag_exits_78_with_one_line_naming_it(boot_env, started, name, value) -> None:
    boot = started({**boot_env, name: value})
    code, _ = wait_for_exit(boot, timeout=10)
    assert code == 78
    lines = boot.json_lines()
    assert len(lines) == 1
    assert lines[0]["level"] == "ERROR"
    assert lines[0]["logger"] == "config"
    assert lines[0]["variable"] == name
    assert lines[0]["message"].startswith(f"{name} must be ")
    assert f"'{value}'" in lines[0]["message"]
    assert lines[0]["exit_code"] == 78


def test_every_bad_flag_gets_its_own_line(boot_env, started) -> None:
    boot = started({**boot_env, "RUN_MIGRATIONS": "x", "POSTGRES_WAIT_TIMEOUT": "y"})
    code, _ = wait_for_exit(boot, timeout=10)
    assert code == 78
    assert [line["variable"] for line in boot.json_lines()] == [
        "RUN_MIGRATIONS",
        "POSTGRES_WAIT_TIMEOUT",
    ]


def tables(env: dict[str, str]) -> list[str]:
    with connect_as_backend(env) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return [row[0] for row in rows]


def test_missing_secret_key_exits_78_with_one_line_before_any_migration(boot_env, started) -> None:
    env = {name: value for name, value in boot_env.items() if name != "SECRET_KEY"}
    boot = started(env)
    code, _ = wait_for_exit(boot, timeout=30)
    assert code == 78
    problems = [line for line in boot.json_lines() if line["level"] == "ERROR"]
    assert len(problems) == 1
    assert problems[0]["message"].startswith("SECRET_KEY is missing")
    assert tables(env) == [], "nothing may be migrated on a bad configuration"


def test_settings_error_exits_78_while_postgres_is_still_awaited(boot_env, started) -> None:
    env = {
        **boot_env,
        "DEBUG": "1",
        "POSTGRES_PORT": str(free_port()),
        "POSTGRES_WAIT_TIMEOUT": "60",
    }
    boot = started(env)
    code, _ = wait_for_exit(boot, timeout=30)
    assert code == 78
    assert time.monotonic() - boot.started < 10, "a bad configuration need not wait for PostgreSQL"
    problems = [line for line in boot.json_lines() if line["level"] == "ERROR"]
    assert [line["variable"] for line in problems] == ["DEBUG"]


def test_wrong_database_password_exits_78_naming_the_variable(boot_env, started) -> None:
    boot = started({**boot_env, "POSTGRES_PASSWORD": "not-the-password"})
    code, _ = wait_for_exit(boot, timeout=30)
    assert code == 78
    errors = [line for line in boot_lines(boot) if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["message"].startswith("POSTGRES_PASSWORD or POSTGRES_USER not accepted")


def test_secrets_never_appear_in_the_output(boot_env, started, tmp_path: Path) -> None:
    secret_key_file = tmp_path / "secret_key"
    secret_key_file.write_text(boot_env["SECRET_KEY"] + "\n")
    password_file = tmp_path / "postgres_password"
    password_file.write_text(boot_env["POSTGRES_PASSWORD"] + "\n")
    token = "tok-3f9a8c7e5d1b2a4c6e8f0a1b3c5d7e9f"
    env = {
        name: value
        for name, value in boot_env.items()
        if name not in ("SECRET_KEY", "POSTGRES_PASSWORD")
    }
    env |= {
        "SECRET_KEY_FILE": str(secret_key_file),
        "POSTGRES_PASSWORD_FILE": str(password_file),
        "DJANGO_API_TOKEN": token,
    }
    boot = started(env)
    wait_for_status(bound_port(env), "/ready/", 200, timeout=60)
    assert boot.stop() == 0

    output = boot.stdout() + boot.stderr()
    for secret in (boot_env["SECRET_KEY"], boot_env["POSTGRES_PASSWORD"], token):
        assert secret not in output
    config = boot_lines(boot)[0]["config"]
    # Only the contract's variables are shown: a variable it does not declare is not.
    assert "DJANGO_API_TOKEN" not in config
    assert config["SECRET_KEY"] == "********"
    assert config["POSTGRES_PASSWORD"] == "********"
    assert config["SECRET_KEY_FILE"] == "********"
    assert config["POSTGRES_PASSWORD_FILE"] == "********"
    assert config["POSTGRES_HOST"] == env["POSTGRES_HOST"], "what is not secret is shown"


def test_configuration_line_shows_defaults_and_masks_secrets(boot_env, started) -> None:
    env = {
        name: value
        for name, value in boot_env.items()
        if name not in ("POSTGRES_WAIT_TIMEOUT", "MIGRATIONS_STRICT", "RUN_MIGRATIONS")
    }
    boot = started({**env, "POSTGRES_PORT": str(free_port())})
    line = wait_for_line(boot, lambda line: line.get("step") == "config")
    config = line["config"]
    assert config["POSTGRES_WAIT_TIMEOUT"] == "60"
    assert config["MIGRATIONS_STRICT"] == "1"
    assert config["RUN_MIGRATIONS"] == "1"
    assert config["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert config["SECRET_KEY"] == "********"
    assert config["POSTGRES_PASSWORD"] == "********"
