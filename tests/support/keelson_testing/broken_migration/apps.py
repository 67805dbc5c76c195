from django.apps import AppConfig


class BrokenMigrationConfig(AppConfig):
    name = "keelson_testing.broken_migration"
    label = "broken_migration"
