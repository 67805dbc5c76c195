"""Liveness answered by the boot's process, on a unix socket only the front reaches.

`/health/` must answer while every worker is busy with slow or hostile clients, so it is
not answered by a worker: a thread of the boot's process (the supervisor of nginx and
gunicorn, keelson.serve.supervisor) answers it, from what that process knows. The
service is alive when gunicorn's master runs and at least one of its workers is alive
(keelson.serve.front.workers: gunicorn replaces a worker that shows no sign of life
within GUNICORN_TIMEOUT). A worker busy with a long request is still alive; readiness
(`/ready/`, served by the workers) is where saturation shows.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .workers import WorkerRegistry

REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
# A probe that cannot be answered in this time is a failed probe anyway.
CONNECTION_TIMEOUT = 2.0


def liveness(
    registry: WorkerRegistry, master_running: Callable[[], bool], service: str, version: str
) -> tuple[int, dict[str, Any]]:
    """The status code and body the probe gets."""
    alive, running = registry.counts()
    healthy = master_running() and alive > 0
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "service": service,
        "version": version,
        "workers": {"alive": alive, "running": running},
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
            status, body = server.judge()
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

    def __init__(self, path: Path, judge: Callable[[], tuple[int, dict[str, Any]]]) -> None:
        self.judge = judge
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        super().__init__(str(path), ProbeHandler)


def start(path: Path, judge: Callable[[], tuple[int, dict[str, Any]]]) -> LivenessServer:
    """Answer liveness probes at `path` from a thread of this process with what `judge`
    returns (`liveness` bound to its arguments). Start it after the last fork of this
    process: a forked child would not inherit the thread."""
    server = LivenessServer(path, judge)
    server.socket.set_inheritable(False)
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
