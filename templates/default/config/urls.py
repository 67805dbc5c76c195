"""URLs: Keelson's probes (/health/, /ready/), the admin and the pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("keelson.urls")),
    path("admin/", admin.site.urls),
    path("", include("pages.urls")),
]
