"""URLs. /health/ and /ready/ are answered by apps.core.middleware.ProbeMiddleware."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
