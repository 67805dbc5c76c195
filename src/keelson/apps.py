from django.apps import AppConfig


class KeelsonConfig(AppConfig):
    name = "keelson"
    label = "keelson"
    verbose_name = "Keelson: probes, request ids, built-in tasks"

    def ready(self) -> None:
        # The Celery app, so that tasks sent from requests go to the configured broker.
        import keelson.roles.celery_app  # noqa: F401
