"""Production settings built on keelson.settings alone, as a real project's are: the
project's apps and middleware, Keelson's around them, then every value from the
validated contract, the project's own variables included."""

import keelson.settings

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "extended.urls"
TIME_ZONE = "UTC"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

keelson.settings.common(globals(), service="extended", version="1.0.0")
env = keelson.settings.production(globals())

# The project's own variables, read from the same validated values as Keelson's.
GREETING_LIMIT = env["GREETING_LIMIT"]
PARTNER_API_TOKEN = env["PARTNER_API_TOKEN"]
