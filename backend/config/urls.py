"""URLs: the admin, and Keelson's probes (/health/, /ready/)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("keelson.urls")),
    path("admin/", admin.site.urls),
]
