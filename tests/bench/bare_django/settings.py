"""As little Django as serves a JSON view: no apps, no middleware, no database."""

SECRET_KEY = "bench-only-bare-django-not-a-secret-" + "x" * 20
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bare_django.urls"
DATABASES: dict[str, dict] = {}
USE_TZ = True
