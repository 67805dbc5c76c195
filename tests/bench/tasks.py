"""No-op tasks per second through a real Redis: our worker (`bash nix/boot.sh
worker`, the image's entry: Django loaded, JSON logs, request-id signals, the settings of the image) beside
a bare Celery worker (`celery -A bare_celery.app worker`) with the same concurrency,
prefetch, acknowledgement and limits; alternating rounds on one Redis; the worker
processes' RSS and USS after the runs.

Each round fills the side's queue first, starts the worker, and times how fast the
queue drains once it is consuming (from its length, so start-up is not counted).
"""

from __future__ import annotations

import statistics
import time

from celery import Celery
from processes import BIN, REPO, Process, base_env, manage
from redis_server import RedisServer

from .report import INFO, RATIO_AT_LEAST, RATIO_AT_MOST, Figure
from .stack import BENCH, Setup, children, rss_kib, secret_key, uss_kib

NOOP = "keelson_testing.work.tasks.noop"
CONCURRENCY = 2
PREFETCH = 1
# The queue length the timing starts and stops at: away from both ends, where the
# worker is still starting or the queue runs dry.
START_FRACTION = 0.9
STOP_FRACTION = 0.1


def fill(broker_url: str, count: int) -> None:
    client = Celery("bench-producer", broker=broker_url)
    try:
        with client.producer_or_acquire() as producer:
            for _ in range(count):
                client.send_task(NOOP, producer=producer)
    finally:
        client.close()


def ours_env(setup: Setup, broker_url: str) -> dict[str, str]:
    (setup.work_dir / "static").mkdir(exist_ok=True)
    return base_env(
        {
            "DJANGO_SETTINGS_MODULE": "keelson_testing.worker_settings",
            "SECRET_KEY": secret_key(),
            "ALLOWED_HOSTS": "localhost",
            "STATIC_ROOT": str(setup.work_dir / "static"),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_WORKER_CONCURRENCY": str(CONCURRENCY),
            "CELERY_WORKER_PREFETCH_MULTIPLIER": str(PREFETCH),
            "TMPDIR": str(setup.work_dir),
            **setup.postgres.env(setup.database),
        }
    )


def start_ours(setup: Setup, broker_url: str, run: str, level: str) -> Process:
    argv = ["bash", str(REPO / "nix" / "boot.sh"), "worker"]
    env = {**ours_env(setup, broker_url), "DJANGO_LOG_LEVEL": level}
    return Process(argv, env, setup.logs(run), "ours")


def start_bare(setup: Setup, broker_url: str, run: str, level: str) -> Process:
    env = base_env(
        {
            "BARE_CELERY_BROKER_URL": broker_url,
            "BARE_CELERY_CONCURRENCY": str(CONCURRENCY),
            "BARE_CELERY_PREFETCH_MULTIPLIER": str(PREFETCH),
            "PYTHONPATH": str(BENCH),
        }
    )
    argv = [
        str(BIN / "celery"),
        "-A",
        "bare_celery.app",
        "worker",
        "--loglevel",
        level.upper(),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"bare-{run}@localhost",
    ]
    process = Process(argv, env, setup.logs(run), "bare")
    return process


def drain_rate(redis_server: RedisServer, database: int, total: int, process: Process) -> float:
    """Tasks per second while the queue drains from START_FRACTION to STOP_FRACTION."""
    queue = redis_server.client_for(database)
    start_at, stop_at = int(total * START_FRACTION), int(total * STOP_FRACTION)
    deadline = time.monotonic() + 600
    started = None
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"the worker exited: {process.stderr()[-2000:]}")
        length = queue.llen("celery")
        now = time.perf_counter()
        if started is None and length <= start_at:
            started, started_length = now, length
        if started is not None and length <= stop_at:
            return (started_length - length) / (now - started)
        time.sleep(0.005)
    raise TimeoutError("the queue did not drain within 600 s")


def worker_memory(process: Process) -> dict[str, float]:
    """RSS and USS (MiB) of the worker's main process and the mean of its pool's."""
    pool = children(process.pid)
    main_rss, main_uss = rss_kib(process.pid), uss_kib(process.pid)
    return {
        "main_rss_mib": (main_rss or 0) / 1024,
        "main_uss_mib": (main_uss or 0) / 1024,
        "pool_rss_mib": statistics.mean((rss_kib(pid) or 0) / 1024 for pid in pool) if pool else 0,
        "pool_uss_mib": statistics.mean((uss_kib(pid) or 0) / 1024 for pid in pool) if pool else 0,
        "pool_processes": len(pool),
    }


# Both sides log each task's "received" and "succeeded" lines at INFO (ours as JSON,
# bare Celery as text); at WARNING neither does, which isolates the rest of our stack.
SIDES = (
    ("ours", "info", 0, start_ours),
    ("bare", "info", 1, start_bare),
    ("ours_warning", "warning", 2, start_ours),
    ("bare_warning", "warning", 3, start_bare),
)


def task_throughput(setup: Setup, tasks: int, rounds: int) -> list[Figure]:
    broker = RedisServer().start()
    rates: dict[str, list[float]] = {side: [] for side, *_ in SIDES}
    memory: dict[str, dict[str, float]] = {}
    try:
        result = manage(["migrate", "--noinput", "-v0"], ours_env(setup, broker.url(0)))
        if result.returncode != 0:
            raise RuntimeError(f"migrate failed: {result.stderr[-2000:]}")
        for index in range(rounds):
            for side, level, database, start in SIDES:
                url = broker.url(database)
                fill(url, tasks)
                process = start(setup, url, f"tasks-{side}-{index}", level)
                try:
                    rates[side].append(drain_rate(broker, database, tasks, process))
                    memory[side] = worker_memory(process)
                finally:
                    process.stop(timeout=60)
                broker.client_for(database).flushdb()
    finally:
        broker.destroy()
    rate = {side: statistics.median(values) for side, values in rates.items()}
    ours, bare = rate["ours"], rate["bare"]
    samples = {"rates": rates, "memory": memory, "tasks_per_round": tasks, "rounds": rounds}
    return [
        Figure(
            f"no-op tasks/s, Redis, concurrency {CONCURRENCY}, INFO logs (median of {rounds})",
            "tasks/s",
            ours,
            bare,
            "bare Celery",
            RATIO_AT_LEAST,
            0.9,
            samples,
        ),
        Figure(
            "no-op tasks/s, WARNING logs (no per-task lines)",
            "tasks/s",
            rate["ours_warning"],
            rate["bare_warning"],
            "bare Celery at WARNING",
            RATIO_AT_LEAST,
            0.9,
        ),
        Figure(
            "worker pool process RSS (mean)",
            "MiB",
            memory["ours"]["pool_rss_mib"],
            memory["bare"]["pool_rss_mib"],
            "bare Celery",
            RATIO_AT_MOST,
            2.0,
        ),
        Figure(
            "worker pool process USS (mean)",
            "MiB",
            memory["ours"]["pool_uss_mib"],
            memory["bare"]["pool_uss_mib"],
            "bare Celery",
            INFO,
            0,
        ),
        Figure(
            "worker main process RSS",
            "MiB",
            memory["ours"]["main_rss_mib"],
            memory["bare"]["main_rss_mib"],
            "bare Celery",
            INFO,
            0,
        ),
        Figure(
            "worker main process USS",
            "MiB",
            memory["ours"]["main_uss_mib"],
            memory["bare"]["main_uss_mib"],
            "bare Celery",
            INFO,
            0,
        ),
    ]
