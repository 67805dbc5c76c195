"""SIGTERM and SIGINT before gunicorn serves (or Celery runs): end the boot within a second, whatever it
waits for (pg_isready, the migration lock, Django's import), with one line and 143/130.

Python runs a handler in the main thread between two bytecodes, and every wait of the
boot returns to the interpreter at least every 0.1 s (pg_isready's process, the poll's
pause, psycopg's wait for the lock). Once gunicorn runs, its own handlers take over:
SIGTERM becomes its graceful stop.
"""

from __future__ import annotations

import signal
import subprocess
from types import FrameType

from keelson.boot.exits import finish
from keelson.boot.log import BootLog


class Interrupt:
    def __init__(self, log: BootLog, starts: str = "gunicorn") -> None:
        self.log = log
        # What the boot was about to start: the interrupt line names it.
        self.starts = starts
        # The pg_isready attempt running now: it is stopped with the boot.
        self.child: subprocess.Popen | None = None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self.handle)
        signal.signal(signal.SIGINT, self.handle)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        code = 128 + signum
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
        name = signal.Signals(signum).name
        self.log.warning(
            "signal", f"boot interrupted by {name} before {self.starts} started", exit_code=code
        )
        finish(code)
