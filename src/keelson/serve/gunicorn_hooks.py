"""Gunicorn's server hooks: keep the preloaded application shared, recycle workers
cheaply, serve metrics from the master.

Workers are recycled after GUNICORN_MAX_REQUESTS requests. Measured with tests/bench on
a 2-core machine, one recycle cost about 80 ms of CPU, as much as the requests it
followed: the exiting worker tore the whole Django application down object by object,
and its garbage collector, walking objects inherited from the master, copied pages the
two processes had shared.

keelson.serve.gunicorn_settings sets these hooks, for the boot's gunicorn (keelson.serve.server)
and for one started by hand (keelson.gunicorn_config), both after
keelson.serve.observability.prepare_observability. The drain is not a hook: the boot's
supervisor runs it (keelson.serve.supervisor), and keelson.gunicorn_config adds it to
`when_ready` for a gunicorn started by hand (keelson.serve.drain).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from typing import Any

from keelson.contract.env import EXIT_CONFIG
from keelson.serve import observability

_starting_at: float | None = None
_metrics_server: Any = None


def on_starting(server: Any) -> None:
    """gunicorn's master starts (the application is loaded): the "listen" step begins."""
    global _starting_at
    _starting_at = time.monotonic()


def when_ready(server: Any) -> None:
    """Before the first worker is forked: start the metrics listener and freeze the
    preloaded application."""
    chosen = observability.chosen
    if chosen is not None and chosen.metrics_on:
        start_metrics(server, chosen.metrics_bind, chosen.metrics_dir)
    if _starting_at is not None:
        from keelson.serve.metrics.boot import record_boot_step

        record_boot_step("listen", time.monotonic() - _starting_at)
    # The workers' garbage collector never walks the objects loaded so far, so their
    # pages stay shared with the master instead of being copied into each worker (Python's
    # gc.freeze documentation).
    gc.freeze()


def start_metrics(server: Any, bind: str, directory: str) -> None:
    global _metrics_server
    from pathlib import Path

    from keelson.serve.metrics.listener import MetricsServer

    metrics = MetricsServer(Path(directory))
    try:
        metrics.start(bind)
    except OSError as error:
        server.log.error(
            "METRICS_BIND %s cannot be listened on (%s). Hint: choose a free address for "
            "metrics, e.g. METRICS_BIND=0.0.0.0:9100, or leave it empty",
            bind,
            error.strerror or error,
            extra={"variable": "METRICS_BIND", "exit_code": EXIT_CONFIG},
        )
        server.stop(graceful=False)
        sys.exit(EXIT_CONFIG)
    _metrics_server = metrics
    server.log.info("metrics on http://%s/metrics (METRICS_BIND)", bind)


def not_ready_any_more() -> None:
    """The drain began: keelson_ready says 0 at once."""
    from keelson.serve.metrics.middleware import ready_recorder

    record = ready_recorder()
    if record is not None:
        record(False)


def on_exit(server: Any) -> None:
    """The master is about to exit: close the metrics listener before the interpreter
    shuts down, so no thread of it is still running then."""
    if _metrics_server is not None:
        _metrics_server.stop()


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone (recycled, killed, crashed): fold its metrics into the archive."""
    if _metrics_server is not None:
        _metrics_server.worker_died(worker.pid)


def worker_exit(server: Any, worker: Any) -> None:
    """A worker recycled by max_requests closes its connections, flushes its logs and
    leaves without tearing down the interpreter (~2 ms instead of ~80 ms of CPU).

    Every other exit (SIGTERM, a timeout, a crash) keeps Python's normal exit path and
    its exit code: the master tells those apart by it.
    """
    if worker.nr < worker.max_requests:
        return
    from django.db import connections

    connections.close_all()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
