"""WSGI entry point of the bare-Django baseline."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bare_django.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
