"""Hostile HTTP: bad Host headers, hostile request ids, oversized requests, CSRF-less
POSTs. Raw bytes go over a socket where http.client would refuse to send them."""

from __future__ import annotations

import re
import socket

import pytest
from reliability_ledger import LEDGER
from reliability_support import APP_HEADERS, Served

pytestmark = pytest.mark.slow

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def raw_request(served: Served, head: bytes, kind: str) -> tuple[int, dict[str, str], bytes]:
    """Send `head` (request line and headers, CRLF-terminated) as is; the parsed answer."""
    LEDGER.sent()
    LEDGER.bad_input("hostile HTTP request")
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(head + b"\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    found = served.watch.ledger.scan_text(f"answer to {kind}", answer.decode("latin-1"), [])
    assert not found, found
    return int(status_line.split()[1]), headers, body


def lines_of(served: Served, request_id: str) -> list[dict]:
    return [line for line in served.process.json_lines() if line.get("request_id") == request_id]


def test_disallowed_host_is_400_with_one_log_line_and_no_traceback(shared_server: Served) -> None:
    status, headers, _ = raw_request(
        shared_server,
        b"GET /admin/login/ HTTP/1.1\r\nHost: evil.example.net\r\n"
        b"X-Forwarded-Proto: https\r\nX-Request-ID: bad-host-1\r\n",
        "disallowed Host",
    )
    assert status == 400
    assert headers["x-request-id"] == "bad-host-1"
    logged = [
        line
        for line in lines_of(shared_server, "bad-host-1")
        if line["logger"] != "gunicorn.access"
    ]
    assert len(logged) == 1, logged
    assert logged[0]["logger"] == "django.security.DisallowedHost"
    assert "evil.example.net" in logged[0]["message"]
    assert "exception" not in logged[0]


HOSTILE_REQUEST_IDS = {
    "quotes": b"abc\"def'ghi",
    "JSON": b'{"level": "CRITICAL"}',
    "path": b"../../etc/passwd",
    "5 kB": b"a" * 5000,
    "non-ASCII UTF-8": "trace-\u00e9\u2028id".encode(),
    "non-ASCII bytes": b"trace-\xff\xfe\x80",
    "control characters": b"trace\x1b[31m\x07id",
    "header injection": b"ok-id\r\nX-Injected: yes",
}


@pytest.mark.parametrize("kind", HOSTILE_REQUEST_IDS)
def test_hostile_request_id_is_replaced_never_reflected(shared_server: Served, kind: str) -> None:
    value = HOSTILE_REQUEST_IDS[kind]
    status, headers, body = raw_request(
        shared_server,
        b"GET /health/ HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: " + value + b"\r\n",
        f"X-Request-ID with {kind}",
    )
    assert "x-injected" not in headers
    if status != 200:
        # gunicorn refused the header itself: nothing of it reached the application.
        assert status == 400, (status, body)
        return
    echoed = headers["x-request-id"]
    if kind == "header injection":
        # The CR LF ended the header: what remains is a well-formed id and another header.
        assert echoed == "ok-id"
    else:
        assert GENERATED_ID.fullmatch(echoed), echoed
        assert lines_of(shared_server, echoed), "the request's lines do not carry its new id"
    assert value not in body
    shared_server.process.json_lines()  # raises on any line that is not one JSON object


def test_10_kb_request_id_is_refused_by_gunicorn_limits(shared_server: Served) -> None:
    status, _, _ = raw_request(
        shared_server,
        b"GET /health/ HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: " + b"x" * 10_240 + b"\r\n",
        "X-Request-ID of 10 kB",
    )
    assert status == 431
    shared_server.process.json_lines()


def test_oversized_request_line_is_refused(shared_server: Served) -> None:
    status, _, _ = raw_request(
        shared_server,
        b"GET /health/?" + b"q" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n",
        "request line of 5 kB",
    )
    # 414 URI Too Long (RFC 9112 section 3), as gunicorn answers it since 27.
    assert status == 414
    shared_server.process.json_lines()


def test_too_many_headers_are_refused(shared_server: Served) -> None:
    many = b"".join(b"X-Filler-%d: x\r\n" % index for index in range(150))
    status, _, _ = raw_request(
        shared_server,
        b"GET /health/ HTTP/1.1\r\nHost: localhost\r\n" + many,
        "150 headers",
    )
    assert status == 431
    shared_server.process.json_lines()


@pytest.mark.parametrize(
    "extra",
    [{}, {"Referer": "https://app.example.com/admin/login/"}],
    ids=["no token", "same-origin referer, no token"],
)
def test_admin_rejects_a_csrf_less_post(shared_server: Served, extra: dict[str, str]) -> None:
    LEDGER.bad_input("hostile HTTP request")
    response = shared_server.watch.get(
        shared_server.port,
        "/admin/login/",
        method="POST",
        headers={
            **APP_HEADERS,
            "Content-Type": "application/x-www-form-urlencoded",
            **extra,
        },
        body=b"username=admin&password=guess",
    )
    assert response.status == 403
    assert b"CSRF verification failed" in response.body
