"""`boot healthcheck`: GET /health/ on the first address of GUNICORN_BIND within 2 s
(Docker's HEALTHCHECK; the image has no curl). Silent on success."""

from __future__ import annotations

import http.client
import socket

TIMEOUT = 2
# A wildcard bind is reached on loopback.
LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(self.socket_path)


def health_problem(entry: str) -> str | None:
    """Why GET /health/ on this bind entry failed, or None when it answered 200."""
    try:
        if entry.startswith("unix:"):
            connection: http.client.HTTPConnection = UnixConnection(entry[len("unix:") :])
        else:
            host, _, port = entry.rpartition(":")
            host = host.strip("[]")
            connection = http.client.HTTPConnection(
                LOOPBACK.get(host, host), int(port), timeout=TIMEOUT
            )
        connection.request("GET", "/health/")
        status = connection.getresponse().status
    except (OSError, ValueError, http.client.HTTPException) as error:
        return f"GET /health/ on {entry}: {error or type(error).__name__}"
    if status != 200:
        return f"GET /health/ on {entry} answered {status}"
    return None
