"""HTTP metrics for every request Django answers, probes included.

The outermost middleware: it times the whole chain and sees the status a client gets.
Label children are looked up once per (route, method, status) and kept: the per-request
cost is the file writes of prometheus_client's values, nothing else (tests/bench).
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from .directory import collecting

# The probes answer before URL routing (apps.core.middleware.ProbeMiddleware).
PROBE_ROUTES = {"/health/": "health", "/health": "health", "/ready/": "ready", "/ready": "ready"}


def route_of(request: HttpRequest, unmatched: str) -> str:
    """The URL pattern's name (namespaced) or, for an unnamed pattern, its template."""
    probe = PROBE_ROUTES.get(request.path_info)
    if probe is not None:
        return probe
    match = getattr(request, "resolver_match", None)
    if match is None:
        return unmatched
    return match.view_name if match.url_name else match.route


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not collecting():
            raise MiddlewareNotUsed
        from . import definitions

        self.get_response = get_response
        self.definitions = definitions
        self.in_flight = definitions.http_requests_in_flight
        self.counters: dict[tuple[str, str, int], Any] = {}
        self.histograms: dict[tuple[str, str], Any] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = perf_counter()
        self.in_flight.inc()
        try:
            response = self.get_response(request)
        finally:
            self.in_flight.dec()
        elapsed = perf_counter() - started
        method = request.method
        if method not in self.definitions.KNOWN_METHODS:
            method = self.definitions.OTHER_METHOD
        route = route_of(request, self.definitions.UNMATCHED_ROUTE)
        key = (route, method, response.status_code)
        counter = self.counters.get(key)
        if counter is None:
            counter = self.counters[key] = self.definitions.http_requests.labels(*key)
        counter.inc()
        histogram = self.histograms.get(key[:2])
        if histogram is None:
            histogram = self.histograms[key[:2]] = self.definitions.http_request_duration.labels(
                route, method
            )
        histogram.observe(elapsed)
        return response


def ready_recorder() -> Callable[[bool], None] | None:
    """What /ready/ calls with its answer, or None when metrics are off."""
    if not collecting():
        return None
    from .definitions import ready

    return lambda answered_ready: ready.set(1 if answered_ready else 0)
