"""Figures the systemd tests measure (phase times, exposure scores), printed at the end of
the run beside each other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

FIGURES: dict[str, str] = {}


@contextmanager
def timed(phase: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    FIGURES[f"time: {phase}"] = f"{time.monotonic() - started:.1f} s"
