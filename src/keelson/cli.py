"""The `keelson` command: the boot's commands (serve, migrate, check, worker, beat,
healthcheck, manage) and `contract`, run in the project's directory. The image's
entrypoint `boot` runs the same code (`python -m keelson`)."""

from __future__ import annotations

import os
import sys

__all__ = ["main"]


def main() -> None:
    """Run the command line in `sys.argv`; exits with the command's code."""
    # The project's modules (its settings) are found from its directory, as gunicorn and
    # Celery find them; `python -m keelson` has it on sys.path already.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    from keelson.boot.cli import main as run_boot

    run_boot()
