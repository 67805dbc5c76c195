"""The subcommands: migrate, check, manage, healthcheck, and usage errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from boot_support import boot_lines, bound_port, wait_for_exit
from boot_support import run_boot as run_boot_in
from httpclient import wait_for_status
from ports import free_port
from postgres import connect_as_backend

pytestmark = pytest.mark.slow


@pytest.fixture
def run_boot(tmp_path: Path):
    def run(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return run_boot_in(env, tmp_path, *args, timeout=timeout)

    return run


def json_lines(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in (result.stdout + result.stderr).splitlines() if line]


def applied_migrations(env: dict[str, str]) -> int:
    with connect_as_backend(env) as conn:
        return conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]


def test_boot_migrate_applies_the_migrations_and_exits_0(run_boot, boot_env) -> None:
    result = run_boot(boot_env, "migrate")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = json_lines(result)
    assert any(line["message"] == "deploy checks passed" for line in lines)
    assert lines[-1]["message"] == "migrations done"
    assert applied_migrations(boot_env) > 0
    again = run_boot(boot_env, "migrate")
    assert again.returncode == 0
    assert any(line["message"] == "nothing to migrate" for line in json_lines(again))


def test_boot_migrate_exits_70_on_a_broken_migration_even_in_emergency_mode(
    run_boot, boot_env
) -> None:
    env = {
        **boot_env,
        "DJANGO_SETTINGS_MODULE": "keelson_testing.broken_migration_settings",
        "MIGRATIONS_STRICT": "0",
    }
    result = run_boot(env, "migrate")
    assert result.returncode == 70
    assert any(line["message"].startswith("migrate failed") for line in json_lines(result))


def test_boot_check_exits_0_on_a_valid_configuration_without_a_database(run_boot, boot_env) -> None:
    result = run_boot({**boot_env, "POSTGRES_PORT": str(free_port())}, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json_lines(result)[-1]["message"] == "configuration valid"


def test_boot_check_exits_78_on_an_invalid_configuration(run_boot, boot_env) -> None:
    env = {name: value for name, value in boot_env.items() if name != "ALLOWED_HOSTS"}
    result = run_boot(env, "check")
    assert result.returncode == 78
    errors = [line for line in json_lines(result) if line["level"] == "ERROR"]
    assert [line["variable"] for line in errors] == ["ALLOWED_HOSTS"]


def test_boot_check_exits_78_on_an_invalid_flag(run_boot, boot_env) -> None:
    result = run_boot({**boot_env, "MIGRATIONS_STRICT": "off"}, "check")
    assert result.returncode == 78
    assert [line["variable"] for line in json_lines(result)] == ["MIGRATIONS_STRICT"]


def test_boot_manage_runs_a_management_command_with_production_settings(run_boot, boot_env) -> None:
    env = {name: value for name, value in boot_env.items() if name != "DJANGO_SETTINGS_MODULE"}
    shown = run_boot(
        env,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SETTINGS_MODULE)",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "config.settings.production"


def test_boot_manage_without_a_command_is_a_usage_error(run_boot, boot_env) -> None:
    result = run_boot(boot_env, "manage")
    assert result.returncode == 64
    assert json_lines(result)[0]["step"] == "usage"


@pytest.mark.parametrize("args", [["bogus"], ["serve", "extra"], ["check", "--deploy"]])
def test_unknown_command_or_argument_exits_64_with_one_line(run_boot, boot_env, args) -> None:
    result = run_boot(boot_env, *args)
    assert result.returncode == 64
    lines = json_lines(result)
    assert len(lines) == 1
    assert lines[0]["exit_code"] == 64


def test_boot_healthcheck_is_0_while_serving_and_1_when_nothing_listens(
    run_boot, boot_env, started
) -> None:
    boot = started(boot_env)
    wait_for_status(bound_port(boot_env), "/health/", 200, timeout=60)
    assert run_boot(boot_env, "healthcheck", timeout=10).returncode == 0
    # The image binds 0.0.0.0: the check goes to loopback.
    wildcard = {**boot_env, "GUNICORN_BIND": f"0.0.0.0:{bound_port(boot_env)}"}
    assert run_boot(wildcard, "healthcheck", timeout=10).returncode == 0
    assert boot.stop() == 0
    code, _ = wait_for_exit(boot, timeout=5)
    assert code == 0

    down = run_boot(boot_env, "healthcheck", timeout=10)
    assert down.returncode == 1
    lines = json_lines(down)
    assert len(lines) == 1
    assert lines[0]["message"].startswith("healthcheck failed: GET /health/ on 127.0.0.1:")
    assert not boot_lines(boot)[-1].get("exit_code")
