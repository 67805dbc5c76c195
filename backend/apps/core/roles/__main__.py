"""python -m apps.core.roles worker | beat | healthcheck worker [--timeout S] | healthcheck beat

Run from the backend directory. The exit codes are listed in apps.core.roles.
"""

from __future__ import annotations

import argparse
import sys

from . import EXIT_USAGE


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m apps.core.roles", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("worker", help="run the Celery worker in this process")
    commands.add_parser("beat", help="run Celery beat in this process, under the beat lock")
    health = commands.add_parser("healthcheck", help="check this host's worker or beat")
    health.add_argument("role", choices=("worker", "beat"))
    health.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for the ping (worker)"
    )

    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise SystemExit(EXIT_USAGE) from None
        raise


def main(argv: list[str] | None = None) -> int:
    args = arguments(sys.argv[1:] if argv is None else argv)
    if args.command == "worker":
        from .worker import run_worker

        return run_worker()
    if args.command == "beat":
        from .beat import run_beat

        return run_beat()
    from .health import beat_health, load_for_healthcheck, worker_health

    load_for_healthcheck()
    return worker_health(args.timeout) if args.role == "worker" else beat_health()


if __name__ == "__main__":
    sys.exit(main())
