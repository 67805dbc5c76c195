"""Which settings each entry point uses, and gunicorn's configuration from the env."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from processes import BACKEND, BIN, base_env, manage
from test_production_env_rules import valid_env


def run_gunicorn_config_only(env: dict[str, str]) -> subprocess.CompletedProcess:
    """gunicorn --check-config: loads the config file and the app, starts no server."""
    return subprocess.run(
        [
            str(BIN / "gunicorn"),
            "--config",
            "python:keelson.gunicorn_config",
            "--check-config",
            "config.wsgi:application",
        ],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def messages(stderr: str) -> list[str]:
    records = [json.loads(line) for line in stderr.splitlines()]
    assert all(r["exit_code"] == 78 for r in records)
    return [r["message"] for r in records]


def test_manage_py_defaults_to_local_settings_on_sqlite_with_no_env_at_all() -> None:
    result = manage(
        [
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings as s; print(s.SETTINGS_MODULE, s.DATABASES['default']['ENGINE'], s.DEBUG)",
        ],
        base_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.local", "django.db.backends.sqlite3", "True"]


def test_wsgi_falls_back_to_production_settings() -> None:
    env = base_env()  # no DJANGO_SETTINGS_MODULE, no production variables
    result = run_gunicorn_config_only(env)
    assert result.returncode == 78
    assert "Traceback" not in result.stderr
    assert [m.split(" ", 1)[0] for m in messages(result.stderr)] == [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "POSTGRES_PASSWORD",
    ]


def test_production_uses_postgresql_only() -> None:
    result = manage(
        [
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        valid_env(),
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_a_valid_gunicorn_configuration_checks_clean() -> None:
    result = run_gunicorn_config_only(valid_env())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "GUNICORN_WORKERS",
            "many",
            "GUNICORN_WORKERS must be a whole number, not 'many'. Hint: e.g. GUNICORN_WORKERS=",
        ),
        (
            "GUNICORN_WORKERS",
            "0",
            "GUNICORN_WORKERS must be between 1 and 256, not 0. Hint: e.g. GUNICORN_WORKERS=",
        ),
        (
            "GUNICORN_TIMEOUT",
            "2m",
            "GUNICORN_TIMEOUT must be a whole number, not '2m'. Hint: e.g. GUNICORN_TIMEOUT=140",
        ),
        (
            "GUNICORN_BIND",
            "8000",
            "GUNICORN_BIND entry '8000' is not HOST:PORT (port 1-65535) or unix:PATH. Hint:",
        ),
        (
            "GUNICORN_LOG_LEVEL",
            "loud",
            "GUNICORN_LOG_LEVEL must be one of debug, info, warning, error, critical, not 'loud'.",
        ),
        (
            "GUNICORN_LOG_TO_FILES",
            "yes",
            "GUNICORN_LOG_TO_FILES must be 0, 1, true or false, not 'yes'.",
        ),
    ],
)
def test_a_bad_gunicorn_value_exits_78_with_one_line(name: str, value: str, message: str) -> None:
    result = run_gunicorn_config_only(valid_env(**{name: value}))
    assert result.returncode == 78
    assert "Traceback" not in result.stderr
    [line] = messages(result.stderr)
    assert line.startswith(message)


def test_gunicorn_log_to_files_with_a_missing_directory_exits_78(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    result = run_gunicorn_config_only(valid_env(GUNICORN_LOG_TO_FILES="1", LOG_DIR=str(missing)))
    assert result.returncode == 78
    lines = messages(result.stderr)
    assert lines[0].startswith(
        f"GUNICORN_LOG_TO_FILES is 1 but the directory {missing} does not exist. Hint: create LOG_DIR"
    )


def test_gunicorn_defaults_follow_the_contract() -> None:
    script = (
        "import runpy, json; c = runpy.run_module('keelson.gunicorn_config'); "
        "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'threads', 'timeout', "
        "'graceful_timeout', 'max_requests', 'max_requests_jitter', 'worker_tmp_dir', "
        "'preload_app', 'loglevel', 'forwarded_allow_ips')}))"
    )
    result = subprocess.run(
        [str(BIN / "python"), "-c", script],
        cwd=BACKEND,
        # The whole contract is validated first: the required variables, nothing else.
        env=valid_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "bind": ["0.0.0.0:8000"],
        "workers": 2 * len(os.sched_getaffinity(0)) + 1,
        "threads": 1,
        "timeout": 140,
        "graceful_timeout": 30,
        "max_requests": 1000,
        "max_requests_jitter": 100,
        "worker_tmp_dir": "/dev/shm",
        "preload_app": True,
        "loglevel": "info",
        "forwarded_allow_ips": "127.0.0.1",
    }


def test_gunicorn_log_to_files_writes_access_and_error_logs(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    from httpclient import request, wait_for_status
    from ports import free_port
    from processes import gunicorn

    log_dir = tmp_path / "app-logs"
    log_dir.mkdir()
    port = free_port()
    env = {
        **production_env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_LOG_TO_FILES": "1",
        "LOG_DIR": str(log_dir),
    }
    server = gunicorn(env, tmp_path)
    try:
        wait_for_status(port, "/health/")
        request(port, "/health/", headers={"X-Request-ID": "to-the-file"})
    finally:
        assert server.stop() == 0
    access = [
        json.loads(line) for line in (log_dir / "gunicorn_access.log").read_text().splitlines()
    ]
    errors = [
        json.loads(line) for line in (log_dir / "gunicorn_error.log").read_text().splitlines()
    ]
    assert any(r["request_id"] == "to-the-file" for r in access)
    assert any("Starting gunicorn" in r["message"] for r in errors)
    assert server.stdout() == ""
