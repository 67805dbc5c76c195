"""Startup figures, measured from outside the process: boot-to-ready and how soon a
booting entrypoint notices that PostgreSQL accepts connections."""

from __future__ import annotations

import math
import random
import re
import statistics
import time
from collections.abc import Callable
from datetime import datetime

from .report import AT_MOST, RATIO_AT_MOST, Figure
from .stack import (
    Server,
    Setup,
    boot_script_present,
    start_ours,
    start_seed,
    stop,
    wait_for_200,
)

Starter = Callable[[Setup, str], Server]

# The line each entrypoint prints as soon as pg_isready succeeds, right before its
# next step: the moment it noticed the database. (Ours starts its Django process before
# waiting, so "the next process appears" would not mark it.)
NOTICED_LINES = {
    "seed": re.compile(r"^PostgreSQL is up$"),
    "ours": re.compile(
        r'"step": ?"postgres".*accepts connections|accepts connections.*"step": ?"postgres"'
    ),
}

READY_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[\d+\] LOG:  database system is ready to accept connections"
)


# Our boot with both steps off: the floor the steps' cost is measured against.
STEPS_OFF = {"RUN_MIGRATIONS": "0", "RUN_COLLECTSTATIC": "0"}


def start_ours_steps_off(setup: Setup, run: str) -> Server:
    return start_ours(setup, run, STEPS_OFF)


def boot_to_ready(setup: Setup, runs: int) -> list[Figure]:
    """Process start -> first 200 from /ready/, PostgreSQL up and nothing to migrate:
    ours (migrate and collectstatic on, both finding nothing to do) against the
    seed-style boot and against ours with both steps off."""
    starters = {"seed": start_seed, "ours": start_ours, "steps_off": start_ours_steps_off}
    # One untimed boot of each first: the database migrated, the static files collected,
    # the page cache warm for all.
    for name, start in starters.items():
        boot_once(setup, start, f"boot-warmup-{name}")
    times: dict[str, list[float]] = {name: [] for name in starters}
    for run in range(runs):
        # Interleaved, so a burst of load on the shared machine hits every side alike.
        for name, start in starters.items():
            times[name].append(boot_once(setup, start, f"boot-{name}-{run}"))
    samples = {f"{name}_s": values for name, values in times.items()}
    samples["boot_script"] = boot_script_present()
    ours = statistics.median(times["ours"])
    return [
        Figure(
            f"boot-to-ready, median of {runs}",
            "s",
            ours,
            statistics.median(times["seed"]),
            "seed-style",
            RATIO_AT_MOST,
            0.35,
            samples,
        ),
        Figure(
            f"boot-to-ready, steps on vs off, median of {runs}",
            "s",
            ours,
            statistics.median(times["steps_off"]),
            "ours, RUN_MIGRATIONS=0 RUN_COLLECTSTATIC=0",
            RATIO_AT_MOST,
            1.15,
            samples,
        ),
    ]


def boot_once(setup: Setup, start: Starter, run: str) -> float:
    started = time.monotonic()
    server = start(setup, run)
    try:
        return wait_for_200(server, "/ready/") - started
    finally:
        stop(server)


def readiness_noticed(setup: Setup, runs: int) -> Figure:
    """PostgreSQL starts while the entrypoint waits for it: seconds from the server's
    'ready to accept connections' to the entrypoint's next step."""
    rng = random.Random(6)  # reproducible offsets across runs
    times: dict[str, list[float]] = {"ours": [], "seed": []}
    for run in range(runs):
        # PostgreSQL comes up at a random moment of the entrypoint's polling cycle.
        delay = rng.uniform(0.2, 2.2)
        times["seed"].append(readiness_trial(setup, start_seed, f"notice-seed-{run}", delay))
        if boot_script_present():
            times["ours"].append(readiness_trial(setup, start_ours, f"notice-ours-{run}", delay))
    return Figure(
        f"readiness noticed after PostgreSQL accepts, p95 of {runs}",
        "s",
        p95(times["ours"]) if times["ours"] else None,
        p95(times["seed"]),
        "seed-style",
        AT_MOST,
        0.25,
        {"ours_s": times["ours"], "seed_s": times["seed"]},
    )


def readiness_trial(setup: Setup, start: Starter, run: str, delay: float) -> float:
    postgres = setup.postgres
    postgres.stop()
    server = start(setup, run)
    try:
        time.sleep(delay)
        log_offset = postgres.log_path.stat().st_size
        postgres.start(wait=False)
        noticed = noticed_at(server)
        return noticed - accepting_at(postgres.log_path, log_offset)
    finally:
        server.process.kill_group()
        postgres.wait_ready()


def noticed_at(server: Server, timeout: float = 70.0) -> float:
    """Wall-clock time at which the entrypoint's line saying PostgreSQL is up appears in
    its output, read from outside every few milliseconds."""
    pattern = NOTICED_LINES[server.name]
    deadline = time.monotonic() + timeout
    with open(server.process.stdout_path, encoding="utf-8", errors="replace") as output:
        pending = ""
        while time.monotonic() < deadline:
            pending += output.read()
            now = time.time()
            lines = pending.split("\n")
            pending = lines.pop()
            if any(pattern.search(line) for line in lines):
                return now
            if not server.process.running():
                raise RuntimeError(f"{server.name} exited while waiting for PostgreSQL")
            time.sleep(0.003)
    raise TimeoutError(f"{server.name} did not notice PostgreSQL within {timeout}s")


def accepting_at(log_path, offset: int, timeout: float = 30.0) -> float:
    """Wall-clock time of the server's 'ready to accept connections' line after `offset`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            for line in log:
                match = READY_LINE.match(line)
                if match:
                    stamp = datetime.strptime(match.group(1) + " +0000", "%Y-%m-%d %H:%M:%S.%f %z")
                    return stamp.timestamp()
        time.sleep(0.02)
    raise TimeoutError("PostgreSQL did not log that it accepts connections")


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile: with 10 samples, the largest."""
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]
