"""HTTP metrics for every request Django answers, probes included.

The outermost middleware: it times the whole chain and sees the status a client gets.
Label children are looked up once per (route, method, status) and kept; each request
then costs prometheus_client's public Counter.inc, Histogram.observe and Gauge.inc/dec
(tests/bench).
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from .directory import collecting

# The probes answer before URL routing (keelson.middleware.ProbeMiddleware).
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


class RouteValues:
    """The metrics one (route, method, status) writes: its label children, found once."""

    __slots__ = ("count", "duration")

    def __init__(self, definitions: Any, route: str, method: str, status: int) -> None:
        self.count = definitions.http_requests.labels(route, method, status)
        self.duration = definitions.http_request_duration.labels(route, method)

    def record(self, seconds: float) -> None:
        self.count.inc()
        self.duration.observe(seconds)


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not collecting():
            raise MiddlewareNotUsed
        from . import definitions

        self.get_response = get_response
        self.definitions = definitions
        self.in_flight = definitions.http_requests_in_flight
        self.known_methods = definitions.KNOWN_METHODS
        self.routes: dict[tuple[str, str, int], RouteValues] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = perf_counter()
        in_flight = self.in_flight
        in_flight.inc()
        try:
            response = self.get_response(request)
        finally:
            in_flight.dec()
        elapsed = perf_counter() - started
        method = request.method
        if method not in self.known_methods:
            method = self.definitions.OTHER_METHOD
        key = (route_of(request, self.definitions.UNMATCHED_ROUTE), method, response.status_code)
        values = self.routes.get(key)
        if values is None:
            values = self.routes[key] = RouteValues(self.definitions, *key)
        values.record(elapsed)
        return response


def ready_recorder() -> Callable[[bool], None] | None:
    """What /ready/ calls with its answer, or None when metrics are off."""
    if not collecting():
        return None
    from .definitions import ready

    return lambda answered_ready: ready.set(1 if answered_ready else 0)
