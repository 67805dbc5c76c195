"""`docker run` as docs/DEPLOYMENT.md section 3 writes it: a read-only root with tmpfs on
/tmp and /app/logs, no capabilities, secrets as files, `--env-file` with the documented
file; what `docker stop` does while the boot waits and while a request is in flight; the
probes with any Host header over plain HTTP; `docker exec <c> boot manage ...`.

The containers share the host's network (no bridge here), so they reach the test's
PostgreSQL on 127.0.0.1 and each binds its own loopback port (GUNICORN_BIND)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import offline_image
import pytest
from container_support import (
    COMPOSE_ENV_EXAMPLE,
    ENV_EXAMPLE,
    Container,
    env_args,
    json_lines,
    write_secrets,
)
from dockerd import DockerEngine
from httpclient import Response, request, wait_for_status
from ports import free_port
from postgres import PostgresServer
from slow_clients import SlowClients, timed_get

pytestmark = pytest.mark.slow

# docs/DEPLOYMENT.md section 3, word for word, but for the network and the published port.
HARDENING = (
    "--read-only", "--tmpfs", "/tmp", "--tmpfs", "/app/logs",
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
)  # fmt: skip
SECRET_FILES = {
    "SECRET_KEY_FILE": "/run/secrets/secret_key",
    "POSTGRES_PASSWORD_FILE": "/run/secrets/postgres_password",
}
FOREIGN_HOST = "not-in-allowed-hosts.example.net"
# Section 3's --stop-timeout: above the drain (10 s) plus gunicorn's graceful timeout (30 s).
STOP_TIMEOUT = "45"
# A /health/ answered beside the slow clients takes milliseconds; one held behind them
# waits for them to stop. A deadline far above the first tells the two apart without
# failing whenever the machine is briefly busy (the 1 s share: `scripts/bench --only slow`).
PROBE_DEADLINE = 5.0
# `docker stop` while the boot waits: SIGTERM, then SIGKILL (137) after this long. The
# boot ends on SIGTERM in a fraction of a second; the grace only has to be far below the
# 60 s wait it cuts short, so that 143 cannot turn into 137 on a briefly busy machine.
WAITING_STOP_TIMEOUT = "10"


def documented_run_args(
    postgres: PostgresServer, database: str, secret_dir: Path, env_file: Path, port: int
) -> list[str]:
    """Section 3's `docker run` flags with this machine's PostgreSQL and a free port."""
    return [
        *HARDENING,
        "--stop-timeout", STOP_TIMEOUT,
        "--network", "host",
        "--volume", f"{secret_dir}:/run/secrets:ro",
        "--env-file", str(env_file),
        *env_args(
            {
                **SECRET_FILES,
                "POSTGRES_HOST": postgres.host,
                "POSTGRES_PORT": str(postgres.port),
                "POSTGRES_DB": database,
                "POSTGRES_USER": postgres.user,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "2",
            }
        ),
        # The image's healthcheck, probed every second instead of every 30 (timing only).
        "--health-interval", "1s",
    ]  # fmt: skip


def documented_env_file(directory: Path) -> Path:
    """keelson.env: a copy of docs/deploy/keelson.env.example, as section 3 says."""
    path = directory / "keelson.env"
    shutil.copyfile(COMPOSE_ENV_EXAMPLE, path)
    return path


def start_documented(
    engine: DockerEngine, image: str, postgres: PostgresServer, directory: Path
) -> tuple[Container, int]:
    """A container started as section 3 documents it, ready: (container, its port)."""
    database = postgres.create_database()
    secret_dir = write_secrets(directory / "secrets", postgres.password)
    port = free_port()
    args = documented_run_args(postgres, database, secret_dir, documented_env_file(directory), port)
    container = Container.run(engine, image, args)
    try:
        wait_for_status(port, "/ready/", 200, timeout=180, headers={"Host": FOREIGN_HOST})
    except TimeoutError:
        container.remove()
        raise
    return container, port


@pytest.fixture(scope="module")
def serving(
    engine: DockerEngine, image: str, postgres: PostgresServer, tmp_path_factory
) -> Iterator[tuple[Container, int]]:
    """One documented container for the tests that only look at it."""
    container, port = start_documented(engine, image, postgres, tmp_path_factory.mktemp("run"))
    yield container, port
    container.remove()


@pytest.fixture
def stoppable(
    engine: DockerEngine, image: str, postgres: PostgresServer, tmp_path: Path
) -> Iterator[tuple[Container, int]]:
    """A documented container of the test's own, to stop."""
    container, port = start_documented(engine, image, postgres, tmp_path)
    yield container, port
    container.remove()


