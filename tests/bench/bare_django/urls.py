"""One URL: /health/, answered with the same small JSON body as our liveness probe."""

from django.http import HttpRequest, JsonResponse
from django.urls import path


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "healthy", "service": "bare", "version": "0.0.0"})


urlpatterns = [path("health/", health)]
