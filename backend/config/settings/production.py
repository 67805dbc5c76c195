"""Production: PostgreSQL only, every value from the validated environment contract
(keelson.contract); nothing here reads os.environ itself."""

from .base import *  # noqa: F403

# Every variable, judged at once: a bad one raises ConfigError with one line per problem,
# which the entry points turn into exit 78.
env = keelson.settings.production(globals())
