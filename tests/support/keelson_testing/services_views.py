"""Views that exist only in tests: through Django's own storage and cache APIs."""

import os

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .work.tasks import fail


@csrf_exempt
def save_media(request: HttpRequest) -> JsonResponse:
    """POST: the body saved as `name` through default_storage; its stored name and URL."""
    name = default_storage.save(request.GET["name"], ContentFile(request.body))
    return JsonResponse({"name": name, "url": default_storage.url(name)})


def cache_value(request: HttpRequest) -> JsonResponse:
    """?key=K&value=V sets, ?key=K gets; with the answering worker's pid."""
    key = request.GET["key"]
    if "value" in request.GET:
        cache.set(key, request.GET["value"], 300)
    return JsonResponse({"pid": os.getpid(), "value": cache.get(key)})


def enqueue_failing_task(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"task_id": fail.delay().id}, status=202)
