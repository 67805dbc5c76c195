"""The soak: minutes of mixed, moderate load on our server, then SIGTERM.

Judged on what an operator would see go wrong: error responses, workers that died or
were killed (restarts other than gunicorn's planned max_requests recycling), workers
that grow, and a server that does not exit cleanly.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time

from .load import read_figures, wrk_command
from .report import AT_MOST, EQUALS, Figure
from .stack import (
    BENCH,
    Server,
    Setup,
    rss_kib,
    start_ours,
    stop,
    wait_for_200,
    wait_for_workers,
    worker_count,
    worker_pids,
)

SOAK_SCRIPT = BENCH / "soak.lua"
# Moderate load: a few connections, each pausing between requests, so the workers are
# busy part of the time rather than saturated.
SOAK_CONNECTIONS = 6
SOAK_PAUSE_MS = 20

BOOTED = "Booting worker with pid"
RECYCLED = "Autorestarting worker after current request"


def soak(setup: Setup, seconds: float, sample_every: float) -> list[Figure]:
    server = start_ours(setup, "soak")
    workers = worker_count()
    try:
        wait_for_200(server, "/ready/")
        wait_for_workers(server, workers)
        load = subprocess.Popen(
            wrk_command(
                server.port,
                "/",
                seconds,
                script=SOAK_SCRIPT,
                connections=SOAK_CONNECTIONS,
                script_args=(str(SOAK_PAUSE_MS),),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # The first sample once every worker has served a while: imports done, caches
        # filled. Growth is measured from there.
        samples = sample_memory(server, load, seconds, sample_every)
        output, _ = load.communicate(timeout=60)
    finally:
        exit_code, exit_seconds = stop(server)
    run = read_figures(output)
    events = worker_events(server)
    unplanned = max(0, events["booted"] - workers - events["recycled"])
    bad = sum(count for status, count in run.statuses.items() if not status.startswith("2"))
    bad += sum(run.errors[key] for key in run.errors if key != "non_2xx_3xx")
    start_mean = statistics.mean(samples[0]["rss_mib"].values())
    end_largest = max(samples[-1]["rss_mib"].values())
    growth = 100 * (end_largest / start_mean - 1)
    details = {
        "requests": run.requests,
        "per_second": run.per_second,
        "statuses": run.statuses,
        "errors": run.errors,
        "p99_ms": run.p99_ms,
        "worker_events": events,
        "memory_samples": samples,
        "exit_seconds": exit_seconds,
    }
    minutes = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
    return [
        Figure(
            f"soak {minutes}: non-2xx responses and socket errors",
            "count",
            bad,
            None,
            "",
            AT_MOST,
            0,
            details,
        ),
        Figure(
            f"soak {minutes}: worker restarts other than max_requests",
            "count",
            unplanned,
            None,
            "",
            AT_MOST,
            0,
        ),
        Figure(
            f"soak {minutes}: RSS growth, largest worker at end vs mean at start",
            "%",
            growth,
            None,
            "",
            AT_MOST,
            10,
        ),
        Figure(
            "soak: exit code after SIGTERM",
            "exit code",
            exit_code,
            None,
            "",
            EQUALS,
            0,
        ),
    ]


def sample_memory(
    server: Server, load: subprocess.Popen, seconds: float, every: float
) -> list[dict]:
    """Worker RSS (MiB by pid) after a first stretch of load, every `every` seconds after
    that, and once more a second before the load ends."""
    started = time.monotonic()
    schedule = [min(every, seconds / 4)]
    while schedule[-1] + every < seconds - 1:
        schedule.append(schedule[-1] + every)
    schedule.append(seconds - 1)
    samples = []
    while load.poll() is None and schedule:
        if time.monotonic() - started >= schedule[0]:
            samples.append(memory_sample(server, time.monotonic() - started))
            schedule.pop(0)
        time.sleep(0.1)
    return samples


def memory_sample(server: Server, at: float) -> dict:
    rss = {}
    for pid in worker_pids(server):
        kib = rss_kib(pid)
        if kib is not None:
            rss[str(pid)] = kib / 1024
    return {"at_s": round(at, 1), "rss_mib": rss}


def worker_events(server: Server) -> dict[str, int]:
    """Worker boots and planned recycles, from gunicorn's own log lines."""
    events = {"booted": 0, "recycled": 0}
    for line in server.process.stderr().splitlines():
        try:
            message = str(json.loads(line).get("message", ""))
        except (json.JSONDecodeError, AttributeError):
            # Not our JSON logging (a line gunicorn printed before logging was set up).
            message = line
        if BOOTED in message:
            events["booted"] += 1
        elif RECYCLED in message:
            events["recycled"] += 1
    return events
