"""Slow and hostile clients against gunicorn behind the front, as the image serves:
liveness keeps answering, ordinary requests keep succeeding, limits answer 4xx with one
JSON line, and SIGTERM in the middle of it all lets in-flight requests finish."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from httpclient import request
from ports import port_is_open
from postgres import PostgresServer
from processes import BACKEND, fronted
from reliability_ledger import LEDGER
from reliability_support import (
    APP_HEADERS,
    Served,
    Watch,
    prepare_env,
    start_fronted,
    wait_until,
    watching,
)
from slow_clients import SlowClients, attack, timed_get

pytestmark = pytest.mark.slow

ATTACK_SECONDS = 30
# A /health/ probe answered beside the slow clients takes milliseconds; one held behind
# them waits for the attack to end. A deadline far above the first tells the two apart
# without failing whenever the machine is briefly busy; the share of probes answered
# within a liveness probe's 1 s is a figure of `scripts/bench --only slow`.
PROBE_DEADLINE = 5.0
# The timestamps of every line: UTC, ISO 8601 with milliseconds (keelson.logging).
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")
ORDINARY_REQUESTS = 500


@pytest.fixture(scope="module")
def front_server(
    postgres: PostgresServer, static_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("front")
    with watching() as watched:
        env = prepare_env(postgres, static_root, directory, watched)
        served = start_fronted(env, directory, watched, workers=3)
        yield served
        assert served.process.stop() == 0


def raw_exchange(
    port: int, data: bytes, timeout: float = 10.0
) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # The front may answer (and close) before everything was sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def lines_with_id(served: Served, request_id: str) -> list[dict]:
    return [line for line in served.process.json_lines() if line.get("request_id") == request_id]


def wait_for_lines(served: Served, request_id: str, count: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(found := lines_with_id(served, request_id)) < count:
        if time.monotonic() > deadline:
            return found
        time.sleep(0.05)
    return found


@pytest.mark.once
def test_liveness_and_ordinary_requests_survive_slow_headers_and_bodies(
    front_server: Served,
) -> None:
    workers = front_server.workers()
    LEDGER.fault("200 slow-header and 50 slow-body clients for 30 s")
    report = attack(
        front_server.port,
        seconds=ATTACK_SECONDS,
        ordinary=ORDINARY_REQUESTS,
        ordinary_path="/admin/login/",
        ordinary_headers=APP_HEADERS,
        probe_deadline=PROBE_DEADLINE,
    )
    summary = report.summary()
    # The attack really ran: every attacker connected, the front closed slow headers, and
    # the probes (one every 0.5 s plus its answer) ran through it; half their number
    # leaves room for a few slow answers.
    assert report.counts.opened >= 250, summary
    assert len(report.probes) >= ATTACK_SECONDS, summary
    assert report.probes_ok == len(report.probes), summary
    assert report.ordinary_ok >= ORDINARY_REQUESTS * 0.95, summary
    assert front_server.workers() == workers, "a worker was replaced during the attack"


def test_liveness_body_reports_the_master_and_its_workers(front_server: Served) -> None:
    answer = timed_get(front_server.port, "/health/", PROBE_DEADLINE)
    assert answer.status == 200
    body = request(front_server.port, "/health/", headers={"Host": "anything.invalid"}).json()
    assert body["status"] == "healthy"
    assert body["service"] == "keelson"
    # READY waits for one live worker; the other two follow within moments.
    wait_until(
        lambda: front_server.liveness_workers() == {"alive": 3, "running": 3},
        30,
        "/health/ counting the three workers",
    )


def test_the_image_healthcheck_passes_while_slow_clients_hold_every_worker(
    front_server: Served,
) -> None:
    """`boot healthcheck` (the image's HEALTHCHECK, Compose's) during the attack: what a
    container runtime would judge the container by."""
    with SlowClients(front_server.port, header_clients=200, body_clients=50) as slow:
        slow.wait_until_connected(timeout=15)
        # Ordinary requests cannot get through to a worker now (the proof is above); the
        # healthcheck still can, every time.
        codes = [
            subprocess.run(
                [sys.executable, "-m", "keelson", "healthcheck"],
                cwd=BACKEND,
                env=front_server.env,
                capture_output=True,
                timeout=10,
                check=False,
            ).returncode
            for _ in range(5)
        ]
    assert codes == [0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("kind", "head", "status"),
    [
        (
            "oversized header",
            b"GET /admin/login/ HTTP/1.1\r\nHost: app.example.com\r\n"
            b"X-Request-ID: limits-header\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
            431,
        ),
        (
            "too many headers",
            b"GET /admin/login/ HTTP/1.1\r\nHost: app.example.com\r\n"
            b"X-Request-ID: limits-headers\r\n"
            + b"".join(b"X-Filler-%d: x\r\n" % index for index in range(150))
            + b"\r\n",
            431,
        ),
        (
            "oversized body",
            b"POST /admin/login/ HTTP/1.1\r\nHost: app.example.com\r\n"
            b"X-Request-ID: limits-body\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 20000000\r\n\r\n" + b"a" * 65536,
            413,
        ),
    ],
    ids=["oversized header", "too many headers", "oversized body"],
)
def test_limits_answer_4xx_with_one_json_line_and_no_worker_dies(
    front_server: Served, kind: str, head: bytes, status: int
) -> None:
    LEDGER.bad_input(f"hostile HTTP request: {kind}")
    workers = front_server.workers()
    got, headers, body = raw_exchange(front_server.port, head)
    assert got == status, (got, body[:300])
    request_id = f"limits-{kind.split()[-1]}"
    assert headers.get("x-request-id") == request_id
    logged = wait_for_lines(front_server, request_id, 1)
    access = [line for line in logged if line["logger"].endswith(".access")]
    assert len(access) == 1, logged
    assert access[0]["status"] == status
    assert list(access[0])[:5] == ["timestamp", "level", "logger", "message", "request_id"]
    assert TIMESTAMP.fullmatch(access[0]["timestamp"]), access[0]["timestamp"]
    if body.strip().startswith(b"{"):
        assert json.loads(body)["error"]
    assert front_server.workers() == workers
    front_server.process.json_lines()  # every line the server printed is JSON


def test_a_bad_limit_exits_78_with_one_line_before_anything_listens(
    app_env, tmp_path: Path, watch: Watch
) -> None:
    env = app_env(FRONT_MAX_HEADERS="lots", FRONT_HEADER_TIMEOUT="0", GUNICORN_BIND="127.0.0.1:1")
    process = watch.process(fronted(env, tmp_path, "bad-limits"))
    assert process.wait(timeout=30) == 78
    lines = [line for line in process.json_lines() if line["level"] == "ERROR"]
    assert [line["variable"] for line in lines] == ["FRONT_MAX_HEADERS", "FRONT_HEADER_TIMEOUT"]
    assert lines[0]["message"].startswith("FRONT_MAX_HEADERS must be a whole number")
    assert "Hint: e.g. FRONT_MAX_HEADERS=100" in lines[0]["message"]


@pytest.mark.once
def test_sigterm_during_the_attack_drains_stops_the_front_then_gunicorn_in_flight_finish(
    app_env, tmp_path: Path, watch: Watch
) -> None:
    # Requests of 4 s, a drain of 1 s: they are still in flight when the front stops.
    served = start_fronted(app_env(), tmp_path, watch, workers=3, DRAIN_SECONDS="1")
    with SlowClients(served.port, header_clients=200, body_clients=50) as slow:
        slow.wait_until_connected(timeout=15)
        with ThreadPoolExecutor(max_workers=3) as pool:
            in_flight = [
                pool.submit(
                    timed_get, served.port, "/test/slow/?seconds=4", 20.0, dict(APP_HEADERS)
                )
                for _ in range(3)
            ]
            deadline = time.monotonic() + 10
            while (
                sum(
                    "slow request started" in line.get("message", "")
                    for line in served.process.json_lines()
                )
                < 3
            ):
                assert time.monotonic() < deadline, "the slow requests never reached a worker"
                time.sleep(0.02)
            LEDGER.fault("SIGTERM during the slow-client attack")
            served.process.signal(signal.SIGTERM)
            answers = [future.result() for future in in_flight]
        code = served.process.wait(timeout=60)
    assert [answer.status for answer in answers] == [200, 200, 200], answers
    assert code == 0
    said = [line.get("message", "") for line in served.process.json_lines()]
    sequence = [
        "SIGTERM: draining for 1 s",
        "drain over: graceful stop",
        "SIGTERM: the front stops accepting",
        "Shutting down: Master",
    ]
    at = [next(i for i, m in enumerate(said) if m.startswith(step)) for step in sequence]
    assert at == sorted(at), list(zip(sequence, at, strict=True))


def nginx_master(served: Served) -> int:
    for pid in served.children():
        if Path(f"/proc/{pid}/comm").read_text().strip() == "nginx":
            return pid
    raise AssertionError("no nginx among the boot's children")


def test_a_front_that_dies_stops_gunicorn_and_exits_1(
    app_env, tmp_path: Path, watch: Watch
) -> None:
    served = start_fronted(app_env(), tmp_path, watch, workers=2)
    front = nginx_master(served)
    LEDGER.fault("the front's nginx killed with SIGKILL")
    os.kill(front, signal.SIGKILL)
    assert served.process.wait(timeout=60) == 1
    errors = [line for line in served.process.json_lines() if line["level"] == "ERROR"]
    assert [line["message"] for line in errors] == ["the front (nginx) exited: stopping gunicorn"]
    deadline = time.monotonic() + 10
    while port_is_open(served.port):
        assert time.monotonic() < deadline, "something still listens on the port"
        time.sleep(0.05)
