"""Fault 1: PostgreSQL stops for 5 s and comes back while the probes are under load."""

from __future__ import annotations

import time

import pytest
from postgres import PostgresServer
from reliability_ledger import LEDGER
from reliability_load import Load, Outcome, send
from reliability_support import APP_HEADERS, Served, Watch

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 5.0


def answers_from_every_worker(served: Served, watch: Watch, path: str) -> list[Outcome]:
    """Requests to `path` until each worker has answered one; every answer is kept."""
    workers = served.workers()
    seen: set[int] = set()
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + 30
    while seen != workers and time.monotonic() < deadline:
        outcome = send(served.port, path, headers=dict(APP_HEADERS))
        watch.outcome(outcome)
        outcomes.append(outcome)
        if outcome.status == 200:
            seen.add(outcome.response.json()["pid"])
    assert seen == workers, f"workers {workers} did not all answer; answers: {outcomes[-3:]}"
    return outcomes


@pytest.mark.once
def test_database_restart_under_load_keeps_health_up_and_ready_follows(
    own_postgres: PostgresServer, app_env, serve, watch: Watch
) -> None:
    served = serve(app_env(own_postgres), workers=2)
    workers = served.workers()
    # Every worker keeps a connection on the default alias (CONN_MAX_AGE): the one the
    # restart will leave dead.
    answers_from_every_worker(served, watch, "/test/db/")

    with Load(served.port, ["/health/", "/ready/"], threads=4, on_outcome=watch.outcome) as load:
        load.wait_for(20)
        own_postgres.stop()
        LEDGER.fault("PostgreSQL stopped under load")
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)  # the outage itself, not a wait for something
        restarting = time.monotonic()
        own_postgres.start()  # returns once PostgreSQL accepts connections
        back = time.monotonic()
        deadline = back + 10
        while time.monotonic() < deadline and not any(
            o.path == "/ready/" and o.status == 200 and o.started >= back for o in load.snapshot()
        ):
            time.sleep(0.02)
    outcomes = load.stop()

    health = [o for o in outcomes if o.path == "/health/"]
    assert health
    assert [(o.status, o.error) for o in health if o.status != 200] == []
    during = [
        o for o in outcomes if o.path == "/ready/" and o.started >= down and o.ended <= restarting
    ]
    assert during, "no /ready/ request was answered during the outage"
    assert {(o.status, o.error) for o in during} == {(503, None)}
    assert during[-1].response.json()["checks"]["database"] is False
    # Readiness follows PostgreSQL back at the next probe: every /ready/ sent once it
    # accepted again answers 200 (a dead kept connection is replaced, not reported). Told
    # by the order of events rather than by a time since `back`, which one slow probe on
    # a busy machine would exceed by chance.
    after = [o for o in outcomes if o.path == "/ready/" and o.started >= back]
    assert after, "no /ready/ request was sent after PostgreSQL came back"
    assert {(o.status, o.error) for o in after} == {(200, None)}, [
        (o.status, o.error) for o in after
    ]

    assert served.workers() == workers, "a worker died during the outage"
    # The first request of each worker through its kept (now dead) connection succeeds.
    after = answers_from_every_worker(served, watch, "/test/db/")
    assert all(o.status == 200 for o in after), [(o.status, o.error) for o in after]
