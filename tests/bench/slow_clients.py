"""Slow clients: what the front costs, and what an attack leaves of the throughput.

Three sides, same run, alternating rounds: the server without the front (gunicorn bound
directly with the project's configuration, as before the front), the boot's server
(nix/boot.sh: gunicorn behind the front), and the same again while 200 connections drip
headers and 50 drip bodies one byte a second.
"""

from __future__ import annotations

from slow_clients import SlowClients, attack

from .load import WrkRun, per_second, wrk
from .report import INFO, RATIO_AT_LEAST, Figure
from .stack import (
    Setup,
    start_app_server,
    start_ours,
    stop,
    wait_for_200,
    wait_for_workers,
    worker_count,
)

HEADER_CLIENTS = 200
BODY_CLIENTS = 50


def slow_client_figures(
    setup: Setup, seconds: float, warmup: float, rounds: int = 3
) -> list[Figure]:
    front = start_ours(setup, "slow-front")
    wait_for_200(front, "/ready/")  # the boot migrated: the side without a front needs no boot
    today = start_app_server(setup, "slow-today")
    # /health/ behind the front is answered by the master's liveness listener; /ready/
    # goes to a worker (and PostgreSQL) on both servers: the front's cost on the path
    # every application request takes.
    paths = ("/health/", "/ready/")
    runs: dict[str, list[WrkRun]] = {
        f"{side} {path}": [] for side in ("today", "front", "front_attacked") for path in paths
    }
    try:
        wait_for_200(today, "/health/")
        wait_for_workers(today, worker_count())
        wait_for_workers(front, worker_count())
        for server in (today, front):
            for path in paths:
                wrk(server.port, path, warmup)
        share = seconds / rounds
        for _ in range(rounds):
            for path in paths:
                runs[f"today {path}"].append(wrk(today.port, path, share))
                runs[f"front {path}"].append(wrk(front.port, path, share))
            with SlowClients(
                front.port, header_clients=HEADER_CLIENTS, body_clients=BODY_CLIENTS
            ) as slow:
                slow.wait_until_connected(timeout=15)
                for path in paths:
                    runs[f"front_attacked {path}"].append(wrk(front.port, path, share))
        # The contract's scenario once, in the terms of the tests: liveness and ordinary
        # requests on both servers (today's starves: that is the reason for the front).
        scenario = {
            name: attack(server.port, seconds=seconds, ordinary=300, ordinary_path="/ready/")
            for name, server in (("today", today), ("front", front))
        }
    finally:
        stop(today)
        stop(front)
    rate = {name: per_second(side) for name, side in runs.items()}
    samples = {name: [vars(run) for run in side] for name, side in runs.items()}
    figures = []
    for path in paths:
        figures += [
            Figure(
                f"{path} req/s under {HEADER_CLIENTS}+{BODY_CLIENTS} slow clients, behind the front",
                "req/s",
                rate[f"front_attacked {path}"],
                rate[f"front {path}"],
                "same server, no attack",
                RATIO_AT_LEAST,
                0.8,
                {key: value for key, value in samples.items() if key.endswith(path)},
            ),
            Figure(
                f"{path} req/s behind the front, no attack",
                "req/s",
                rate[f"front {path}"],
                rate[f"today {path}"],
                "gunicorn bound directly",
                RATIO_AT_LEAST,
                0.9,
            ),
        ]
    return [
        *figures,
        *(
            Figure(
                f"under attack, {name}: /health/ probes answered 200 within 1 s",
                "% answered",
                100.0 * report.probes_ok / max(len(report.probes), 1),
                None,
                "",
                INFO,
                0,
                report.summary(),
            )
            for name, report in scenario.items()
        ),
        *(
            Figure(
                f"under attack, {name}: ordinary /ready/ requests answered",
                "% answered",
                100.0 * report.ordinary_ok_share,
                None,
                "",
                INFO,
                0,
            )
            for name, report in scenario.items()
        ),
    ]
