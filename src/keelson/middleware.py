"""Request ids on every request and log line; probes answered before host checks."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from keelson import probes
from keelson.logging import request_id_var
from keelson.request_id import HEADER, META_KEY, accept_or_generate
from keelson.serve import drain
from keelson.serve.metrics.middleware import ready_recorder

PROBE_PATHS = {
    "/health/": "health",
    "/health": "health",
    "/ready/": "ready",
    "/ready": "ready",
}


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.max_length = settings.REQUEST_ID_MAX_LENGTH

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_or_generate(request.META.get(META_KEY), self.max_length)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


class ProbeAnswers:
    """The answers of /health/ and /ready/ (`probe`: "health" or "ready")."""

    def __init__(self) -> None:
        self.record_ready = ready_recorder()

    def __call__(self, request: HttpRequest, probe: str) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"error": "method not allowed"}, status=405)
            response["Allow"] = "GET, HEAD"
        elif probe == "health":
            response = JsonResponse(probes.health())
        else:
            if drain.draining():
                ready, body = False, {"status": "draining"}
            else:
                ready, body = probes.readiness()
            response = JsonResponse(body, status=200 if ready else 503)
            if self.record_ready is not None:
                self.record_ready(ready)
        response["Cache-Control"] = "no-store"
        return response


class ProbeMiddleware:
    """Answers /health/ and /ready/ whatever the Host header and scheme.

    Kubernetes and Docker probe the container's IP over plain HTTP; ALLOWED_HOSTS and
    the HTTPS redirect keep applying to every other path. Once the server drains
    (keelson.serve.drain) /ready/ answers 503 without asking the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.answer = ProbeAnswers()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBE_PATHS.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        return self.answer(request, probe)
