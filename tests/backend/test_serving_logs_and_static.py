"""Under production settings and real gunicorn: every printed line is JSON carrying its
request's id, request ids are honoured or made, and the admin with its CSS is served."""

from __future__ import annotations

import json
import re

import pytest
from httpclient import request
from processes import Process

pytestmark = pytest.mark.slow

HTTPS = {"Host": "app.example.com", "X-Forwarded-Proto": "https"}


@pytest.fixture
def server(production_env: dict[str, str], serve_migrated):
    """gunicorn with the test-only error view, on a migrated database."""
    return serve_migrated({**production_env, "DJANGO_SETTINGS_MODULE": "keelson_testing.settings"})


def lines_for(process: Process, request_id: str) -> list[dict]:
    return [line for line in process.json_lines() if line.get("request_id") == request_id]


def test_every_line_is_json_and_request_lines_carry_the_request_id(server) -> None:
    port, process = server
    ids = {"ok": "req-ok-1", "missing": "req-404-1", "error": "req-500-1", "logged": "req-log-1"}
    assert request(port, "/health/", headers={**HTTPS, "X-Request-ID": ids["ok"]}).status == 200
    assert (
        request(port, "/nowhere/", headers={**HTTPS, "X-Request-ID": ids["missing"]}).status == 404
    )
    assert (
        request(port, "/test/error/", headers={**HTTPS, "X-Request-ID": ids["error"]}).status == 500
    )
    assert (
        request(port, "/test/log/", headers={**HTTPS, "X-Request-ID": ids["logged"]}).status == 200
    )
    process.stop()

    records = process.json_lines()  # raises on the first line that is not JSON
    for record in records:
        assert {"timestamp", "level", "logger", "message", "request_id"} <= record.keys()

    access = {r["request_id"]: r for r in records if r["logger"] == "gunicorn.access"}
    assert access[ids["ok"]]["status"] == 200
    assert access[ids["missing"]]["status"] == 404
    assert access[ids["error"]]["status"] == 500
    assert access[ids["missing"]]["path"] == "/nowhere/"

    [not_found] = [r for r in lines_for(process, ids["missing"]) if r["logger"] == "django.request"]
    assert not_found["level"] == "WARNING"
    [failure] = [r for r in lines_for(process, ids["error"]) if r["logger"] == "django.request"]
    assert failure["level"] == "ERROR"
    assert "RuntimeError: deliberate failure for the tests" in failure["exception"]
    [logged] = [r for r in lines_for(process, ids["logged"]) if r["logger"] == "keelson_testing"]
    assert logged["message"] == "a line logged while serving a request"


def test_access_lines_have_the_chosen_fields_and_never_cookies_or_authorization(server) -> None:
    port, process = server
    request(
        port,
        "/health/?probe=1",
        headers={
            **HTTPS,
            "X-Request-ID": "req-fields",
            "Cookie": "sessionid=cookie-value-must-not-be-logged",
            "Authorization": "Bearer token-value-must-not-be-logged",
            "User-Agent": "keelson-tests",
        },
    )
    process.stop()
    [line] = [r for r in lines_for(process, "req-fields") if r["logger"] == "gunicorn.access"]
    assert line["method"] == "GET"
    assert line["path"] == "/health/"
    assert line["query"] == "probe=1"
    assert line["status"] == 200
    assert line["bytes"] > 0
    assert line["duration_ms"] >= 0
    assert line["remote_addr"] == "127.0.0.1"
    assert line["user_agent"] == "keelson-tests"
    output = process.stdout() + process.stderr()
    assert "cookie-value-must-not-be-logged" not in output
    assert "token-value-must-not-be-logged" not in output


def test_a_well_formed_request_id_is_echoed(server) -> None:
    port, _ = server
    response = request(
        port, "/health/", headers={"X-Request-ID": "4bf92f3577b34da6a3ce929d0e0e4736"}
    )
    assert response.header("X-Request-ID") == "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(
    "incoming",
    ['has "quotes"', "x" * 129, "semi;colon", "spaces in it"],
    ids=["quotes", "too-long", "semicolon", "spaces"],
)
def test_an_unsafe_request_id_is_replaced_not_reflected(server, incoming: str) -> None:
    port, _ = server
    response = request(port, "/health/", headers={"X-Request-ID": incoming})
    assert response.header("X-Request-ID") != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response.header("X-Request-ID"))


def test_a_request_without_an_id_gets_a_generated_one(server) -> None:
    port, process = server
    response = request(port, "/health/", headers={"User-Agent": "no-id"})
    generated = response.header("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    process.stop()
    assert [r["logger"] for r in lines_for(process, generated)] == ["gunicorn.access"]


def test_the_admin_login_page_and_its_css_are_served(server) -> None:
    port, _ = server
    page = request(port, "/admin/login/", headers=HTTPS)
    assert page.status == 200
    assert b"Django administration" in page.body
    [css_path] = re.findall(rb'href="(/static/admin/css/base\.[0-9a-f]+\.css)"', page.body)
    css = request(port, css_path.decode(), headers=HTTPS)
    assert css.status == 200
    assert css.header("Content-Type").startswith("text/css")
    assert b"body" in css.body


def test_security_headers_are_set(server) -> None:
    port, _ = server
    page = request(port, "/admin/login/", headers=HTTPS)
    assert (
        page.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    )
    assert page.header("X-Content-Type-Options") == "nosniff"
    assert page.header("X-Frame-Options") == "DENY"
    assert page.header("Referrer-Policy") == "strict-origin-when-cross-origin"
    cookies = page.header("Set-Cookie")
    assert "Secure" in cookies
    assert "HttpOnly" in cookies


def test_startup_lines_are_json_too(server) -> None:
    _, process = server
    process.stop()
    messages = [json.dumps(r) for r in process.json_lines() if r["logger"] == "gunicorn.error"]
    assert any("Starting gunicorn" in m for m in messages)
    assert any("Shutting down: Master" in m for m in messages)
