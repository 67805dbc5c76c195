"""Keelson's probes (/health/, /ready/) and the project's one view."""

from django.urls import include, path

from extended.views import greeting

urlpatterns = [
    path("", include("keelson.urls")),
    path("greeting/", greeting, name="greeting"),
]
