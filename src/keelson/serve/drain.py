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


# Called in the master's main loop when the drain is over, before gunicorn's graceful
# stop: what must stop accepting before the workers do (a front server) registers here.
_drain_end: list[Callable[[], None]] = []


def at_drain_end(step: Callable[[], None]) -> None:
    """Run `step` once the drain period is over (or at once with DRAIN_SECONDS=0, or at a
    second SIGTERM), in the master, before gunicorn stops its workers gracefully. Steps
    run in the order registered; one that raises is logged and the stop goes on."""
    _drain_end.append(step)


def end_drain() -> None:
    for step in _drain_end:
        try:
            step()
        except Exception:
            logger.exception("a drain-end step failed (%s); the graceful stop goes on", step)


def take_over_sigterm(
    arbiter: Any, seconds: int, on_drain: Callable[[], None] | None = None
) -> None:
    """Make the arbiter's SIGTERM drain for `seconds`, then stop as gunicorn does.

    gunicorn's master handles signals in its main loop by name (`handle_term`): the first
    SIGTERM sets the flag and starts a timer; when it fires (or at a second SIGTERM) the
    drain-end steps run, then the original handler: stop accepting, let in-flight
    requests finish within GUNICORN_GRACEFUL_TIMEOUT, exit 0. With `seconds` 0 SIGTERM
    runs the drain-end steps and stops at once.
    """
    graceful_stop = arbiter.handle_term
    ended = False

    def end_then_stop() -> None:
        nonlocal ended
        if not ended:
            ended = True
            end_drain()
        graceful_stop()

    def drain_then_stop() -> None:
        if seconds <= 0 or draining():
            if seconds > 0:
                logger.info("drain over: graceful stop")
            end_then_stop()
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
