"""`boot healthcheck`: GET /health/ on the first address of GUNICORN_BIND within 2 s
(Docker's HEALTHCHECK; the image has no curl). Silent on success."""

from __future__ import annotations

import http.client
import socket

from keelson.contract.bind_address import parse_bind

TIMEOUT = 2


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
        address = parse_bind(entry)
        if address.path is not None:
            connection: http.client.HTTPConnection = UnixConnection(address.path)
        else:
            connection = http.client.HTTPConnection(
                address.probe_host, address.port, timeout=TIMEOUT
            )
        connection.request("GET", "/health/")
        status = connection.getresponse().status
    except (OSError, ValueError, http.client.HTTPException) as error:
        return f"GET /health/ on {entry}: {error or type(error).__name__}"
    if status != 200:
        return f"GET /health/ on {entry} answered {status}"
    return None
