"""A small HTTP client over http.client: no redirects followed, any Host header."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    host: str = "127.0.0.1",
    timeout: float = 10.0,
) -> Response:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = dict(headers or {})
        conn.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return Response(
            status=response.status,
            body=response.read(),
            headers={name.lower(): value for name, value in response.getheaders()},
        )
    finally:
        conn.close()


def wait_for_status(
    port: int, path: str, status: int = 200, timeout: float = 30.0, **kwargs
) -> Response:
    """Poll until `path` answers `status`; raise with the last answer at the deadline."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            response = request(port, path, timeout=2.0, **kwargs)
            if response.status == status:
                return response
            last = response.status
        except OSError as error:
            last = error
        time.sleep(0.05)
    raise TimeoutError(f"{path} did not answer {status} within {timeout}s (last: {last!r})")
