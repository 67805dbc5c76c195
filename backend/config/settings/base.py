"""Settings every environment shares. Nothing here reads the environment."""

from pathlib import Path

from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SERVICE_NAME = "keelson"
VERSION = (BASE_DIR / "VERSION").read_text(encoding="utf-8").strip()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "apps.core",
]

MIDDLEWARE = [
    # Outermost: times and counts every request, probes included (off without METRICS_BIND).
    "apps.core.metrics.middleware.MetricsMiddleware",
    "apps.core.middleware.RequestIdMiddleware",
    # Probes answer before host validation and the HTTPS redirect: kubelets call the
    # pod IP over plain HTTP.
    "apps.core.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING_CONFIG = "config.logging.configure"

# Request ids longer than this are replaced, not truncated: a cut id matches nothing.
REQUEST_ID_MAX_LENGTH = 128

# Celery (config.celery): the settings that are the same everywhere. Broker and knobs
# come from the environment contract (config.contract, its "Workers" layer).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Each worker also consumes its own queue: `boot healthcheck worker` pings this worker,
# not whichever one answers first.
CELERY_WORKER_DIRECT = True
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# None: retry for ever. A broker restart must not stop the worker (tasks are kept).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when the broker connection is lost cannot be acknowledged on the new
# one: its message comes back (acks_late). Cancel it rather than run it twice at once.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
# The schedule beat runs: in code, reviewed like code. One beat schedules at a time
# (a PostgreSQL advisory lock, apps.core.boot.beat).
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "apps.core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
}
