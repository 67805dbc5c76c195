"""Production: PostgreSQL only, every value from the validated environment contract
(Keelson's variables and config/contract.py's); nothing here reads os.environ itself."""

from .base import *  # noqa: F403

# Every variable, judged at once: a bad one raises ConfigError with one line per problem,
# which the entry points turn into exit 78.
env = keelson.settings.production(globals())

# The site's own variables (config/contract.py), from the same validated values.
PAGES_PER_LISTING = env["PAGES_PER_LISTING"]
