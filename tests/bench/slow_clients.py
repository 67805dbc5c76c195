"""Slow clients: what the front costs, and what an attack leaves of the throughput.

Three sides, same run, alternating rounds: today's server (gunicorn bound directly,
booted by nix/boot.sh), gunicorn behind the front (config.front.serve), and the front
again while 200 connections drip headers and 50 drip bodies one byte a second.
"""

from __future__ import annotations

import sys

from processes import BIN, FRONT_PATH_EXTRA, Process
from slow_clients import SlowClients, attack

from .load import WrkRun, per_second, wrk
from .report import INFO, RATIO_AT_LEAST, Figure
from .stack import (
    Server,
    Setup,
    free_port,
    start_ours,
    stop,
    wait_for_200,
    wait_for_workers,
    worker_count,
)

HEADER_CLIENTS = 200
BODY_CLIENTS = 50


def start_fronted(setup: Setup, run: str) -> Server:
    port = free_port()
    env = setup.production_env(port)
    env["PATH"] = f"{env['PATH']}:{FRONT_PATH_EXTRA}"
    argv = [sys.executable or str(BIN / "python"), "-m", "config.front.serve"]
    return Server("front", Process(argv, env, setup.logs(run), "front"), port)


def slow_client_figures(setup: Setup, seconds: float, warmup: float, rounds: int = 3) -> list[Figure]:
    today = start_ours(setup, "slow-today")
    wait_for_200(today, "/ready/")  # the boot migrated: the front's side needs no boot
    front = start_fronted(setup, "slow-front")
    runs: dict[str, list[WrkRun]] = {"today": [], "front": [], "front_attacked": []}
    try:
        wait_for_200(front, "/health/")
        wait_for_workers(today, worker_count())
        wait_for_workers(front, worker_count() + 1)  # its workers and nginx
        for server in (today, front):
            wrk(server.port, "/health/", warmup)
        for _ in range(rounds):
            runs["today"].append(wrk(today.port, "/health/", seconds / rounds))
            runs["front"].append(wrk(front.port, "/health/", seconds / rounds))
            with SlowClients(
                front.port, header_clients=HEADER_CLIENTS, body_clients=BODY_CLIENTS
            ) as slow:
                slow.wait_until_connected(timeout=15)
                runs["front_attacked"].append(wrk(front.port, "/health/", seconds / rounds))
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
    return [
        Figure(
            f"/health/ req/s under {HEADER_CLIENTS}+{BODY_CLIENTS} slow clients, behind the front",
            "req/s",
            rate["front_attacked"],
            rate["front"],
            "same server, no attack",
            RATIO_AT_LEAST,
            0.8,
            samples,
        ),
        Figure(
            "/health/ req/s behind the front, no attack",
            "req/s",
            rate["front"],
            rate["today"],
            "gunicorn bound directly",
            RATIO_AT_LEAST,
            0.9,
        ),
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
