"""gunicorn's configuration for a gunicorn started by hand, in the project's directory:

    gunicorn -c python:keelson.gunicorn_config config.wsgi:application

The boot runs gunicorn in its own process with the same settings. Every knob comes from
the validated environment contract (keelson.serve.gunicorn_settings); a bad value of
any layer exits 78 with one line per problem before gunicorn starts anything.
"""

from keelson.contract.core import validated_or_exit
from keelson.logging import skip_unprinted_record_fields
from keelson.serve.gunicorn_settings import gunicorn_settings
from keelson.serve.observability import prepare_observability

skip_unprinted_record_fields()
values = validated_or_exit()
# Before the application is loaded (preload_app) and before any worker forks.
prepare_observability(values)
globals().update(gunicorn_settings(values))
