"""The drain: on SIGTERM /ready/ answers 503 at once, every other request is still served
for DRAIN_SECONDS, then the server stops gracefully.

Load balancers and Kubernetes' endpoints take seconds to stop sending requests to a pod
that is going away; a server that stopped accepting at SIGTERM would refuse what they
still send (the 502s of a rolling deploy). The process that gets SIGTERM holds one shared
byte, mapped before any worker forks: it sets it on SIGTERM and every worker reads it on
/ready/ (one memory read, no system call).

Who gets SIGTERM: the boot's supervisor (keelson.serve.supervisor), which ends the drain
by stopping the front and then gunicorn; or, for a gunicorn started by hand
(keelson.gunicorn_config), gunicorn's master, where `drain_then_hand_over` lets SIGTERM
reach gunicorn's own handler (its documented graceful stop) once the drain is over.
"""

from __future__ import annotations

import logging
import mmap
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

logger = logging.getLogger("gunicorn.error")

_flag: mmap.mmap | None = None


def prepare() -> None:
    """Map the shared flag. Call before any worker forks (once)."""
    global _flag
    if _flag is None:
        _flag = mmap.mmap(-1, 1)


def draining() -> bool:
    return _flag is not None and _flag[0] == 1


def start_draining() -> None:
    if _flag is not None:
        _flag[0] = 1


class Drain:
    """What SIGTERM does, wherever it is received: the first one starts the drain, the
    one after it (or the first, with DRAIN_SECONDS=0) means stop now."""

    def __init__(
        self, seconds: int, on_drain: Callable[[], None] | None, log: logging.Logger = logger
    ) -> None:
        self.seconds = seconds
        self.on_drain = on_drain
        self.log = log
        # When the drain is over (time.monotonic()); None until SIGTERM.
        self.ends_at: float | None = None

    def sigterm(self) -> bool:
        """True: stop now. False: the drain has just begun (until `ends_at`)."""
        if self.seconds <= 0 or self.ends_at is not None:
            if self.seconds > 0:
                self.log.info("drain over: graceful stop")
            return True
        start_draining()
        self.ends_at = time.monotonic() + self.seconds
        if self.on_drain is not None:
            self.on_drain()
        self.log.info(
            "SIGTERM: draining for %s s (DRAIN_SECONDS): /ready/ answers 503, every other "
            "request is served; then graceful stop",
            self.seconds,
        )
        return False


def drain_then_hand_over(drain: Drain) -> None:
    """In gunicorn's master, from its `when_ready` hook: SIGTERM drains first.

    The handler gunicorn gave Python's signal module for SIGTERM is kept and called, as
    the kernel would call it, once the drain is over (or at a second SIGTERM); gunicorn
    then stops as its documentation says of SIGTERM: stop accepting, let in-flight
    requests finish within GUNICORN_GRACEFUL_TIMEOUT, exit 0. The end of the drain is a
    SIGTERM this process sends itself, so the handler always runs in the main thread.
    """
    gunicorn_handler = signal.getsignal(signal.SIGTERM)
    if not callable(gunicorn_handler):
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if drain.sigterm():
            gunicorn_handler(signum, frame)
            return
        timer = threading.Timer(drain.seconds, os.kill, args=(os.getpid(), signal.SIGTERM))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, handle)
