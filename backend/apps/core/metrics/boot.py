"""keelson_boot_step_seconds: the boot reports how long each of its steps took.

Call `record_boot_step` in the serving process (the one that becomes gunicorn's master)
after `directory.prepare`; a process without metrics ignores it.
"""

from __future__ import annotations

from .directory import collecting


def record_boot_step(step: str, seconds: float) -> None:
    if not collecting():
        return
    from .definitions import boot_step_seconds

    boot_step_seconds.labels(step).set(max(0.0, seconds))
