"""The whole environment contract is judged before anything: a bad variable of any layer
exits 78 before PostgreSQL is awaited and before any table exists; every problem of
every layer comes in one run; `boot check` and `boot migrate` refuse the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from boot_support import run_boot, wait_for_exit
from postgres import connect_as_backend

# One bad value per layer of the contract (keelson.contract.core.LAYERS), and what its line
# starts with.
BAD_VALUES = [
    ("RUN_MIGRATIONS", "maybe", "RUN_MIGRATIONS must be 0 or 1, not 'maybe'"),
    ("POSTGRES_WAIT_TIMEOUT", "soon", "POSTGRES_WAIT_TIMEOUT must be a whole number of seconds"),
    ("DJANGO_SETTINGS_MODULE", "config.settings.prod", "DJANGO_SETTINGS_MODULE names"),
    ("SECRET_KEY", "short", "SECRET_KEY is too short (5 characters)"),
    ("DEBUG", "1", "DEBUG is true, which production refuses"),
    ("ALLOWED_HOSTS", "https://app.example.com", "ALLOWED_HOSTS entry 'https://app.example.com'"),
    ("POSTGRES_PORT", "0", "POSTGRES_PORT must be between 1 and 65535, not 0"),
    ("POSTGRES_SSLMODE", "sometimes", "POSTGRES_SSLMODE must be one of"),
    ("GUNICORN_WORKERS", "0", "GUNICORN_WORKERS must be between 1 and 256, not 0"),
    ("GUNICORN_TIMEOUT", "abc", "GUNICORN_TIMEOUT must be a whole number, not 'abc'"),
    ("GUNICORN_BIND", "8000", "GUNICORN_BIND entry '8000' is not HOST:PORT"),
    ("GUNICORN_LOG_LEVEL", "loud", "GUNICORN_LOG_LEVEL must be one of"),
    ("DJANGO_LOG_LEVEL", "loud", "DJANGO_LOG_LEVEL must be one of"),
    ("GUNICORN_LOG_TO_FILES", "1", "GUNICORN_LOG_TO_FILES is 1 but the directory"),
    ("DJANGO_LOG_TO_FILES", "1", "DJANGO_LOG_TO_FILES is 1 but the directory"),
]


def tables(env: dict[str, str]) -> list[str]:
    with connect_as_backend(env) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return [row[0] for row in rows]


def with_missing_log_dir(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**env, "LOG_DIR": str(tmp_path / "no-such-log-dir")}


def assert_only_config_errors(lines: list[dict], expected: list[tuple[str, str]]) -> None:
    """Nothing but one configuration line per problem, in the contract's order."""
    assert [(line["variable"], line["level"], line["logger"]) for line in lines] == [
        (name, "ERROR", "config") for name, _ in expected
    ]
    for line, (_, start) in zip(lines, expected, strict=True):
        assert line["message"].startswith(start), line["message"]
        assert line["exit_code"] == 78
        assert "Hint: " in line["message"]


@pytest.mark.parametrize(("name", "value", "start"), BAD_VALUES, ids=[v[0] for v in BAD_VALUES])
def test_a_bad_variable_of_any_layer_exits_78_before_postgres_is_awaited(
    boot_env, started, tmp_path: Path, name: str, value: str, start: str
) -> None:
    env = with_missing_log_dir({**boot_env, name: value}, tmp_path)
    boot = started(env)
    code, _ = wait_for_exit(boot, timeout=30)
    assert code == 78
    # Not a line about PostgreSQL, the settings or a migration: the configuration only.
    assert_only_config_errors(boot.json_lines(), [(name, start)])
    assert tables(boot_env) == [], "nothing may touch the database on a bad configuration"


@pytest.mark.parametrize("command", ["check", "migrate"])
@pytest.mark.parametrize(("name", "value", "start"), BAD_VALUES, ids=[v[0] for v in BAD_VALUES])
def test_check_and_migrate_refuse_what_the_boot_refuses(
    boot_env, tmp_path: Path, command: str, name: str, value: str, start: str
) -> None:
    env = with_missing_log_dir({**boot_env, name: value}, tmp_path)
    result = run_boot(env, tmp_path, command)
    assert result.returncode == 78, result.stdout + result.stderr
    assert result.stderr == ""
    assert_only_config_errors(
        [json.loads(line) for line in result.stdout.splitlines()], [(name, start)]
    )
    assert tables(boot_env) == []


def test_every_problem_of_every_layer_comes_in_one_run(boot_env, started, tmp_path) -> None:
    env = with_missing_log_dir(
        {
            **boot_env,
            "RUN_MIGRATIONS": "maybe",
            "SECRET_KEY": "short",
            "POSTGRES_PORT": "99999",
            "GUNICORN_WORKERS": "0",
            "GUNICORN_TIMEOUT": "abc",
            "GUNICORN_LOG_TO_FILES": "1",
        },
        tmp_path,
    )
    boot = started(env)
    code, _ = wait_for_exit(boot, timeout=30)
    assert code == 78
    assert_only_config_errors(
        boot.json_lines(),
        [
            ("RUN_MIGRATIONS", "RUN_MIGRATIONS must be 0 or 1"),
            ("SECRET_KEY", "SECRET_KEY is too short"),
            ("POSTGRES_PORT", "POSTGRES_PORT must be between 1 and 65535, not 99999"),
            ("GUNICORN_WORKERS", "GUNICORN_WORKERS must be between 1 and 256"),
            ("GUNICORN_TIMEOUT", "GUNICORN_TIMEOUT must be a whole number"),
            ("GUNICORN_LOG_TO_FILES", "GUNICORN_LOG_TO_FILES is 1 but the directory"),
        ],
    )
    assert tables(boot_env) == []
