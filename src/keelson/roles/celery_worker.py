"""`boot worker`: a Celery worker in the boot's own process (PID 1 in the image).

SIGTERM is Celery's warm shutdown: no new task is taken, running tasks finish (within
the hard time limit), then the process exits 0. A second SIGTERM does not cut them short;
SIGQUIT does (cold shutdown).
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from keelson.boot.exits import EXIT_OK

logger = logging.getLogger("boot")


def node_name() -> str:
    """The worker's name: one per host (container), known to `healthcheck worker`."""
    return f"keelson@{socket.gethostname()}"


def announce_warm_shutdown(worker: Any) -> None:
    logger.info(
        "worker: SIGTERM: warm shutdown, running tasks finish, no new task is taken",
        extra={"step": "signal"},
    )


def json_only_worker(app: Any) -> type:
    """Celery's worker, its shutdown signals announced as JSON lines instead of plain
    text printed straight to stdout."""
    from celery.apps import worker as celery_worker

    class Worker(app.Worker):
        def install_platform_tweaks(self, worker: Any) -> None:
            super().install_platform_tweaks(worker)
            celery_worker.install_worker_term_handler(
                worker, callback=announce_warm_shutdown, verbose=False
            )
            celery_worker.install_worker_int_handler(worker, verbose=False)
            celery_worker.install_worker_term_hard_handler(worker, verbose=False)

    return Worker


def run_worker() -> int:
    """Celery's worker, once the boot judged the contract, PostgreSQL, the broker and the
    schema. Its handlers replace the boot's: SIGTERM is a warm shutdown, exit 0."""
    from django.conf import settings

    from keelson.roles.celery_app import app

    worker = json_only_worker(app)(
        hostname=node_name(),
        # No banner: every line the container prints is JSON.
        quiet=True,
        loglevel=getattr(settings, "LOG_LEVEL", "INFO"),
        # Workers need not know each other (no mingle, gossip or event heartbeats):
        # fewer broker round trips, no lines about peers.
        without_heartbeat=True,
        without_gossip=True,
        without_mingle=True,
    )
    worker.start()
    return worker.exitcode if worker.exitcode is not None else EXIT_OK
