"""keelson_testing.worker_settings plus views that use the services (storage, cache,
a failing task)."""

from keelson_testing.worker_settings import *  # noqa: F403

ROOT_URLCONF = "keelson_testing.services_urls"
