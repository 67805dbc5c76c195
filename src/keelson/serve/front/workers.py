"""Which gunicorn workers are alive, told by gunicorn's documented server hooks.

A worker that finished loading (`post_worker_init`, in the worker) adds a file named by
its pid to a directory; the master removes it when the worker is gone (`child_exit`).
gunicorn's master replaces a worker that shows no sign of life within GUNICORN_TIMEOUT,
so a listed worker whose process exists is one gunicorn judges alive. The liveness
listener (keelson.serve.front.liveness) counts them in the boot's own process, outside
gunicorn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WorkerRegistry:
    directory: Path

    def prepare(self) -> None:
        """An empty directory; call before gunicorn forks its first worker."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in self.directory.iterdir():
            stale.unlink(missing_ok=True)

    def add(self, pid: int) -> None:
        (self.directory / str(pid)).touch()

    def remove(self, pid: int) -> None:
        (self.directory / str(pid)).unlink(missing_ok=True)

    def counts(self) -> tuple[int, int]:
        """(alive, running): workers whose process exists, workers gunicorn runs."""
        try:
            pids = [int(entry.name) for entry in self.directory.iterdir()]
        except (FileNotFoundError, ValueError):
            return 0, 0
        return sum(map(process_exists, pids)), len(pids)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
