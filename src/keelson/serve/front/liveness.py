"""Liveness answered by gunicorn's master, on a unix socket only the front reaches.

`/health/` must answer while every worker is busy with slow or hostile clients, so it is
not answered by a worker: a thread of the master answers it, from what the master knows.
The process is alive when its main thread runs and at least one worker has shown a sign
of life within GUNICORN_TIMEOUT (the master replaces a worker that has not). A worker
busy with a long request is still alive; readiness (`/ready/`, served by the workers)
is where saturation shows.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import socketserver
import threading
import time
from pathlib import Path
from typing import Any

REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
# A probe that cannot be answered in this time is a failed probe anyway.
CONNECTION_TIMEOUT = 2.0


def worker_alive(worker: Any, timeout: float, now: float) -> bool:
    """A worker's heartbeat is fresh: gunicorn stamps its temp file with time.monotonic()
    and its arbiter judges it the same way."""
    try:
        return now - worker.tmp.last_update() <= timeout
    except (OSError, ValueError):
        return False


def liveness(arbiter: Any, service: str, version: str) -> tuple[int, dict[str, Any]]:
    """The status code and body the probe gets."""
    now = time.monotonic()
    workers = list(arbiter.WORKERS.values())
    alive = sum(worker_alive(worker, arbiter.timeout, now) for worker in workers)
    healthy = threading.main_thread().is_alive() and alive > 0
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "service": service,
        "version": version,
        "workers": {"alive": alive, "running": len(workers)},
    }
    return (200 if healthy else 503), body


class ProbeHandler(socketserver.StreamRequestHandler):
    timeout = CONNECTION_TIMEOUT

    def handle(self) -> None:
        request_line = self.rfile.readline(1024)
        request_id = b""
        # The rest of the head: the front sends a few short headers.
        while (line := self.rfile.readline(8192)) not in (b"\r\n", b"\n", b""):
            if len(line) >= 8192:
                return
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"x-request-id":
                request_id = value.strip()
        server: LivenessServer = self.server  # type: ignore[assignment]
        method = request_line.split(b" ", 1)[0]
        if method not in (b"GET", b"HEAD"):
            status, body = 405, {"error": "method not allowed"}
        else:
            status, body = liveness(server.arbiter, server.service, server.version)
        payload = json.dumps(body).encode()
        reason = {200: "OK", 405: "Method Not Allowed", 503: "Service Unavailable"}[status]
        head = (
            f"HTTP/1.0 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n"
        ).encode()
        # The front validated the id (keelson/request_id.py's rules) before sending it.
        if request_id and REQUEST_ID.fullmatch(request_id):
            head += b"X-Request-ID: " + request_id + b"\r\n"
        head += b"\r\n"
        self.wfile.write(head + (b"" if method == b"HEAD" else payload))


class LivenessServer(socketserver.UnixStreamServer):
    daemon_threads = True
    # The front may pass many probes at once; each is answered in well under a millisecond.
    request_queue_size = 128

    def __init__(self, path: Path, arbiter: Any, service: str, version: str) -> None:
        self.arbiter = arbiter
        self.service = service
        self.version = version
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        super().__init__(str(path), ProbeHandler)


_server: LivenessServer | None = None


def _close_in_child() -> None:
    """Workers forked from the master must not keep the listener's socket open."""
    if _server is not None:
        with contextlib.suppress(OSError):
            _server.socket.close()


def start(path: Path, arbiter: Any, service: str, version: str) -> LivenessServer:
    """Answer liveness probes at `path` from a thread of this (the master's) process.
    Call it from gunicorn's `when_ready` hook, which gets the arbiter."""
    global _server
    server = LivenessServer(path, arbiter, service, version)
    server.socket.set_inheritable(False)
    _server = server
    os.register_at_fork(after_in_child=_close_in_child)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True, name="liveness"
    )
    thread.start()
    return server


def probe(path: Path, timeout: float = 2.0) -> int:
    """GET /health/ on the listener itself: its status code (tests, diagnostics)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(b"GET /health/ HTTP/1.0\r\n\r\n")
        answer = sock.recv(4096)
    return int(answer.split(b" ", 2)[1])
