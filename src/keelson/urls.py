"""The probes as URLs, for a project's urls module in one line:

    path("", include("keelson.urls")),

Keelson's ProbeMiddleware (added by keelson.settings.common) answers /health/ and
/ready/ before host validation and the HTTPS redirect; these patterns give the same
answers a place in the project's URL map (`reverse("keelson:ready")`), under any prefix.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from keelson.middleware import ProbeAnswers

__all__ = ["app_name", "urlpatterns"]

app_name = "keelson"

_answer = ProbeAnswers()


def _health(request: HttpRequest) -> HttpResponse:
    return _answer(request, "health")


def _ready(request: HttpRequest) -> HttpResponse:
    return _answer(request, "ready")


urlpatterns = [
    path("health/", _health, name="health"),
    path("ready/", _ready, name="ready"),
]
