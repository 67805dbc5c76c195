"""Metrics served by the master on METRICS_BIND, adding up across workers: exact counts
over several workers, through a SIGKILL and through max_requests recycling, with bounded
labels, never on the application's port."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from httpclient import request
from metrics_support import metrics_overrides, metrics_port, scrape, scrape_until
from ports import free_port
from processes import gunicorn
from reliability_ledger import LEDGER
from reliability_load import Load, send
from reliability_support import APP_HEADERS, Watch

pytestmark = pytest.mark.slow

REQUESTS = "keelson_http_requests_total"
DURATION_COUNT = "keelson_http_request_duration_seconds_count"
DB_ROUTE = {"route": "test/db/", "method": "GET", "status": "200"}


def served_by(outcomes) -> set[int]:
    return {o.response.json()["pid"] for o in outcomes if o.status == 200}


def test_n_requests_over_three_workers_add_up_to_exactly_n(
    app_env, serve, watch: Watch, tmp_path: Path
) -> None:
    env = app_env(**metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=3)
    port = metrics_port(served.env)
    before = scrape(port).value(REQUESTS, **DB_ROUTE)
    n = 240
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(
            pool.map(lambda _: send(served.port, "/test/db/", headers=dict(APP_HEADERS)), range(n))
        )
    for outcome in outcomes:
        watch.outcome(outcome)

    assert [o.status for o in outcomes] == [200] * n
    assert served_by(outcomes) == served.workers(), "every worker served some of them"
    after = scrape(port)
    assert after.value(REQUESTS, **DB_ROUTE) - before == n
    assert after.value(DURATION_COUNT, route="test/db/", method="GET") == n


def test_a_worker_killed_mid_run_keeps_totals_monotonic_and_counted(
    app_env, serve, watch: Watch, tmp_path: Path
) -> None:
    env = app_env(**metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=3)
    port = metrics_port(served.env)
    totals: list[float] = []
    with Load(
        served.port, ["/test/db/"], threads=4, headers=APP_HEADERS, on_outcome=watch.outcome
    ) as load:
        load.wait_for(60)
        victim = min(served.workers())
        while victim not in served_by(load.snapshot()):
            totals.append(scrape(port).value(REQUESTS, **DB_ROUTE))
            load.wait_for(len(load.snapshot()) + 10)
        totals.append(scrape(port).value(REQUESTS, **DB_ROUTE))
        os.kill(victim, signal.SIGKILL)
        LEDGER.fault("worker killed with SIGKILL while metrics are counted")
        deadline = time.monotonic() + 15
        while victim in served.workers() or len(served.workers()) < 3:
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            totals.append(scrape(port).value(REQUESTS, **DB_ROUTE))
            time.sleep(0.05)
        answered = len(load.snapshot())
        while len(load.snapshot()) < answered + 60:
            totals.append(scrape(port).value(REQUESTS, **DB_ROUTE))
            time.sleep(0.05)
    outcomes = load.stop()

    ok = [o for o in outcomes if o.status == 200]
    failed = [o for o in outcomes if o.status != 200]
    assert len(failed) <= 1, [(o.status, o.error) for o in failed]
    assert victim in served_by(outcomes)
    final = scrape_until(
        port,
        lambda s: not [p for p in (tmp_path / "metrics").glob(f"*_{victim}.db")],
        10,
        "the killed worker's files folded into the archive",
    ).value(REQUESTS, **DB_ROUTE)
    totals.append(final)
    assert totals == sorted(totals), f"a total went down: {totals}"
    # Counted when Django answered: the one request cut off by the kill may be counted.
    assert len(ok) <= final <= len(ok) + len(failed)


def test_a_thousand_random_paths_add_one_label_set(
    app_env, serve, watch: Watch, tmp_path: Path
) -> None:
    env = app_env(**metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=2)
    port = metrics_port(served.env)
    before = scrape(port)
    paths = [f"/{secrets.token_hex(6)}/{secrets.token_hex(4)}" for _ in range(1000)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(
            pool.map(lambda path: send(served.port, path, headers=dict(APP_HEADERS)), paths)
        )
    for outcome in outcomes:
        watch.outcome(outcome)

    assert {o.status for o in outcomes} == {404}
    after = scrape(port)
    new = after.label_sets(REQUESTS) - before.label_sets(REQUESTS)
    assert new == {frozenset({"route": "unmatched", "method": "GET", "status": "404"}.items())}
    assert after.value(REQUESTS, route="unmatched", method="GET", status="404") == 1000
    new_histograms = after.label_sets(DURATION_COUNT) - before.label_sets(DURATION_COUNT)
    assert len(new_histograms) == 1
    assert not any(path in after.text for path in paths[:50])


def test_invented_methods_share_one_label_value(app_env, serve, tmp_path: Path) -> None:
    env = app_env(**metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=2)
    for method in ("BREW", "WHEN", "FOO"):
        request(served.port, "/health/", method=method)
    assert (
        scrape(metrics_port(served.env)).value(
            REQUESTS, route="health", method="other", status="405"
        )
        == 3
    )


def test_metrics_are_not_on_the_application_port(app_env, serve, tmp_path: Path) -> None:
    env = app_env(**metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=2)
    port = metrics_port(served.env)
    assert port != served.port
    assert request(served.port, "/metrics", headers=dict(APP_HEADERS)).status == 404
    assert request(served.port, "/metrics/", headers=dict(APP_HEADERS)).status == 404
    answer = scrape(port)
    assert "keelson_http_requests_in_flight" in answer.samples
    # The application's routes are not on the metrics listener either.
    assert b"healthy" not in request(port, "/health/").body


def test_ready_and_boot_steps_are_exposed(app_env, serve, tmp_path: Path) -> None:
    env = app_env(**metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=2)
    port = metrics_port(served.env)
    assert request(served.port, "/ready/").status == 200
    answer = scrape(port)
    assert answer.value("keelson_ready") == 1
    assert answer.value(REQUESTS, route="ready", method="GET", status="200") >= 1
    steps = {
        dict(labels)["step"]: value
        for labels, value in answer.samples["keelson_boot_step_seconds"].items()
    }
    # gunicorn started by hand: only its own step (the boot's are in tests/boot).
    assert set(steps) == {"listen"}
    assert 0 < steps["listen"] < 60


def test_metric_files_stay_few_across_max_requests_recycling(
    app_env, serve, watch: Watch, tmp_path: Path
) -> None:
    directory = tmp_path / "metrics"
    env = app_env(**metrics_overrides(directory))
    served = serve(env, workers=2, GUNICORN_MAX_REQUESTS="25", GUNICORN_MAX_REQUESTS_JITTER="0")
    port = metrics_port(served.env)
    # The start polled /health/ already.
    before = scrape(port).value(REQUESTS, route="health", method="GET", status="200")
    counts = []
    sent = 0
    for _round in range(6):
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(lambda _: send(served.port, "/health/"), range(100)))
        sent += len(outcomes)
        assert {o.status for o in outcomes} == {200}
        counts.append(len(list(directory.glob("*.db"))))
    LEDGER.fault(f"{sent} requests over workers recycled every 25 requests")
    final = scrape_until(
        port,
        lambda s: s.value(REQUESTS, route="health", method="GET", status="200") - before == sent,
        15,
        f"all {sent} /health/ requests counted",
    )
    booted = served.process.stderr().count("Booting worker with pid")
    assert booted >= 2 + sent // 25 - 2, "workers were recycled"
    # The master and two live workers hold one file per metric type (5), plus the two
    # archives: 17. A dead worker's files are folded in within moments (a few more
    # between two rounds); kept, they would be 5 more per recycled worker.
    files = len(list(directory.glob("*.db")))
    assert files <= 17, sorted(path.name for path in directory.glob("*.db"))
    assert max(counts) <= 17 + 10, counts
    assert final.value(DURATION_COUNT, route="health", method="GET") - before == sent


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("METRICS_BIND", "localhost", "METRICS_BIND is not HOST:PORT"),
        ("METRICS_BIND", "127.0.0.1:APP", "METRICS_BIND is 127.0.0.1:"),
        ("METRICS_BIND", "0.0.0.0:APP", "METRICS_BIND is 0.0.0.0:"),
        ("METRICS_DIR", "metrics", "METRICS_DIR must be an absolute path"),
        ("DRAIN_SECONDS", "soon", "DRAIN_SECONDS must be a whole number"),
    ],
)
def test_a_bad_observability_variable_exits_78_with_one_line(
    app_env, tmp_path: Path, name: str, value: str, message: str
) -> None:
    port = free_port()
    env = app_env(GUNICORN_BIND=f"127.0.0.1:{port}")
    env[name] = value.replace("APP", str(port))
    process = gunicorn(env, tmp_path, name="bad-observability-variable")
    assert process.wait(timeout=60) == 78
    lines = process.json_lines()
    assert [line["variable"] for line in lines] == [name]
    assert lines[0]["message"].startswith(message)


def test_a_metrics_address_already_taken_exits_78_naming_it(app_env, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = app_env(
            GUNICORN_BIND=f"127.0.0.1:{free_port()}",
            METRICS_BIND=f"127.0.0.1:{port}",
            METRICS_DIR=str(tmp_path / "metrics"),
        )
        process = gunicorn(env, tmp_path, name="metrics-address-taken")
        assert process.wait(timeout=60) == 78
    errors = [line for line in process.json_lines() if line["level"] == "ERROR"]
    assert [line.get("variable") for line in errors] == ["METRICS_BIND"]
    assert errors[0]["message"].startswith(f"METRICS_BIND 127.0.0.1:{port} cannot be listened on")


def test_sighup_reload_keeps_the_totals(app_env, serve, watch: Watch, tmp_path: Path) -> None:
    env = app_env(**metrics_overrides(tmp_path / "metrics"))
    served = serve(env, workers=2)
    port = metrics_port(served.env)
    for _ in range(20):
        watch.outcome(send(served.port, "/test/db/", headers=dict(APP_HEADERS)))
    assert scrape(port).value(REQUESTS, **DB_ROUTE) == 20
    before = served.workers()
    # gunicorn reads its configuration again and replaces every worker.
    served.process.signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while served.workers() & before or len(served.workers()) < 2:
        assert time.monotonic() < deadline, "the workers were not replaced after SIGHUP"
        time.sleep(0.05)
    for _ in range(10):
        watch.outcome(send(served.port, "/test/db/", headers=dict(APP_HEADERS)))
    scrape_until(
        port,
        lambda s: s.value(REQUESTS, **DB_ROUTE) == 30,
        10,
        "the 30 requests counted across the reload",
    )


def test_a_scrape_while_a_worker_creates_its_file_succeeds(app_env, serve, tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    served = serve(app_env(**metrics_overrides(directory)), workers=2)
    port = metrics_port(served.env)
    # The instant a new worker's file exists but is not sized yet (prometheus_client opens
    # it, then truncates it to its first size).
    (directory / "counter_4194000.db").touch()
    (directory / "histogram_4194000.db").touch()
    answer = scrape(port)
    assert "keelson_http_requests_total" in answer.samples
