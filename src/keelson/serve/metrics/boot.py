"""keelson_boot_step_seconds: the boot reports how long each of its steps took.

Call `record_boot_step` (or run a step through `timed`) in the serving process, the one
that becomes gunicorn's master, after keelson.serve.observability.prepare_observability; a
process without metrics ignores it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from .directory import collecting

T = TypeVar("T")


def record_boot_step(step: str, seconds: float) -> None:
    if not collecting():
        return
    from .definitions import boot_step_seconds

    boot_step_seconds.labels(step).set(max(0.0, seconds))


def timed(step: str, run: Callable[..., T], *args: Any) -> T:
    """run(*args), its duration recorded as `step` (also when it fails or ends the boot)."""
    started = time.monotonic()
    try:
        return run(*args)
    finally:
        record_boot_step(step, time.monotonic() - started)
