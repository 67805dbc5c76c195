"""Steady load from a few client threads (http.client over loopback), every answer kept."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from httpclient import Response, request

# Between two requests of one thread: a steady rate the 2-core CI machine can hold while
# the server and PostgreSQL run on it too.
PACE_SECONDS = 0.01


@dataclass(frozen=True)
class Outcome:
    path: str
    started: float
    ended: float
    status: int | None
    error: str | None
    response: Response | None


def error_kind(error: BaseException) -> str:
    """A client-side failure by what the client saw."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.RemoteDisconnected):
        return "closed without an answer"
    if isinstance(error, ConnectionResetError | BrokenPipeError):
        return "connection reset"
    if isinstance(error, socket.timeout | TimeoutError):
        return "client timeout"
    return type(error).__name__


def send(port: int, path: str, *, timeout: float = 10.0, **kwargs) -> Outcome:
    started = time.monotonic()
    try:
        response = request(port, path, timeout=timeout, **kwargs)
    except (OSError, http.client.HTTPException) as error:
        return Outcome(path, started, time.monotonic(), None, error_kind(error), None)
    return Outcome(path, started, time.monotonic(), response.status, None, response)


class Load:
    """`threads` clients, each sending `paths` round-robin until stopped or `max_seconds`."""

    def __init__(
        self,
        port: int,
        paths: list[str],
        *,
        threads: int = 4,
        max_seconds: float = 60.0,
        headers: dict[str, str] | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.port = port
        self.paths = paths
        self.headers = headers or {}
        self.on_outcome = on_outcome
        self.deadline = time.monotonic() + max_seconds
        self.stopping = threading.Event()
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(index,), daemon=True)
            for index in range(threads)
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> list[Outcome]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)
        return self.outcomes

    def _run(self, index: int) -> None:
        turn = index
        while not self.stopping.is_set() and time.monotonic() < self.deadline:
            path = self.paths[turn % len(self.paths)]
            turn += 1
            outcome = send(self.port, path, timeout=10.0, headers=dict(self.headers))
            with self.lock:
                self.outcomes.append(outcome)
            if self.on_outcome:
                self.on_outcome(outcome)
            self.stopping.wait(PACE_SECONDS)

    def snapshot(self) -> list[Outcome]:
        with self.lock:
            return list(self.outcomes)

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        """Until at least `count` answers came back (the load is really running)."""
        deadline = time.monotonic() + timeout
        while len(self.snapshot()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"load sent fewer than {count} requests in {timeout}s")
            time.sleep(0.02)
