"""The headers Django's SecurityMiddleware does not set: a Content-Security-Policy on
every HTML response and a Permissions-Policy on every response.

The values come from the settings `KEELSON_CONTENT_SECURITY_POLICY` and
`KEELSON_PERMISSIONS_POLICY` (the production settings write them; None: the header is
not sent). A header the view set itself is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

__all__ = ["PERMISSIONS_POLICY", "SecurityHeadersMiddleware"]

# Every powerful feature off, for every origin: a project that needs one sets the
# header itself on the view that needs it.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "KEELSON_CONTENT_SECURITY_POLICY", None)
        self.permissions = getattr(settings, "KEELSON_PERMISSIONS_POLICY", None)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if self.policy and is_html:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
