"""Production settings plus test-only endpoints (an error view, a slow view)."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "keelson_testing.urls"
