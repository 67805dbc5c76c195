"""The WSGI entry point. Falls back to production settings: a server never starts on
development settings by accident."""

from keelson.settings import load_settings_or_exit

load_settings_or_exit(default="config.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
