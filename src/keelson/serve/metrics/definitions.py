"""Keelson's metrics: names, labels and how workers' values combine.

Imported only once `directory.prepare` ran (the values then live in the shared files).
Counters and histograms add up over every worker, dead ones included (`retire`); gauges
use prometheus_client's live modes, so a dead worker's values go with it.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Requests whose path matched no URL pattern (404s, redirects before routing) share one
# label value: a label never carries a raw path, so scanners cannot grow the series.
UNMATCHED_ROUTE = "unmatched"
# Methods outside this set (anything a client invents) are counted as one.
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
OTHER_METHOD = "other"

http_requests = Counter(
    "keelson_http_requests",
    "HTTP requests answered, by URL pattern (name or template), method and status.",
    ["route", "method", "status"],
)
http_request_duration = Histogram(
    "keelson_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by URL pattern and method.",
    ["route", "method"],
)
http_requests_in_flight = Gauge(
    "keelson_http_requests_in_flight",
    "Requests being served right now, over all workers.",
    multiprocess_mode="livesum",
)
ready = Gauge(
    "keelson_ready",
    "1 when /ready/ last answered ready, 0 when it answered 503 (or the server is draining).",
    multiprocess_mode="livemostrecent",
)
boot_step_seconds = Gauge(
    "keelson_boot_step_seconds",
    "How long each step of this server's boot took.",
    ["step"],
    multiprocess_mode="livemax",
)
