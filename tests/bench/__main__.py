"""Runs every benchmark, each figure beside its baseline in the same run; prints the
table and writes it as JSON under tests/bench/results/.

    python -m bench [--quick] [--only boot,notice,load,slow,tasks,soak]

(from tests/, with tests/support importable; scripts/bench does all of that.)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass

from .load import throughput
from .report import Figure, machine, table, write_json
from .slow_clients import slow_client_figures
from .soak import soak
from .stack import REPO, Setup, boot_script_present, worker_count
from .startup import boot_to_ready, readiness_noticed
from .tasks import task_throughput

STAGES = ("boot", "notice", "load", "slow", "tasks", "soak")


@dataclass(frozen=True)
class Plan:
    boot_runs: int
    notice_runs: int
    load_seconds: float
    warmup_seconds: float
    soak_seconds: float
    soak_sample_every: float
    tasks_per_round: int
    task_rounds: int


# The full plan fits in 15 minutes: the soak takes 10 by itself.
FULL = Plan(
    boot_runs=5,
    notice_runs=10,
    load_seconds=15,
    warmup_seconds=3,
    soak_seconds=600,
    soak_sample_every=30,
    tasks_per_round=10000,
    task_rounds=3,
)
QUICK = Plan(
    boot_runs=2,
    notice_runs=3,
    load_seconds=6,
    warmup_seconds=1,
    soak_seconds=20,
    soak_sample_every=5,
    tasks_per_round=3000,
    task_rounds=2,
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="short runs for development; not figures to quote"
    )
    parser.add_argument(
        "--only",
        default=",".join(STAGES),
        help=f"comma-separated stages to run (default: all of {','.join(STAGES)})",
    )
    args = parser.parse_args()
    args.only = [stage.strip() for stage in args.only.split(",") if stage.strip()]
    unknown = sorted(set(args.only) - set(STAGES))
    if unknown:
        parser.error(f"--only names unknown stages {unknown}: choose from {','.join(STAGES)}")
    return args


def progress(started: float, message: str) -> None:
    print(f"bench [{time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)


def run(plan: Plan, stages: list[str], started: float) -> list[Figure]:
    figures: list[Figure] = []
    setup = Setup.create()
    try:
        if "boot" in stages:
            progress(
                started,
                f"boot-to-ready: {plan.boot_runs} boots each, seed-style, ours, ours steps off",
            )
            figures.extend(boot_to_ready(setup, plan.boot_runs))
        if "notice" in stages:
            progress(started, f"readiness noticed: {plan.notice_runs} PostgreSQL starts each")
            figures.append(readiness_noticed(setup, plan.notice_runs))
        if "load" in stages:
            progress(started, f"throughput and memory: wrk {plan.load_seconds:g} s per figure")
            figures.extend(throughput(setup, plan.load_seconds, plan.warmup_seconds))
        if "slow" in stages:
            progress(
                started, f"slow clients: wrk {plan.load_seconds:g} s per side, attack scenarios"
            )
            figures.extend(slow_client_figures(setup, plan.load_seconds, plan.warmup_seconds))
        if "tasks" in stages:
            progress(
                started,
                f"tasks: {plan.tasks_per_round} no-op tasks x {plan.task_rounds} rounds, ours and bare Celery",
            )
            figures.extend(task_throughput(setup, plan.tasks_per_round, plan.task_rounds))
        if "soak" in stages:
            progress(started, f"soak: {plan.soak_seconds:g} s of mixed load, then SIGTERM")
            figures.extend(soak(setup, plan.soak_seconds, plan.soak_sample_every))
    finally:
        setup.destroy()
    return figures


def git_commit() -> str:
    result = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


def main() -> None:
    args = arguments()
    plan = QUICK if args.quick else FULL
    started = time.monotonic()
    before = machine()
    commit = git_commit()  # now: others may commit while the benchmarks run
    ours = (
        "nix/boot.sh" if boot_script_present() else "keelson.gunicorn_config (nix/boot.sh absent)"
    )
    progress(started, f"workers per server: {worker_count()}; ours boots with {ours}")
    figures = run(plan, args.only, started)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "mode": "quick" if args.quick else "full",
        "plan": vars(plan),
        "stages": args.only,
        "commit": commit,
        "ours": ours,
        "workers": worker_count(),
        "machine": before,
        "load_average_after": machine()["load_average"],
        "seconds": round(time.monotonic() - started, 1),
    }
    path = write_json(figures, meta)
    print(table(figures))
    print()
    print(
        f"{meta['mode']} run, {meta['seconds']:.0f} s, {meta['date']}, commit {meta['commit']}; "
        f"{before['nproc']} CPUs ({before['cpu_model']}), {before['memory_gib']} GiB; "
        f"load average before {before['load_average']}, after {meta['load_average_after']}"
    )
    print(f"JSON: {path.relative_to(REPO)}")


main()
