"""In-process tests on SQLite with a fast password hasher. Never shipped in the image."""

from .base import *  # noqa: F403

keelson.settings.testing(globals())

# The site's own variables: tests read none from the environment.
PAGES_PER_LISTING = 20
