"""docs/deploy/compose.yaml as written, with Compose v2 (Debian trixie's), only the
images overridden (the offline image; PostgreSQL and Redis from trixie, as no registry
can be reached): db and redis healthy, `migrate` once with exit 0, web healthy through
the image's own healthcheck, /ready/ through the published port, worker healthy through
a ping task round trip, beat holding its lock, every line JSON, no secret in any output,
`down` stops web, worker and beat with exit 0 within their stop grace periods. Mail,
media and the cache are configured as compose.yaml writes them: the SMTP server (with
STARTTLS) and the S3 API server are the test's own, on this machine, reached from the
Compose network through its gateway under the names keelson.env gives them."""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import offline_image
import pytest
import yaml
from container_support import COMPOSE_ENV_EXAMPLE, COMPOSE_FILE, Container, json_lines
from dockerd import DockerEngine
from httpclient import request, wait_for_status
from ports import free_port, port_is_open
from service_servers import S3Server, SmtpServer

pytestmark = pytest.mark.slow

COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text())
PUBLISHED = COMPOSE["services"]["web"]["ports"][0]  # "127.0.0.1:8000:8000"
FOREIGN_HOST = "not-in-allowed-hosts.example.net"
KEELSON_SERVICES = ("migrate", "web", "worker", "beat")
STOPPED_BY_DOWN = ("web", "worker", "beat")
# The test's own servers, as the Compose services name them (extra_hosts: the gateway).
MAIL_HOST, S3_HOST = "mail.test", "s3.test"
SMTP_USER = "compose-mailer"
BUCKET = "compose-media"
CA_IN_CONTAINER = "/run/test-ca.pem"


def grace_seconds(service: str) -> int:
    """compose.yaml's stop_grace_period of `service` ("45s", "5m30s") in seconds."""
    value = COMPOSE["services"][service]["stop_grace_period"]
    parts = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", value)
    assert value, f"{service}: an empty stop_grace_period"
    assert parts, f"{service}: stop_grace_period {value!r}"
    return int(parts[1] or 0) * 60 + int(parts[2] or 0)


