"""The observability variables: where metrics are served, where their files live, and how
long a stopping server keeps serving. Read here once, through the typed readers."""

from __future__ import annotations

from dataclasses import dataclass

from config.env import Env, one_line

# Kubernetes removes a terminating pod from its Service's endpoints at once, but
# kube-proxy on every node and the ingress controllers learn it a few seconds later; until
# then they keep sending requests. Ten seconds covers that propagation with a margin.
DEFAULT_DRAIN_SECONDS = 10
MAX_DRAIN_SECONDS = 300
DEFAULT_METRICS_DIR = "/tmp/keelson-metrics"  # noqa: S108 - tmpfs in the image


@dataclass(frozen=True)
class Observability:
    metrics_bind: str | None
    metrics_dir: str
    drain_seconds: int

    @property
    def metrics_on(self) -> bool:
        return self.metrics_bind is not None


def split_host_port(entry: str) -> tuple[str, int] | None:
    host, sep, port = entry.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        return None
    return host.strip("[]"), int(port)


WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not binds


def same_listener(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Two addresses that would share a port: same port, and the hosts overlap."""
    return a[1] == b[1] and (a[0] == b[0] or a[0] in WILDCARDS or b[0] in WILDCARDS)


def read_observability(env: Env, app_binds: list[str]) -> Observability:
    """METRICS_BIND (empty: no metrics), METRICS_DIR, DRAIN_SECONDS; problems go to `env`."""
    metrics_bind = env.str("METRICS_BIND")
    if metrics_bind is not None:
        address = split_host_port(metrics_bind.strip())
        if address is None:
            env.problem(
                "METRICS_BIND",
                "is not HOST:PORT (port 1-65535)",
                "e.g. METRICS_BIND=0.0.0.0:9100, or leave it empty to serve no metrics",
            )
            metrics_bind = None
        elif any(
            (app := split_host_port(bind)) and same_listener(address, app) for bind in app_binds
        ):
            env.problem(
                "METRICS_BIND",
                f"is {metrics_bind}, the application's own address (GUNICORN_BIND)",
                "give metrics a port of their own, e.g. METRICS_BIND=0.0.0.0:9100",
            )
            metrics_bind = None
        else:
            metrics_bind = metrics_bind.strip()
    metrics_dir = env.str("METRICS_DIR", DEFAULT_METRICS_DIR)
    if not metrics_dir.startswith("/"):
        env.problem(
            "METRICS_DIR",
            f"must be an absolute path, not {one_line(metrics_dir)!r}",
            f"e.g. METRICS_DIR={DEFAULT_METRICS_DIR} (on tmpfs)",
        )
    drain_seconds = env.int(
        "DRAIN_SECONDS", DEFAULT_DRAIN_SECONDS, minimum=0, maximum=MAX_DRAIN_SECONDS
    )
    return Observability(metrics_bind, metrics_dir, drain_seconds)


# What this process chose; the gunicorn hooks (config.gunicorn_hooks) read it.
chosen: Observability | None = None


def prepare_observability(observability: Observability) -> None:
    """Before Django or prometheus_client is imported and before any worker forks: empty
    and select the metrics directory (or switch metrics off), map the drain flag."""
    global chosen
    from apps.core import drain
    from apps.core.metrics import directory

    if observability.metrics_on:
        directory.prepare(observability.metrics_dir)
    else:
        directory.disable()
    drain.prepare()
    chosen = observability
