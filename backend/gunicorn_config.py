"""Gunicorn's configuration file, for gunicorn started by hand (the boot runs gunicorn
in its own process with the same settings): config.gunicorn_settings from the validated
environment contract. A bad value of any layer exits 78 with one line per problem
before gunicorn starts anything.
"""

import os
import sys

# Gunicorn loads this file by path; the backend's own modules must be importable from it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from config.contract import validated_or_exit
from config.gunicorn_settings import gunicorn_settings
from config.logging import skip_unprinted_record_fields

skip_unprinted_record_fields()
globals().update(gunicorn_settings(validated_or_exit()))
wsgi_app = "config.wsgi:application"
