"""HTTP load with wrk (Debian's), and what the workers weigh after it."""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .report import INFO, RATIO_AT_LEAST, RATIO_AT_MOST, Figure
from .stack import (
    BENCH,
    Server,
    Setup,
    metrics_env,
    rss_kib,
    start_app_server,
    start_bare,
    start_ours,
    stop,
    uss_kib,
    wait_for_200,
    wait_for_workers,
    worker_count,
)

CONNECTIONS = 32
# A page that renders a template through the whole middleware stack, as a browser asks
# for it behind the TLS-terminating proxy.
ADMIN_PAGE = "/admin/login/"
APP_HEADERS = {"Host": "app.example.com", "X-Forwarded-Proto": "https"}
WRK_THREADS = 2
STATS_SCRIPT = BENCH / "wrk_stats.lua"
MARKER = "BENCH-JSON "


@dataclass
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    statuses: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk_command(
    port: int,
    path: str,
    seconds: float,
    *,
    script: Path = STATS_SCRIPT,
    connections: int = CONNECTIONS,
    threads: int = WRK_THREADS,
    script_args: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> list[str]:
    header_args = [arg for name, v in (headers or {}).items() for arg in ("-H", f"{name}: {v}")]
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        *header_args,
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{path}",
        "--",
        *script_args,
    ]


def wrk(port: int, path: str, seconds: float, headers: dict[str, str] | None = None) -> WrkRun:
    """One wrk run against 127.0.0.1:`port``path` with the statistics script."""
    result = subprocess.run(
        wrk_command(port, path, seconds, headers=headers),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    return read_figures(result.stdout + result.stderr)


def read_figures(output: str) -> WrkRun:
    """The figures a wrk script printed as its BENCH-JSON line."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            return parse(json.loads(line[len(MARKER) :]))
    raise RuntimeError(f"wrk printed no figures: {output}")


ERROR_KEYS = ("non_2xx_3xx", "connect_errors", "read_errors", "write_errors", "timeouts")


def parse(figures: dict) -> WrkRun:
    return WrkRun(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors={key: figures[key] for key in ERROR_KEYS},
        statuses=figures.get("statuses", {}),
    )


def worker_memory_mib(server: Server) -> dict[str, list[float]]:
    """VmRSS and private memory (USS) of each of the master's workers, in MiB."""
    workers = wait_for_workers(server, worker_count())
    rss = [kib / 1024 for kib in map(rss_kib, workers) if kib is not None]
    uss = [kib / 1024 for kib in map(uss_kib, workers) if kib is not None]
    return {"rss_mib": rss, "uss_mib": uss}


def throughput(setup: Setup, seconds: float, warmup: float, rounds: int = 3) -> list[Figure]:
    """/health/ against bare Django, our /health/ and /ready/, an admin page with and
    without metrics: same workers, same wrk.

    Ours is the application server as the boot configures it, with metrics on
    (METRICS_BIND) and the JSON access log, bound directly: behind the front, `/health/`
    is answered by gunicorn's master without Django, so these figures measure the
    application's own cost and the front's is the slow-client stage's. A second server of
    ours without METRICS_BIND serves the admin page's baseline. The runs alternate in
    `rounds` short rounds, so a burst of other work on the machine lands on every side
    alike; req/s sums the rounds, p99 is the median round's.
    """
    migrated = start_ours(setup, "throughput-migrate")
    try:
        wait_for_200(migrated, "/ready/")
    finally:
        stop(migrated)
    bare = start_bare(setup, "throughput-bare")
    ours = start_app_server(setup, "throughput-ours", metrics_env(setup, "throughput-ours"))
    plain = start_app_server(setup, "throughput-ours-no-metrics")
    sides: dict[str, tuple[Server, str, dict[str, str] | None]] = {
        "bare_health": (bare, "/health/", None),
        "ours_health": (ours, "/health/", None),
        "ours_admin": (ours, ADMIN_PAGE, APP_HEADERS),
        "plain_admin": (plain, ADMIN_PAGE, APP_HEADERS),
        # Last in each round: its PostgreSQL work would spill into the next side's run.
        "ours_ready": (ours, "/ready/", None),
    }
    runs: dict[str, list[WrkRun]] = {name: [] for name in sides}
    try:
        for server, path in ((bare, "/health/"), (ours, "/ready/"), (plain, "/ready/")):
            wait_for_200(server, path)
            wait_for_workers(server, worker_count())
        for server, path, headers in sides.values():
            wrk(server.port, path, warmup, headers)
        for _ in range(rounds):
            for name, (server, path, headers) in sides.items():
                runs[name].append(wrk(server.port, path, seconds / rounds, headers))
        memory = {"bare": worker_memory_mib(bare), "ours": worker_memory_mib(ours)}
    finally:
        stop(bare)
        stop(ours)
        stop(plain)
    for name, name_runs in runs.items():
        for run in name_runs:
            if any(run.errors.values()):
                raise RuntimeError(f"{name}: wrk saw errors {run.errors} ({run.statuses})")
    rate = {name: per_second(name_runs) for name, name_runs in runs.items()}
    p99 = {
        name: statistics.median(run.p99_ms for run in name_runs) for name, name_runs in runs.items()
    }
    samples = {name: [vars(run) for run in name_runs] for name, name_runs in runs.items()}
    return [
        Figure(
            f"/health/ req/s, metrics and access log on, wrk {CONNECTIONS} conn, {seconds:g} s",
            "req/s",
            rate["ours_health"],
            rate["bare_health"],
            "bare Django",
            RATIO_AT_LEAST,
            0.9,
            samples,
        ),
        Figure(
            "/ready/ req/s (queries the database)",
            "req/s",
            rate["ours_ready"],
            rate["ours_health"],
            "our /health/",
            RATIO_AT_LEAST,
            0.6,
        ),
        Figure(
            f"{ADMIN_PAGE} req/s, metrics on",
            "req/s",
            rate["ours_admin"],
            rate["plain_admin"],
            "ours without metrics",
            RATIO_AT_LEAST,
            0.95,
        ),
        Figure(
            f"{ADMIN_PAGE} req/s, metrics on, beside bare Django's /health/",
            "req/s",
            rate["ours_admin"],
            rate["bare_health"],
            "bare Django /health/",
            INFO,
            0,
        ),
        Figure(
            "/health/ p99 latency",
            "ms",
            p99["ours_health"],
            p99["bare_health"],
            "bare Django",
            RATIO_AT_MOST,
            1.5,
        ),
        Figure(
            "RSS per worker after the run (mean)",
            "MiB",
            statistics.mean(memory["ours"]["rss_mib"]),
            statistics.mean(memory["bare"]["rss_mib"]),
            "bare Django",
            RATIO_AT_MOST,
            1.15,
            memory,
        ),
        Figure(
            "private memory (USS) per worker (mean)",
            "MiB",
            statistics.mean(memory["ours"]["uss_mib"]),
            statistics.mean(memory["bare"]["uss_mib"]),
            "bare Django",
            INFO,
            0,
        ),
    ]


def per_second(runs: list[WrkRun]) -> float:
    return sum(run.requests for run in runs) / sum(run.seconds for run in runs)
