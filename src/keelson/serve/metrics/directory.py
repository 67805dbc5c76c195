"""The directory of the metric files, and whether this process collects metrics.

prometheus_client chooses multiprocess mode when it is imported, from an environment
variable: `prepare` sets it, so it must run before anything imports prometheus_client,
and before gunicorn forks a worker (workers inherit the variable).
"""

from __future__ import annotations

import os
from pathlib import Path

# prometheus_client's own switch; a detail of this module, not a variable operators set.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


# The directory this process prepared: gunicorn reads its configuration again on SIGHUP,
# and the files of the running workers must survive that.
_prepared: Path | None = None


def prepare(directory: str) -> Path:
    """Create `directory` if needed and remove the metric files a previous run left
    (only `*.db` files directly in it: a mistyped directory loses nothing else). Once
    per process."""
    global _prepared
    path = Path(directory)
    if _prepared == path:
        return path
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    _prepared = path
    return path


def collecting() -> bool:
    """True in a process whose boot prepared the directory (the master and its workers)."""
    return bool(os.environ.get(MULTIPROC_ENV))


def metrics_directory() -> Path:
    return Path(os.environ[MULTIPROC_ENV])


def disable() -> None:
    """No metrics in this process or its children, whatever the inherited environment says."""
    os.environ.pop(MULTIPROC_ENV, None)
