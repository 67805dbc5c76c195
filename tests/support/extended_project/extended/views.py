"""A view that uses the project's own variable."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def greeting(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"greeting": "hello", "limit": settings.GREETING_LIMIT})