def test_the_documented_run_serves_read_only_without_capabilities(serving) -> None:
    container, port = serving
    host_config = container.inspect()["HostConfig"]
    assert host_config["ReadonlyRootfs"] is True
    assert host_config["CapDrop"] == ["ALL"]
    assert set(host_config["Tmpfs"]) == {"/tmp", "/app/logs"}

    ready = request(port, "/ready/", headers={"Host": FOREIGN_HOST})
    assert ready.status == 200
    assert ready.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}

    # The image's own HEALTHCHECK (`boot healthcheck`) makes it healthy.
    health = container.wait_for_health("healthy", timeout=60)
    assert health["Log"][-1]["ExitCode"] == 0
    boot = f"{offline_image.STORE_PATHS['boot']}/bin/boot"
    assert container.inspect()["Config"]["Healthcheck"]["Test"] == ["CMD", boot, "healthcheck"]


def test_probes_answer_any_host_over_plain_http_other_paths_keep_the_rules(serving) -> None:
    _, port = serving
    for path in ("/health/", "/ready/"):
        assert request(port, path, headers={"Host": FOREIGN_HOST}).status == 200, path
    # keelson.env's ALLOWED_HOSTS=localhost,127.0.0.1 and SECURE_SSL_REDIRECT=1.
    assert request(port, "/admin/", headers={"Host": FOREIGN_HOST}).status == 400
    redirect = request(port, "/admin/", headers={"Host": "localhost"})
    assert redirect.status == 301
    assert redirect.header("Location") == "https://localhost/admin/"


def test_docker_exec_boot_manage_showmigrations_lists_them_applied(serving) -> None:
    container, _ = serving
    result = container.exec("boot", "manage", "showmigrations")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "admin" in lines
    assert " [X] 0001_initial" in lines
    assert not [line for line in lines if "[ ]" in line], "every migration is applied"


def test_every_line_of_a_served_container_is_json(serving) -> None:
    container, port = serving
    request(port, "/health/", headers={"Host": FOREIGN_HOST})
    lines = container.json_lines()
    assert any(line["message"] == "starting gunicorn behind the front" for line in lines)
    assert any(line["logger"] == "gunicorn.access" for line in lines)


def test_slow_clients_hold_no_worker_of_the_documented_run(serving) -> None:
    """`docker run -p` exposes the image to anyone: with 200 connections dripping headers
    and 50 dripping bodies at it (uid 10001, read-only root, no capabilities, 2 workers),
    /health/ keeps answering, the image's HEALTHCHECK command passes and an ordinary
    request reaches a worker."""
    container, port = serving
    with SlowClients(port, header_clients=200, body_clients=50) as slow:
        slow.wait_until_connected(timeout=30)
        probes = [
            timed_get(port, "/health/", PROBE_DEADLINE, {"Host": FOREIGN_HOST}) for _ in range(5)
        ]
        checks = [container.exec("boot", "healthcheck").returncode for _ in range(3)]
        ready = timed_get(port, "/ready/", 5.0, {"Host": FOREIGN_HOST})
        counts = slow.counts
    assert counts.opened >= 250, counts
    assert [probe.status for probe in probes] == [200] * 5, probes
    assert checks == [0, 0, 0]
    assert ready.status == 200, ready


def test_docker_stop_lets_the_request_in_flight_finish_then_exits_0(
    stoppable, engine: DockerEngine, postgres: PostgresServer
) -> None:
    container, port = stoppable
    database = container.inspect()["Config"]["Env"]
    dbname = next(entry.split("=", 1)[1] for entry in database if entry.startswith("POSTGRES_DB="))
    answers: list[Response] = []
    with postgres.connect(dbname) as lock:
        # The request reads its session and waits on this lock: in flight, for as long as
        # the test holds it.
        lock.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
        slow = threading.Thread(
            target=lambda: answers.append(
                request(
                    port,
                    "/admin/",
                    headers={
                        "Host": "localhost",
                        "X-Forwarded-Proto": "https",
                        "Cookie": f"sessionid={secrets.token_hex(16)}",
                    },
                    timeout=60,
                )
            )
        )
        slow.start()
        wait_for_waiting_backend(postgres, dbname)
        stop = engine.popen("stop", "--time", STOP_TIMEOUT, container.id, stdout=subprocess.DEVNULL)
        # After the drain (DRAIN_SECONDS, 10 s by default) the front stops accepting and
        # waits for what it holds, this request among them; gunicorn's graceful stop
        # follows once it has completed.
        container.wait_for_line(
            lambda line: line["message"].startswith("SIGTERM: the front stops accepting"),
            timeout=30,
        )
        assert slow.is_alive(), "the request must still be in flight when the front stops"
        lock.rollback()
    slow.join(timeout=30)
    assert stop.wait(timeout=60) == 0
    assert len(answers) == 1
    assert answers[0].status == 302, "the request completed (to the admin login)"
    assert container.state()["ExitCode"] == 0


