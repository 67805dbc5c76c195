"""Keelson's behaviour for a project's settings modules, in a few lines each.

    # config/settings/base.py: after the project's own INSTALLED_APPS and MIDDLEWARE
    import keelson.settings
    keelson.settings.common(globals(), service="shop", version="1.4.0")

    # config/settings/production.py
    from .base import *
    env = keelson.settings.production(globals())
    PAYMENTS_API_URL = env["PAYMENTS_API_URL"]   # a variable of the project's contract

    # config/settings/local.py, config/settings/test.py
    from .base import *
    keelson.settings.development(globals(), state_dir=BASE_DIR / ".state")
    keelson.settings.testing(globals())

Each function writes Django settings into the module's namespace (`globals()`);
docs/API.md lists what each one sets.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from keelson.contract.core import Values
from keelson.settings.entry import load_settings_or_exit

__all__ = ["common", "development", "load_settings_or_exit", "production", "testing"]


def common(settings: MutableMapping[str, Any], *, service: str, version: str) -> None:
    """What every environment shares: Keelson's apps (after the project's) and
    middleware (placed around Django's), JSON logging's hook, request ids, WhiteNoise's
    static storage and the Celery constants and built-in schedule. `service` and
    `version` are what /health/ and the logs name. Reads no environment."""
    from keelson.settings._common import apply_common

    apply_common(settings, service=service, version=version)


def production(settings: MutableMapping[str, Any]) -> Values:
    """Production on PostgreSQL, every value from the environment contract (Keelson's
    variables and the project's own), validated as a whole: a bad one raises
    ConfigError with one line per problem (the entry points exit 78). Returns the
    validated values, the project's included. Call `common` first."""
    from keelson.settings._production import apply_production

    return apply_production(settings)


def development(settings: MutableMapping[str, Any], *, state_dir: Path) -> None:
    """Development on SQLite in `state_dir`, DEBUG on, text logs, a local Redis as the
    broker unless CELERY_BROKER_URL says otherwise. Needs no environment."""
    from keelson.settings._development import apply_development

    apply_development(settings, state_dir=state_dir)


def testing(settings: MutableMapping[str, Any]) -> None:
    """In-process tests: SQLite in memory, a fast password hasher, in-memory media,
    tasks run where they are sent."""
    from keelson.settings._testing import apply_testing

    apply_testing(settings)
