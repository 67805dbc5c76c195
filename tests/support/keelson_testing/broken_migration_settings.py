"""keelson_testing.settings plus an app whose migration raises (boot exit 70 tests)."""

from keelson_testing.settings import *  # noqa: F403
from keelson_testing.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "keelson_testing.broken_migration"]
