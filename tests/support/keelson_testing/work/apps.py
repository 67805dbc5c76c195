from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "keelson_testing.work"
    label = "keelson_testing_work"
    default_auto_field = "django.db.models.BigAutoField"
