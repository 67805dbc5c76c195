"""docs/deploy/compose.yaml as written, with Compose v2 (Debian trixie's), only the
images overridden (the offline image; PostgreSQL from trixie, as no registry can be
reached): db healthy, `migrate` once with exit 0, web healthy through the image's own
healthcheck, /ready/ through the published port, every line JSON, `down` within the
stop grace period."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import offline_image
import pytest
import yaml
from container_support import COMPOSE_ENV_EXAMPLE, COMPOSE_FILE, Container
from dockerd import DockerEngine
from httpclient import request, wait_for_status
from ports import free_port, port_is_open

pytestmark = pytest.mark.slow

COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text())
PUBLISHED = COMPOSE["services"]["web"]["ports"][0]  # "127.0.0.1:8000:8000"
FOREIGN_HOST = "not-in-allowed-hosts.example.net"


@dataclass
class Stack:
    engine: DockerEngine
    command: list[str]
    project: str
    port: int

    def compose(self, *args: str, timeout: float = 600, check: bool = True):
        return self.engine.docker(*self.command, *args, timeout=timeout, check=check)

    def container(self, service: str) -> Container:
        ids = self.containers(service)
        assert len(ids) == 1, f"{service}: {len(ids)} containers"
        return Container(self.engine, ids[0])

    def containers(self, service: str) -> list[str]:
        result = self.engine.docker(
            "ps", "--all", "--quiet",
            "--filter", f"label=com.docker.compose.project={self.project}",
            "--filter", f"label=com.docker.compose.service={service}",
        )  # fmt: skip
        return result.stdout.split()


@pytest.fixture(scope="module")
def stack(engine: DockerEngine, image: str, db_image: str, tmp_path_factory) -> Iterator[Stack]:
    """`docker compose up -d` in a directory laid out as docs/DEPLOYMENT.md section 4 says."""
    directory = tmp_path_factory.mktemp("compose")
    shutil.copyfile(COMPOSE_ENV_EXAMPLE, directory / "keelson.env")
    secret_dir = directory / "secrets"
    secret_dir.mkdir()
    for name, length in (("secret_key", 50), ("postgres_password", 24)):
        (secret_dir / name).write_text(secrets.token_urlsafe(length) + "\n")
        (secret_dir / name).chmod(0o644)
    host, host_port, _ = PUBLISHED.split(":")
    override = (
        "services:\n"
        f"  db:\n    image: {db_image}\n"
        f"  migrate:\n    image: {image}\n"
        f"  web:\n    image: {image}\n"
    )
    port = int(host_port)
    if port_is_open(port, host):
        # Something else on this machine holds 8000: publish the same way on another port.
        port = free_port()
        override += f'    ports: !override ["{host}:{port}:8000"]\n'
    (directory / "images.yaml").write_text(override)
    project = f"keelson-test-{secrets.token_hex(3)}"
    command = [
        "compose", "--project-name", project, "--project-directory", str(directory),
        "--file", str(COMPOSE_FILE), "--file", str(directory / "images.yaml"),
    ]  # fmt: skip
    stack = Stack(engine, command, project, port)
    try:
        up = stack.compose("up", "--detach", check=False)
        logs = stack.compose("logs", "--no-color", check=False)
        assert up.returncode == 0, up.stderr + logs.stdout + logs.stderr
        yield stack
    finally:
        stack.compose("down", "--volumes", "--timeout", "5", check=False)


def started(state: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(state[key][:26].rstrip("Z") + "+00:00")


def test_db_becomes_healthy_then_migrate_runs_once_and_exits_0(stack: Stack) -> None:
    stack.container("db").wait_for_health("healthy", timeout=120)
    migrate = stack.container("migrate")
    assert migrate.wait_exit(timeout=300) == 0
    state = migrate.state()
    assert state["Status"] == "exited"
    assert migrate.inspect()["RestartCount"] == 0
    assert any(line["message"] == "migrations done" for line in migrate.json_lines())
    web = stack.container("web").state()
    assert started(state, "FinishedAt") <= started(web, "StartedAt"), "web waited for migrate"


def test_web_becomes_healthy_through_the_images_own_healthcheck(stack: Stack) -> None:
    web = stack.container("web")
    health = web.wait_for_health("healthy", timeout=180)
    assert health["Log"][-1]["ExitCode"] == 0
    check = web.inspect()["Config"]["Healthcheck"]
    boot = f"{offline_image.STORE_PATHS['boot']}/bin/boot"
    assert check["Test"] == ["CMD", boot, "healthcheck"], "the image's test, kept"
    assert check["Interval"] == 10 * 10**9, "compose.yaml's timing"


def test_web_runs_hardened_as_compose_yaml_says(stack: Stack) -> None:
    config = stack.container("web").inspect()
    host = config["HostConfig"]
    assert config["Config"]["User"] == "10001:10001"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert set(host["Tmpfs"]) == {"/tmp", "/app/logs"}
    assert config["Config"]["StopTimeout"] == 40


def test_ready_answers_200_through_the_published_port(stack: Stack) -> None:
    ready = wait_for_status(stack.port, "/ready/", 200, timeout=120)
    assert ready.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}


def test_probes_on_the_containers_address_answer_a_foreign_host(stack: Stack) -> None:
    networks = stack.container("web").inspect()["NetworkSettings"]["Networks"]
    address = next(iter(networks.values()))["IPAddress"]
    for path in ("/health/", "/ready/"):
        answer = request(8000, path, host=address, headers={"Host": FOREIGN_HOST})
        assert answer.status == 200, path
    assert request(8000, "/admin/", host=address, headers={"Host": FOREIGN_HOST}).status == 400


def test_every_line_migrate_and_web_print_is_json(stack: Stack) -> None:
    """Read from the engine (`docker logs`), as docs/DEPLOYMENT.md section 7 does: Compose
    2.25-2.26 (trixie's) starts every line of `docker compose logs` with an ANSI
    erase-line code, even into a pipe (docker/compose#11727)."""
    web = stack.container("web").json_lines()
    migrate = stack.container("migrate").json_lines()
    assert any(line["message"] == "starting gunicorn behind the front" for line in web)
    assert any(line["message"] == "migrations done" for line in migrate)


def test_down_stops_web_with_exit_0_within_its_stop_grace_period(stack: Stack) -> None:
    web = stack.container("web")
    # `docker wait` reports the exit code even though `down` removes the container.
    waiter = stack.engine.popen("wait", web.id, stdout=subprocess.PIPE, text=True)
    stack.compose("down", timeout=180)
    output, _ = waiter.communicate(timeout=60)
    # SIGKILL after 40 s would be 137: 0 is gunicorn's graceful stop, inside the period.
    assert output.strip() == "0"
