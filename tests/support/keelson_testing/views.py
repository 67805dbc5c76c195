"""Views that exist only in tests: a failing one, a slow one, one that logs."""

import logging
import os
import time

from django.contrib.auth.models import User
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger("keelson_testing")


def error(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("deliberate failure for the tests")


def slow(request: HttpRequest) -> JsonResponse:
    seconds = float(request.GET.get("seconds", "2"))
    # Tests wait for this line to know the request is in a worker's hands.
    logger.info("slow request started, sleeping %s s", seconds)
    time.sleep(seconds)
    return JsonResponse({"slept": seconds})


def log_line(request: HttpRequest) -> JsonResponse:
    logger.info("a line logged while serving a request")
    return JsonResponse({"logged": True})


def database(request: HttpRequest) -> JsonResponse:
    """A query through the default alias (the requests' kept connections), and which
    worker answered: for the stale-connection tests."""
    return JsonResponse({"pid": os.getpid(), "users": User.objects.count()})
