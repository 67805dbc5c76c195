from django.db import models


class TaskRun(models.Model):
    """One row per run of a test task: what ran, for which request, sent by whom."""

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64)
    note = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=128, null=True)
    origin = models.CharField(max_length=200, blank=True)
    pid = models.IntegerField()
    created = models.DateTimeField(auto_now_add=True)
