from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Keelson core: probes, request ids, the boot, tasks"

    def ready(self) -> None:
        # The Celery app, so that tasks sent from requests go to the configured broker.
        import config.celery  # noqa: F401
