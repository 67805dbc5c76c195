"""Faults 2-4: a request beyond the worker timeout, a worker killed with SIGKILL, and
SIGTERM to the master, each while other requests keep coming."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from ports import port_is_open
from reliability_ledger import LEDGER
from reliability_load import Load, send
from reliability_support import APP_HEADERS, Served, Watch, wait_until

pytestmark = pytest.mark.slow


def replaced(served: Served, gone: int, count: int):
    def check() -> bool:
        workers = served.workers()
        return gone not in workers and len(workers) == count

    return check


def timed_out_worker(served: Served) -> int | None:
    for line in served.process.json_lines():
        if line["message"].startswith("WORKER TIMEOUT (pid:"):
            return int(line["message"].removeprefix("WORKER TIMEOUT (pid:").rstrip(")"))
    return None


def error_lines(served: Served) -> list[dict]:
    return [line for line in served.process.json_lines() if line["level"] in ("ERROR", "CRITICAL")]


def test_request_beyond_worker_timeout_is_cut_off_with_one_error_line(
    app_env, serve, watch: Watch
) -> None:
    served = serve(app_env(), workers=2, GUNICORN_TIMEOUT="2")
    before = served.workers()
    with Load(served.port, ["/health/"], threads=2, on_outcome=watch.outcome) as load:
        load.wait_for(10)
        slow = send(served.port, "/test/slow/?seconds=30", headers=dict(APP_HEADERS), timeout=25)
        LEDGER.fault("request beyond GUNICORN_TIMEOUT")
        watch.outcome(slow)
        wait_until(lambda: timed_out_worker(served), 10, "the master's WORKER TIMEOUT line")
        gone = timed_out_worker(served)
        assert gone in before
        wait_until(replaced(served, gone, 2), 15, "the timed-out worker's replacement")
        answered = len(load.snapshot())
        load.wait_for(answered + 10)
    outcomes = load.stop()

    assert slow.status == 500, (slow.status, slow.error)
    assert slow.ended - slow.started < 15, "the request was not cut off"
    assert [o.status for o in outcomes if o.status != 200] == []
    errors = error_lines(served)
    request_lines = [line for line in errors if "/test/slow/" in line["message"]]
    assert len(request_lines) == 1, errors
    assert "GUNICORN_TIMEOUT" in request_lines[0]["message"]
    assert "exception" not in request_lines[0]
    assert any(line["message"] == f"WORKER TIMEOUT (pid:{gone})" for line in errors)
    assert len(errors) == 2, errors


def test_killed_worker_is_replaced_and_only_its_request_fails(app_env, serve, watch: Watch) -> None:
    served = serve(app_env(), workers=2)
    paths = ["/test/slow/?seconds=0.2", "/health/"]
    with Load(served.port, paths, threads=4, headers=APP_HEADERS, on_outcome=watch.outcome) as load:
        load.wait_for(20)
        victim = min(served.workers())
        os.kill(victim, signal.SIGKILL)
        LEDGER.fault("worker killed with SIGKILL under load")
        wait_until(replaced(served, victim, 2), 15, "the killed worker's replacement")
        answered = len(load.snapshot())
        load.wait_for(answered + 20)
    outcomes = load.stop()

    failed = [o for o in outcomes if o.status != 200]
    # A sync worker with one thread holds one request at a time: at most that one fails.
    assert len(failed) <= 1, [(o.path, o.status, o.error) for o in failed]
    assert all(o.error in ("closed without an answer", "connection reset") for o in failed)


def test_sigterm_under_load_finishes_in_flight_refuses_new_and_exits_0(
    app_env, serve, watch: Watch
) -> None:
    graceful = 10
    # No drain: gunicorn's graceful stop itself (test_drain.py covers what comes first).
    served = serve(app_env(), workers=3, GUNICORN_GRACEFUL_TIMEOUT=str(graceful), DRAIN_SECONDS="0")
    with (
        Load(served.port, ["/health/"], threads=2, on_outcome=watch.outcome) as load,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        load.wait_for(20)
        in_flight = [
            pool.submit(
                send, served.port, "/test/slow/?seconds=2", headers=dict(APP_HEADERS), timeout=20
            )
            for _ in range(2)
        ]
        wait_until(
            lambda: served.process.stdout().count("slow request started") == 2,
            10,
            "both slow requests reaching a worker",
        )
        signalled = time.monotonic()
        served.process.signal(signal.SIGTERM)
        LEDGER.fault("SIGTERM to the master under load")
        wait_until(lambda: not port_is_open(served.port), 5, "the listener closing")
        refused = send(served.port, "/health/")
        watch.outcome(refused)
        code = served.process.wait(timeout=graceful + 10)
        exited = time.monotonic() - signalled
        slow = [future.result() for future in in_flight]
    outcomes = load.stop()
    for outcome in slow:
        watch.outcome(outcome)

    assert [(o.status, o.response.json()) for o in slow] == [(200, {"slept": 2.0})] * 2
    assert refused.error == "connection refused"
    assert code == 0
    assert exited < graceful
    assert all(o.status == 200 for o in outcomes if o.status is not None)
    # Requests sent after the signal are refused; ones still in the kernel's accept queue
    # when the listener closed are reset (never more than one per client thread).
    late = [o for o in outcomes if o.error and o.started < signalled]
    assert len(late) <= 2, late
    assert all(
        o.error in ("connection refused", "connection reset", "closed without an answer")
        for o in outcomes
        if o.error
    )