@dataclass
class Stack:
    engine: DockerEngine
    command: list[str]
    project: str
    port: int
    # Every secret the stack was given; none may appear in any output.
    secrets: list[str]
    # What `up` printed.
    up_output: str
    smtp: SmtpServer
    s3: S3Server
    s3_keys: tuple[str, str]

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
def stack(
    engine: DockerEngine, image: str, db_image: str, redis_image_reference: str, tmp_path_factory
) -> Iterator[Stack]:
    """`docker compose up -d` in a directory laid out as docs/DEPLOYMENT.md section 4 says."""
    directory = tmp_path_factory.mktemp("compose")
    # The services' servers listen on every interface: the containers reach this machine
    # through their network's gateway.
    smtp_password = secrets.token_urlsafe(18)
    smtp = SmtpServer(
        directory / "smtp", SMTP_USER, smtp_password, host="0.0.0.0", names=(MAIL_HOST,)
    )
    s3 = S3Server(directory / "s3", host="0.0.0.0")
    s3_keys = (f"AKIA{secrets.token_hex(8).upper()}", secrets.token_urlsafe(30))
    s3.client(*s3_keys).create_bucket(Bucket=BUCKET)
    # keelson.env as an operator edits it: the bucket, and the store's endpoint.
    env_file = COMPOSE_ENV_EXAMPLE.read_text()
    edits = {
        "MEDIA_S3_BUCKET=change-me": f"MEDIA_S3_BUCKET={BUCKET}",
        "# MEDIA_S3_ENDPOINT_URL=https://minio.internal:9000": f"MEDIA_S3_ENDPOINT_URL=http://{S3_HOST}:{s3.port}",
        "# MEDIA_S3_ADDRESSING_STYLE=path": "MEDIA_S3_ADDRESSING_STYLE=path",
    }
    for example, edited in edits.items():
        assert example in env_file, example
        env_file = env_file.replace(example, edited)
    (directory / "keelson.env").write_text(env_file)
    secret_dir = directory / "secrets"
    secret_dir.mkdir()
    values = {
        "secret_key": secrets.token_urlsafe(50),
        "postgres_password": secrets.token_urlsafe(24),
        "redis_password": secrets.token_urlsafe(24),
        "email_url": f"smtp://{SMTP_USER}:{smtp_password}@{MAIL_HOST}:{smtp.port}",
        "media_s3_access_key_id": s3_keys[0],
        "media_s3_secret_access_key": s3_keys[1],
    }
    values["broker_url"] = f"redis://:{values['redis_password']}@redis:6379/0"
    values["cache_url"] = f"redis://:{values['redis_password']}@redis:6379/2"
    for name, value in values.items():
        (secret_dir / name).write_text(value + "\n")
        (secret_dir / name).chmod(0o644)
    host, host_port, _ = PUBLISHED.split(":")
    # A network whose gateway (this machine) is known before `up`; the containers trust
    # the SMTP server's certificate (OpenSSL's SSL_CERT_FILE).
    subnet = f"10.213.{secrets.randbelow(250)}"
    gateway = f"{subnet}.1"
    keelson_override = (
        f"    image: {image}\n"
        f'    extra_hosts: ["{MAIL_HOST}:{gateway}", "{S3_HOST}:{gateway}"]\n'
        f"    environment:\n      SSL_CERT_FILE: {CA_IN_CONTAINER}\n"
        f'    volumes: ["{smtp.cert}:{CA_IN_CONTAINER}:ro"]\n'
    )
    override = (
        "networks:\n  default:\n    ipam:\n"
        f'      config: [{{subnet: "{subnet}.0/24", gateway: "{gateway}"}}]\n'
        "services:\n"
        f"  db:\n    image: {db_image}\n"
        f"  redis:\n    image: {redis_image_reference}\n"
        + "".join(f"  {service}:\n{keelson_override}" for service in KEELSON_SERVICES)
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
    stack = Stack(engine, command, project, port, list(values.values()), "", smtp, s3, s3_keys)
    try:
        up = stack.compose("up", "--detach", check=False)
        stack.up_output = up.stdout + up.stderr
        logs = stack.compose("logs", "--no-color", check=False)
        assert up.returncode == 0, up.stderr + logs.stdout + logs.stderr
        yield stack
    finally:
        stack.compose("down", "--volumes", "--timeout", "5", check=False)
        smtp.stop()
        s3.stop()


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
    assert config["Config"]["StopTimeout"] == grace_seconds("web")


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


def test_redis_becomes_healthy_through_compose_yamls_check(stack: Stack) -> None:
    redis = stack.container("redis")
    health = redis.wait_for_health("healthy", timeout=120)
    assert health["Log"][-1]["ExitCode"] == 0
    config = redis.inspect()
    assert config["Config"]["Cmd"][:2] == ["sh", "-c"], "compose.yaml's command, as written"
    assert any(mount["Destination"] == "/data" for mount in config["Mounts"])


def test_worker_becomes_healthy_through_a_ping_task_round_trip(stack: Stack) -> None:
    worker = stack.container("worker")
    health = worker.wait_for_health("healthy", timeout=240)
    last = health["Log"][-1]
    assert last["ExitCode"] == 0
    assert worker.inspect()["Config"]["Healthcheck"]["Test"] == [
        "CMD", "boot", "healthcheck", "worker",
    ]  # fmt: skip
    answers = [json_line["message"] for json_line in json_lines(last["Output"].splitlines())]
    assert any(message.endswith("answered the ping task") for message in answers), answers
    assert worker.inspect()["RestartCount"] == 0


def test_beat_becomes_healthy_and_holds_the_lock(stack: Stack) -> None:
    beat = stack.container("beat")
    health = beat.wait_for_health("healthy", timeout=240)
    last = health["Log"][-1]
    assert last["ExitCode"] == 0
    messages = [line["message"] for line in json_lines(last["Output"].splitlines())]
    assert messages == ["healthcheck beat: the beat holds the beat lock and ticks"], messages
    assert any(
        line["message"] == "beat: holding the beat lock: scheduling" for line in beat.json_lines()
    )


def test_every_line_keelson_services_print_is_json(stack: Stack) -> None:
    """Read from the engine (`docker logs`), as docs/DEPLOYMENT.md section 7 does: Compose
    2.25-2.26 (trixie's) starts every line of `docker compose logs` with an ANSI
    erase-line code, even into a pipe (docker/compose#11727)."""
    stack.container("worker").wait_for_health("healthy", timeout=240)
    stack.container("beat").wait_for_health("healthy", timeout=240)
    lines = {service: stack.container(service).json_lines() for service in KEELSON_SERVICES}
    assert any(line["message"] == "starting gunicorn behind the front" for line in lines["web"])
    assert any(line["message"] == "migrations done" for line in lines["migrate"])
    assert lines["worker"], "worker printed nothing"
    assert lines["beat"], "beat printed nothing"


def manage(stack: Stack, service: str, *args: str) -> str:
    """`boot manage ARGS` in the running container of `service`: what it printed."""
    result = stack.compose("exec", "-T", service, "boot", "manage", *args, timeout=180)
    return result.stdout


def test_mail_media_and_the_cache_work_as_compose_yaml_configures_them(stack: Stack) -> None:
    stack.container("web").wait_for_health("healthy", timeout=180)
    stack.container("worker").wait_for_health("healthy", timeout=240)
    # The cache: set through web, read through the worker (one Redis, database 2).
    value = secrets.token_hex(8)
    manage(
        stack,
        "web",
        "shell",
        "-c",
        f"from django.core.cache import cache; cache.set('compose-key', '{value}', 300)",
    )
    read = manage(
        stack,
        "worker",
        "shell",
        "-c",
        "from django.core.cache import cache; print('cached=' + str(cache.get('compose-key')))",
    )
    assert f"cached={value}" in read
    # Media: a file saved through default_storage is in the test's bucket.
    saved = manage(
        stack,
        "web",
        "shell",
        "-c",
        "from django.core.files.base import ContentFile; from django.core.files.storage import default_storage; print('saved=' + default_storage.save('compose/hello.txt', ContentFile(b'from compose')))",
    )
    assert "saved=compose/hello.txt" in saved
    stored = stack.s3.client(*stack.s3_keys).get_object(Bucket=BUCKET, Key="compose/hello.txt")
    assert stored["Body"].read() == b"from compose"
    # Mail: over STARTTLS to the test's server, with the credentials of the secret.
    manage(stack, "web", "sendtestemail", "ada@example.com")
    deadline = time.monotonic() + 30
    while not stack.smtp.messages() and time.monotonic() < deadline:
        time.sleep(0.1)
    (message,) = stack.smtp.messages()
    assert b"To: ada@example.com" in message
    assert b"From: noreply@example.com" in message


def test_no_secret_appears_in_any_output(stack: Stack) -> None:
    """Logs of every service, `up`'s output and each healthcheck's output."""
    stack.container("worker").wait_for_health("healthy", timeout=240)
    outputs = {"up": stack.up_output}
    for service in ("db", "redis", *KEELSON_SERVICES):
        container = stack.container(service)
        outputs[service] = "\n".join(container.logs())
        health = container.state().get("Health") or {"Log": []}
        outputs[f"{service} healthcheck"] = "\n".join(entry["Output"] for entry in health["Log"])
    for name, output in outputs.items():
        for secret in stack.secrets:
            assert secret not in output, f"a secret in {name}'s output"


def test_down_stops_web_worker_and_beat_with_exit_0_within_their_grace(stack: Stack) -> None:
    stack.container("worker").wait_for_health("healthy", timeout=240)
    stack.container("beat").wait_for_health("healthy", timeout=240)
    # `docker wait` reports the exit code even though `down` removes the container.
    waiters = {
        service: stack.engine.popen(
            "wait", stack.container(service).id, stdout=subprocess.PIPE, text=True
        )
        for service in STOPPED_BY_DOWN
    }
    for service in STOPPED_BY_DOWN:
        stop_timeout = stack.container(service).inspect()["Config"]["StopTimeout"]
        assert stop_timeout == grace_seconds(service), service
    stack.compose("down", timeout=max(map(grace_seconds, STOPPED_BY_DOWN)) + 60)
    # SIGKILL at the end of the grace period would be 137: 0 is each role's own stop
    # (web: the drain, then gunicorn's graceful stop; worker: warm shutdown), inside it.
    codes = {
        service: waiter.communicate(timeout=60)[0].strip() for service, waiter in waiters.items()
    }
    assert codes == dict.fromkeys(STOPPED_BY_DOWN, "0")
