"""The boot's exit codes (sysexits.h) and its one way to end before serving."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from keelson.contract.env import EXIT_CONFIG

EXIT_OK = 0
EXIT_HEALTHCHECK = 1
# Serving: the front (nginx) is missing, could not start, or exited.
EXIT_FRONT = 1
EXIT_USAGE = 64
EXIT_UNAVAILABLE = 69
EXIT_MIGRATE = 70
EXIT_COLLECTSTATIC = 73
# `boot worker` / `boot beat` on a schema older than the code: retry after `boot migrate`.
EXIT_NOT_MIGRATED = 75
__all__ = ["EXIT_CONFIG", "finish"]


def finish(code: int) -> NoReturn:
    """Flush the output and end now. Skips the interpreter's teardown (over 100 ms with
    Django loaded) and never waits for the background Django setup: every line is out,
    and PostgreSQL drops the connection, with its advisory locks, when the process ends."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
