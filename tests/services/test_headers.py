"""The admin's login page over https (X-Forwarded-Proto from the proxy in front) carries
the Content-Security-Policy, Permissions-Policy and Referrer-Policy, and everything it
needs to render (its stylesheets and scripts) is allowed by that policy; the admin is
where ADMIN_URL says; the server names no version."""

from __future__ import annotations

import re

import pytest
from boot_support import bound_port
from forms import HTTPS
from httpclient import request, wait_for_status

pytestmark = pytest.mark.slow

LINKED = re.compile(rb'<(?:link[^>]+href|script[^>]+src)="([^"]+)"')
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>")
INLINE_STYLE = re.compile(rb"<style\b|\sstyle=")


def directives(policy: str) -> dict[str, list[str]]:
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


def test_the_admin_login_renders_under_the_policy(boot_env, started) -> None:
    env = {
        **boot_env,
        "ADMIN_URL": "staff-7f3a/",
        "CONTENT_SECURITY_POLICY_EXTRA": "img-src https://cdn.example.com",
    }
    started(env)
    port = bound_port(env)
    wait_for_status(port, "/ready/", 200, timeout=60)

    page = request(port, "/staff-7f3a/login/", headers=HTTPS)
    assert page.status == 200, page.body[:300]
    policy = directives(page.header("Content-Security-Policy") or "")
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "https://cdn.example.com" in policy["img-src"]
    assert "camera=()" in (page.header("Permissions-Policy") or "")
    assert page.header("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert page.header("Strict-Transport-Security")
    assert page.header("X-Content-Type-Options") == "nosniff"
    assert "/" not in (page.header("Server") or ""), "the server announces its version"

    # Nothing inline (the policy has no 'unsafe-inline'); every stylesheet and script is
    # the site's own ('self') and answers.
    assert INLINE_SCRIPT.findall(page.body) == []
    assert INLINE_STYLE.findall(page.body) == []
    linked = [url.decode() for url in LINKED.findall(page.body)]
    stylesheets = [url for url in linked if url.endswith(".css")]
    assert stylesheets, "the login page links no stylesheet"
    for url in linked:
        assert url.startswith("/static/"), url
        asset = request(port, url, headers=HTTPS)
        assert asset.status == 200, url
    assert all(
        request(port, url, headers=HTTPS).header("Content-Type").startswith("text/css")
        for url in stylesheets
    )

    # The admin is at ADMIN_URL only; JSON answers get no policy of their own.
    assert request(port, "/admin/login/", headers=HTTPS).status == 404
    ready = request(port, "/ready/")
    assert ready.header("Content-Security-Policy") is None
    assert ready.header("Permissions-Policy")
