from django.db import models


class Page(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    published = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published", "-id"]

    def __str__(self) -> str:
        return self.title
