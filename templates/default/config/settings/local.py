"""Development on SQLite: needs no environment at all. Never shipped in the image."""

from .base import *  # noqa: F403
from .base import BASE_DIR

keelson.settings.development(globals(), state_dir=BASE_DIR / ".state")

# The site's own variables: development reads none from the environment.
PAGES_PER_LISTING = 20
