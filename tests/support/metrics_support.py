"""Reading the master's metrics listener as Prometheus would: one scrape, parsed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from boot_support import wait_for_line
from httpclient import Response, request
from ports import free_port
from processes import Process
from prometheus_client.parser import text_string_to_metric_families

Labels = frozenset[tuple[str, str]]


def metrics_overrides(directory: Path) -> dict[str, str]:
    """METRICS_BIND on a free loopback port, the files in a directory of this test's own."""
    return {"METRICS_BIND": f"127.0.0.1:{free_port()}", "METRICS_DIR": str(directory)}


def metrics_port(env: dict[str, str]) -> int:
    return int(env["METRICS_BIND"].rpartition(":")[2])


class Scrape:
    """Every sample of one scrape: name -> {labels: value}."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[str, dict[Labels, float]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = frozenset(sample.labels.items())
                self.samples.setdefault(sample.name, {})[labels] = sample.value

    def value(self, name: str, **labels: str) -> float:
        """The sample with exactly these labels (0 when absent: a counter not yet seen)."""
        return self.samples.get(name, {}).get(frozenset(labels.items()), 0.0)

    def total(self, name: str, **labels: str) -> float:
        """The sum over every sample whose labels include these."""
        wanted = set(labels.items())
        return sum(v for key, v in self.samples.get(name, {}).items() if wanted <= key)

    def label_sets(self, name: str) -> set[Labels]:
        return set(self.samples.get(name, {}))


def scrape(port: int) -> Scrape:
    response = request(port, "/metrics", timeout=5.0)
    assert response.status == 200, response.status
    return Scrape(response.body.decode())


def scrape_until(
    port: int, condition: Callable[[Scrape], bool], timeout: float, what: str
) -> Scrape:
    """Scrape until `condition` holds (the master folds dead workers in asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        last = scrape(port)
        if condition(last):
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout}s; last scrape:\n{last.text[-3000:]}")
        time.sleep(0.05)


# The master handles SIGTERM in its main loop, woken at once: the drain starts within
# milliseconds. The bound only catches a master that does not start it at all.
DRAIN_STARTS_WITHIN = 10.0


def drain_started(line: dict[str, Any]) -> bool:
    return str(line.get("message", "")).startswith("SIGTERM: draining for ")


def await_draining(process: Process, port: int) -> Response:
    """/ready/'s answer once the master has logged that the drain started, which must be
    503. The master sets the flag the workers read before it logs that line, so this
    checks that /ready/ turns 503 at once by the order of the two, not by a clock: a
    figure of milliseconds, which one sample on a busy machine would miss by chance."""
    wait_for_line(process, drain_started, timeout=DRAIN_STARTS_WITHIN)
    answer = request(port, "/ready/")
    assert answer.status == 503, f"/ready/ answered {answer.status} once the drain had started"
    return answer
