"""Fixtures of the services tests: the boot against real PostgreSQL."""

from boot_fixtures import boot_env, started

__all__ = ["boot_env", "started"]
