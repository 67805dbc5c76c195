"""Keelson: the production runtime for Django.

A project's settings get Keelson's production behaviour from `keelson.settings`, its
URLs the probes from `keelson.urls`, and its own environment variables join Keelson's
contract through `keelson.contract`. The `keelson` command (`keelson.cli`) boots it.
Those modules and `__version__` are the public API (docs/API.md); every other module
is internal and may change in any release.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    # The installed distribution's version, read when asked for: the boot never pays for it.
    if name == "__version__":
        from importlib.metadata import version

        return version("keelson")
    raise AttributeError(f"module 'keelson' has no attribute {name!r}")
