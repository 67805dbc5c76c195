"""Each bad CELERY_* variable: one line naming it, exit 78, before the broker or the
database is touched; every problem at once; the web role does not need a broker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from processes import BACKEND, base_env
from redis_server import RedisServer
from worker_support import message_has, run_role, wait_for_line

# Nothing listens here: a role that got past the configuration would wait for it.
UNREACHABLE = {"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "9"}

BAD_VALUES = [
    ("CELERY_BROKER_URL", "amqp://guest:guest@rabbit//", "must be a redis:// or rediss:// URL"),
    ("CELERY_BROKER_URL", "redis://:pw@host:99999/0", "is not a valid URL"),
    ("CELERY_BROKER_URL", "redis://:pw@host:6379/zero", "must end with a database number"),
    ("CELERY_RESULT_BACKEND", "http://results", "must be a redis:// or rediss:// URL"),
    ("CELERY_WORKER_CONCURRENCY", "0", "must be between 1 and 256"),
    ("CELERY_WORKER_CONCURRENCY", "many", "must be a whole number"),
    ("CELERY_WORKER_MAX_TASKS_PER_CHILD", "-1", "must be at least 1"),
    ("CELERY_TASK_TIME_LIMIT", "soon", "must be a whole number"),
    ("CELERY_TASK_SOFT_TIME_LIMIT", "400", "must be below CELERY_TASK_TIME_LIMIT"),
    ("CELERY_WORKER_PREFETCH_MULTIPLIER", "0", "must be between 1 and 1000"),
    ("CELERY_BROKER_WAIT_TIMEOUT", "0", "must be between 1 and 3600"),
]


@pytest.fixture
def config_env(production_env: dict[str, str]) -> dict[str, str]:
    return {
        **production_env,
        **UNREACHABLE,
        "CELERY_BROKER_URL": "redis://:a-broker-password@127.0.0.1:9/0",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_role(args, env)


def problem_lines(result: subprocess.CompletedProcess) -> list[str]:
    """The refused start's lines: configuration problems only, nothing else printed."""
    assert result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["logger"] for line in lines} == {"config"}, lines
    return [line["message"] for line in lines]


@pytest.mark.parametrize("role", ["worker", "beat"])
@pytest.mark.parametrize(("name", "value", "words"), BAD_VALUES)
def test_each_bad_celery_variable_exits_78_with_one_line_before_anything(
    config_env: dict[str, str], role: str, name: str, value: str, words: str
) -> None:
    result = run([role], {**config_env, name: value})
    assert result.returncode == 78, result.stderr
    (line,) = problem_lines(result)
    assert line.startswith(f"{name} ")
    assert words in line
    assert "Hint:" in line
    assert value not in line or not value.startswith("redis://"), "a URL is never repeated"


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_a_worker_role_without_a_broker_exits_78(production_env: dict[str, str], role: str) -> None:
    result = run([role], {**production_env, **UNREACHABLE})
    assert result.returncode == 78
    (line,) = problem_lines(result)
    assert line.startswith(
        "CELERY_BROKER_URL is missing (set CELERY_BROKER_URL or CELERY_BROKER_URL_FILE)"
    )


def test_every_problem_is_reported_at_once(production_env: dict[str, str]) -> None:
    env = {**production_env, **UNREACHABLE, "CELERY_WORKER_CONCURRENCY": "0", "DEBUG": "1"}
    env.pop("SECRET_KEY")
    result = run(["worker"], env)
    assert result.returncode == 78
    variables = [line.split(" ", 1)[0] for line in problem_lines(result)]
    assert variables == ["SECRET_KEY", "DEBUG", "CELERY_BROKER_URL", "CELERY_WORKER_CONCURRENCY"]


def test_the_broker_url_may_come_from_a_file_never_both(
    config_env: dict[str, str], tmp_path: Path
) -> None:
    secret = tmp_path / "broker_url"
    secret.write_text("redis://:from-a-file@127.0.0.1:9/0\n")
    result = run(["worker"], {**config_env, "CELERY_BROKER_URL_FILE": str(secret)})
    assert result.returncode == 78
    (line,) = problem_lines(result)
    assert line.startswith("CELERY_BROKER_URL and CELERY_BROKER_URL_FILE are both set")

    missing = run(
        ["worker"],
        {
            **{k: v for k, v in config_env.items() if k != "CELERY_BROKER_URL"},
            "CELERY_BROKER_URL_FILE": str(tmp_path / "absent"),
        },
    )
    assert missing.returncode == 78
    (line,) = problem_lines(missing)
    assert line.startswith("CELERY_BROKER_URL_FILE names ")


def test_the_broker_url_file_is_used(
    worker_env: dict[str, str], redis_server: RedisServer, tmp_path: Path, started
) -> None:
    """Read from the file, the URL reaches the broker, and the password stays masked."""
    secret = tmp_path / "broker_url"
    secret.write_text(redis_server.url() + "\n")
    env = {k: v for k, v in worker_env.items() if k != "CELERY_BROKER_URL"}
    worker = started(["worker"], {**env, "CELERY_BROKER_URL_FILE": str(secret)}, "worker")
    config = wait_for_line(worker, message_has("effective configuration"))
    assert config["config"]["CELERY_BROKER_URL_FILE"] == "********"
    assert ":********@" in config["config"]["CELERY_BROKER_URL"]
    wait_for_line(worker, lambda line: str(line.get("message")).endswith(" answers"))
    assert redis_server.password not in "\n".join(worker.output_lines())


def test_the_web_role_needs_no_broker(production_env: dict[str, str]) -> None:
    env = base_env({**production_env})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_a_bad_celery_value_stops_the_web_role_too(production_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND,
        env={**production_env, "CELERY_TASK_TIME_LIMIT": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 78
    assert json.loads(result.stderr.splitlines()[0])["variable"] == "CELERY_TASK_TIME_LIMIT"


def test_usage_errors_exit_64(production_env: dict[str, str]) -> None:
    assert run(["sing"], production_env).returncode == 64
    assert run(["healthcheck", "web"], production_env).returncode == 64
