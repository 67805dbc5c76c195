"""URLs: Keelson's probes (/health/, /ready/), the admin at ADMIN_URL and the pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("keelson.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("pages.urls")),
]
