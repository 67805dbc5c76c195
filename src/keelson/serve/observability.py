"""Metrics and the drain made ready in the serving process, from the validated contract
(METRICS_BIND, METRICS_DIR, DRAIN_SECONDS are declared in keelson.contract.core)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Observability:
    metrics_bind: str | None
    metrics_dir: str
    drain_seconds: int

    @property
    def metrics_on(self) -> bool:
        return self.metrics_bind is not None


# What this process chose; the gunicorn hooks (keelson.serve.gunicorn_hooks) read it.
chosen: Observability | None = None


def prepare_observability(values: Mapping[str, Any]) -> Observability:
    """Before Django or prometheus_client is imported and before any worker forks: empty
    and select the metrics directory (or switch metrics off), map the drain flag."""
    global chosen
    from keelson.serve import drain
    from keelson.serve.metrics import directory

    observability = Observability(
        metrics_bind=values["METRICS_BIND"] and values["METRICS_BIND"].strip(),
        metrics_dir=values["METRICS_DIR"],
        drain_seconds=values["DRAIN_SECONDS"],
    )
    if observability.metrics_on:
        directory.prepare(observability.metrics_dir)
    else:
        directory.disable()
    drain.prepare()
    chosen = observability
    return observability
