"""The drain: on SIGTERM /ready/ answers 503 at once, every other request is still served
for DRAIN_SECONDS, then gunicorn stops gracefully.

Load balancers and Kubernetes' endpoints take seconds to stop sending requests to a pod
that is going away; a server that stopped accepting at SIGTERM would refuse what they
still send (the 502s of a rolling deploy). The master holds one shared byte, mapped
before any worker forks: it sets it on SIGTERM and every worker reads it on /ready/ (one
memory read, no system call).
"""

from __future__ import annotations

import logging
import mmap
import signal
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("gunicorn.error")

_flag: mmap.mmap | None = None


def prepare() -> None:
    """Map the shared flag. Call in the master before workers fork (once)."""
    global _flag
    if _flag is None:
        _flag = mmap.mmap(-1, 1)


def draining() -> bool:
    return _flag is not None and _flag[0] == 1


def start_draining() -> None:
    if _flag is not None:
        _flag[0] = 1


def take_over_sigterm(
    arbiter: Any, seconds: int, on_drain: Callable[[], None] | None = None
) -> None:
    """Make the arbiter's SIGTERM drain for `seconds`, then stop as gunicorn does.

    gunicorn's master handles signals in its main loop by name (`handle_term`): the first
    SIGTERM sets the flag and starts a timer; when it fires (or at a second SIGTERM) the
    original handler runs: stop accepting, let in-flight requests finish within
    GUNICORN_GRACEFUL_TIMEOUT, exit 0. With `seconds` 0 SIGTERM stops at once.
    """
    graceful_stop = arbiter.handle_term
    if seconds <= 0:
        return

    def drain_then_stop() -> None:
        if draining():
            logger.info("drain over: graceful stop")
            graceful_stop()
            return
        start_draining()
        if on_drain is not None:
            on_drain()
        logger.info(
            "SIGTERM: draining for %s s (DRAIN_SECONDS): /ready/ answers 503, every other "
            "request is served; then graceful stop",
            seconds,
        )
        timer = threading.Timer(seconds, stop_now, args=(arbiter,))
        timer.daemon = True
        timer.start()

    arbiter.handle_term = drain_then_stop


def stop_now(arbiter: Any) -> None:
    """Queue a SIGTERM for the master's loop as its own signal handler does."""
    arbiter.SIG_QUEUE.append(signal.SIGTERM)
    arbiter.wakeup()
