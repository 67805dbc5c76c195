"""gunicorn's configuration for a gunicorn started by hand, in the project's directory:

    gunicorn -c python:keelson.gunicorn_config config.wsgi:application

The boot runs gunicorn behind the front with the same settings. Every knob comes from
the validated environment contract (keelson.serve.gunicorn_settings); a bad value of
any layer exits 78 with one line per problem before gunicorn starts anything. SIGTERM
drains for DRAIN_SECONDS first (keelson.serve.drain), then reaches gunicorn.
"""

from typing import Any

from keelson.contract.core import validated_or_exit
from keelson.serve import gunicorn_hooks
from keelson.serve.drain import Drain, drain_then_hand_over
from keelson.serve.gunicorn_settings import gunicorn_settings
from keelson.serve.observability import prepare_observability

values = validated_or_exit()
# Before the application is loaded (preload_app) and before any worker forks.
prepare_observability(values)
globals().update(gunicorn_settings(values))


def when_ready(server: Any) -> None:
    gunicorn_hooks.when_ready(server)
    drain_then_hand_over(Drain(values["DRAIN_SECONDS"], gunicorn_hooks.not_ready_any_more))
