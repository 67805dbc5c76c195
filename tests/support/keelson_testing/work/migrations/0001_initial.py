from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="TaskRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("task_name", models.CharField(max_length=200)),
                ("task_id", models.CharField(max_length=64)),
                ("note", models.CharField(blank=True, max_length=200)),
                ("request_id", models.CharField(max_length=128, null=True)),
                ("origin", models.CharField(blank=True, max_length=200)),
                ("pid", models.IntegerField()),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
