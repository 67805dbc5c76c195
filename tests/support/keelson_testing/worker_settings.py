"""keelson_testing.settings plus test tasks, their table and a fast beat schedule."""

from keelson_testing.settings import *  # noqa: F403
from keelson_testing.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "keelson_testing.work"]
ROOT_URLCONF = "keelson_testing.work.urls"
CELERY_BEAT_SCHEDULE = {
    "tick": {"task": "keelson_testing.work.tasks.beat_tick", "schedule": 1.0},
}
