"""The drain: SIGTERM makes /ready/ answer 503 at once while every other request is
served for DRAIN_SECONDS; then gunicorn's graceful stop and exit 0."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from httpclient import request
from metrics_support import (
    await_draining,
    metrics_overrides,
    metrics_port,
    scrape_until,
)
from ports import port_is_open
from reliability_ledger import LEDGER
from reliability_load import Load, send
from reliability_support import APP_HEADERS, Watch

pytestmark = pytest.mark.slow

DRAIN = 4


def test_sigterm_drains_then_stops_gracefully_and_no_request_fails(
    app_env, serve, watch: Watch, tmp_path
) -> None:
    env = app_env(DRAIN_SECONDS=str(DRAIN), **metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=3)
    assert request(served.port, "/ready/").status == 200
    paths = ["/health/", "/test/db/", "/admin/login/"]
    with Load(served.port, paths, threads=4, headers=APP_HEADERS, on_outcome=watch.outcome) as load:
        load.wait_for(30)
        signalled = time.monotonic()
        served.process.signal(signal.SIGTERM)
        LEDGER.fault("SIGTERM to the master under load (drain)")
        draining = await_draining(served.process, served.port)
        assert draining.json() == {"status": "draining"}
        drained = scrape_until(
            metrics_port(served.env),
            lambda s: "keelson_ready" in s.samples,
            5,
            "keelson_ready exposed",
        )
        assert drained.value("keelson_ready") == 0
        # Keep the load running until shortly before the drain ends.
        while time.monotonic() - signalled < DRAIN - 0.5:
            assert served.process.running(), "the server stopped before the drain was over"
            late = send(served.port, "/health/")
            watch.outcome(late)
            assert late.status == 200, (late.status, late.error)
            assert request(served.port, "/ready/").status == 503
            time.sleep(0.1)
    outcomes = load.stop()

    during = [o for o in outcomes if o.started >= signalled]
    assert len(during) > 20, "the load kept running through the drain"
    failed = [(o.path, o.status, o.error) for o in outcomes if o.status != 200]
    assert failed == [], failed

    code = served.process.wait(timeout=DRAIN + 20)
    stopped = time.monotonic() - signalled
    assert code == 0
    assert stopped >= DRAIN - 0.5
    assert not port_is_open(served.port)
    messages = [line["message"] for line in served.process.json_lines()]
    assert any(message.startswith("SIGTERM: draining for 4 s") for message in messages)
    assert "drain over: graceful stop" in messages


def test_drain_seconds_0_stops_at_sigterm(app_env, serve) -> None:
    served = serve(app_env(DRAIN_SECONDS="0"), workers=2)
    signalled = time.monotonic()
    served.process.signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0
    assert time.monotonic() - signalled < 5


def test_sigterm_reaches_gunicorn_once_the_drain_is_over_and_in_flight_requests_finish(
    app_env, serve
) -> None:
    """gunicorn started by hand (keelson.gunicorn_config): its own SIGTERM handling (the
    graceful stop) begins only when the drain is over; a request still in flight then
    completes, and the exit is 0."""
    served = serve(app_env(DRAIN_SECONDS="2"), workers=2)
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_flight = pool.submit(
            send, served.port, "/test/slow/?seconds=4", headers=dict(APP_HEADERS), timeout=20
        )
        wait_until_said(served, "slow request started")
        served.process.signal(signal.SIGTERM)
        LEDGER.fault("SIGTERM to a gunicorn started by hand, a request in flight")
        await_draining(served.process, served.port)
        assert request(served.port, "/health/").status == 200
        answer = in_flight.result()
    assert served.process.wait(timeout=30) == 0
    assert answer.status == 200, (answer.status, answer.error)
    said = [line["message"] for line in served.process.json_lines()]
    sequence = ["SIGTERM: draining for 2 s", "drain over: graceful stop", "Handling signal: term"]
    at = [next(i for i, m in enumerate(said) if m.startswith(step)) for step in sequence]
    assert at == sorted(at), list(zip(sequence, at, strict=True))


def wait_until_said(served, text: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line.get("message", "") for line in served.process.json_lines()):
        assert time.monotonic() < deadline, f"no line said {text!r}"
        time.sleep(0.02)