def wait_for_waiting_backend(postgres: PostgresServer, dbname: str, timeout: float = 30) -> None:
    """Until one of the service's connections waits on a lock."""
    deadline = time.monotonic() + timeout
    with postgres.connect("postgres", autocommit=True) as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                " AND application_name = 'keelson' AND wait_event_type = 'Lock'",
                (dbname,),
            ).fetchone()[0]
            if waiting:
                return
            time.sleep(0.05)
    raise TimeoutError("the request never waited on the lock")


def test_docker_stop_while_the_boot_waits_for_postgresql_exits_143(
    run: Callable[..., Container],
) -> None:
    container = run(
        "--network", "none",
        *env_args(
            {
                "SECRET_KEY": secrets.token_urlsafe(50),
                "POSTGRES_PASSWORD": "unused",
                "ALLOWED_HOSTS": "localhost",
                "POSTGRES_HOST": "127.0.0.1",
            }
        ),
    )  # fmt: skip
    container.wait_for_line(lambda line: line["message"].startswith("waiting for PostgreSQL"))
    # 143, not 137: the boot ended on SIGTERM, before the grace ran out.
    container.engine.docker("stop", "--time", WAITING_STOP_TIMEOUT, container.id)
    assert container.state()["ExitCode"] == 143
    last = container.json_lines()[-1]
    assert last["exit_code"] == 143
    assert "SIGTERM" in last["message"]


def test_log_files_without_a_writable_log_dir_exit_78_with_one_line(
    engine: DockerEngine, image: str
) -> None:
    env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": "unused",
        "ALLOWED_HOSTS": "localhost",
        "DJANGO_LOG_TO_FILES": "1",
    }
    # /app/logs of a read-only root, no tmpfs over it: not writable by uid 10001.
    result = engine.docker(
        "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp",
        *env_args(env), image, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 78, result.stdout + result.stderr
    lines = json_lines((result.stdout + result.stderr).splitlines())
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert errors[0]["exit_code"] == 78
    assert "DJANGO_LOG_TO_FILES" in errors[0]["message"]


def test_env_example_as_it_is_keeps_its_quotes_in_docker_run_and_is_refused(
    engine: DockerEngine, image: str
) -> None:
    """docs/DEPLOYMENT.md: `docker run --env-file` keeps quotes as part of a value."""
    written = next(
        line.split("=", 1)[1]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    )
    assert written.startswith("'"), ".env.example quotes its SECRET_KEY"
    seen = engine.docker(
        "run", "--rm", "--network", "none", "--env-file", str(ENV_EXAMPLE),
        "--entrypoint", f"{offline_image.STORE_PATHS['pythonEnv']}/bin/python", image,
        "-c", "import os; print(os.environ['SECRET_KEY'])", timeout=300,
    )  # fmt: skip
    assert seen.stdout.rstrip("\n") == written

    checked = engine.docker(
        "run", "--rm", "--network", "none", "--env-file", str(ENV_EXAMPLE), image, "check",
        check=False, timeout=300,
    )  # fmt: skip
    assert checked.returncode == 78
    errors = [
        line
        for line in json_lines((checked.stdout + checked.stderr).splitlines())
        if line["level"] == "ERROR"
    ]
    assert [line.get("variable") for line in errors] == ["SECRET_KEY"]
    assert "placeholder" in errors[0]["message"]


def test_a_secret_directory_only_root_may_enter_is_exit_78_naming_the_file(
    engine: DockerEngine, image: str, tmp_path: Path
) -> None:
    """`-v secrets:/run/secrets` mounts the directory as it is: 0700 keeps uid 10001 out,
    whatever the files' modes (Compose secrets mount each file, so there it works)."""
    secret_dir = write_secrets(tmp_path / "secrets", "unused")
    secret_dir.chmod(0o700)
    env = {**SECRET_FILES, "ALLOWED_HOSTS": "localhost"}
    result = engine.docker(
        "run", "--rm", "--network", "none", "--volume", f"{secret_dir}:/run/secrets:ro",
        *env_args(env), image, "check", check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 78, result.stdout + result.stderr
    errors = [
        line
        for line in json_lines((result.stdout + result.stderr).splitlines())
        if line["level"] == "ERROR"
    ]
    assert [line["variable"] for line in errors] == ["SECRET_KEY_FILE", "POSTGRES_PASSWORD_FILE"]
    assert errors[0]["message"].startswith(
        "SECRET_KEY_FILE names /run/secrets/secret_key, which cannot be read (Permission denied)"
    )
