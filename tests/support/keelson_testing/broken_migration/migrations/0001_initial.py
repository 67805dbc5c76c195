"""Creates a table, then fails: PostgreSQL must roll the table back with the migration."""

from django.db import migrations, models


def fail(apps, schema_editor) -> None:
    raise RuntimeError("deliberately broken migration (keelson_testing.broken_migration)")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Doomed",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
        ),
        migrations.RunPython(fail, migrations.RunPython.noop),
    ]
