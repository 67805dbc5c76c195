"""What every entry point does first: load the settings, or exit 78 with one line per problem."""

from __future__ import annotations

import importlib
import os

from keelson.contract.env import ConfigError, Env, exit_on_config_error

KNOWN_SETTINGS = "config.settings.production (the image) or config.settings.local (development)"


def load_settings_or_exit(default: str) -> None:
    """Import DJANGO_SETTINGS_MODULE (`default` when unset or empty) now, so a bad
    configuration never reaches a traceback."""
    name = os.environ.get("DJANGO_SETTINGS_MODULE") or default
    os.environ["DJANGO_SETTINGS_MODULE"] = name
    try:
        importlib.import_module(name)
    except ConfigError as error:
        exit_on_config_error(error)
    except ModuleNotFoundError as error:
        # Only a missing settings module is a configuration error; a missing import inside
        # an existing one is a bug and keeps its traceback.
        if not error.name or not (name == error.name or name.startswith(error.name + ".")):
            raise
        env = Env({})
        env.problem(
            "DJANGO_SETTINGS_MODULE",
            f"names {name!r}, which does not exist here",
            f"use {KNOWN_SETTINGS}",
        )
        exit_on_config_error(ConfigError(env.problems))
