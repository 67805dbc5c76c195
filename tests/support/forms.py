"""Posting a Django form as a browser would over https behind the proxy: the CSRF cookie
and token from the form's page, the Origin and X-Forwarded-Proto a proxy passes."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from httpclient import Response, request

HOST = "localhost"
HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https"}
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE = re.compile(r"csrftoken=([^;]+)")


def get(port: int, path: str, **headers: str) -> Response:
    return request(port, path, headers={**HTTPS, **headers})


def post_form(port: int, path: str, fields: dict[str, str]) -> Response:
    page = get(port, path)
    assert page.status == 200, (page.status, page.body[:500])
    token = TOKEN.search(page.body)
    cookie = COOKIE.search(page.header("Set-Cookie") or "")
    assert token, "the form's page carries no CSRF token"
    assert cookie, "the form's page sets no CSRF cookie"
    body = urlencode({**fields, "csrfmiddlewaretoken": token.group(1).decode()}).encode()
    return request(
        port,
        path,
        method="POST",
        body=body,
        headers={
            **HTTPS,
            "Origin": f"https://{HOST}",
            "Cookie": f"csrftoken={cookie.group(1)}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
