from django.apps import AppConfig


class KeelsonConfig(AppConfig):
    name = "keelson"
    label = "keelson"
    verbose_name = "Keelson: probes, request ids, built-in tasks"

    def ready(self) -> None:
        from django.conf import settings

        # The Celery app, so that tasks sent from requests go to the configured broker.
        import keelson.roles.celery_app  # noqa: F401

        # Error reporting before any request or task, and before gunicorn forks.
        config = getattr(settings, "KEELSON_ERROR_REPORTING", None)
        if config:
            from keelson import error_reporting

            error_reporting.start(config)
