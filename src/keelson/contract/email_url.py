"""EMAIL_URL, the SMTP server mail is sent through, read once:

    smtp://USER:PASSWORD@HOST:PORT    STARTTLS on the plain connection (port 587 when unset)
    smtps://USER:PASSWORD@HOST:PORT   TLS from the first byte (port 465 when unset)

User and password are optional (a relay that trusts the network) and percent-encoded
when they hold `@`, `:` or `/`. Email service providers are reached through their SMTP
relay with the credentials they give (an API key as the password). The server's
certificate is verified against the system's authorities (OpenSSL's `SSL_CERT_FILE`
names another bundle). Nothing here repeats the password: problems and the shown URL
mask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from keelson.contract.secret_url import MASK, UrlShapeError, masked_scheme, split_url

# The scheme's TLS mode and default port.
SCHEMES = {"smtp": ("starttls", 587), "smtps": ("implicit", 465)}


class EmailUrlError(ValueError):
    """Text that is no EMAIL_URL; its message is the problem, without the name."""


@dataclass(frozen=True)
class EmailUrl:
    """An SMTP server: where, how TLS starts, and the credentials (empty: none)."""

    host: str
    port: int
    tls: str
    user: str = ""
    password: str = ""

    @property
    def implicit_tls(self) -> bool:
        return self.tls == "implicit"


def parse_email_url(text: str) -> EmailUrl:
    """`text` as an EmailUrl, or EmailUrlError saying what is wrong (never the password)."""
    try:
        parts = split_url(text, SCHEMES, "an smtp:// or smtps:// URL")
    except UrlShapeError as problem:
        raise EmailUrlError(str(problem)) from None
    tls, default_port = SCHEMES[parts.scheme.lower()]
    if not parts.hostname:
        raise EmailUrlError("names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise EmailUrlError("must end after HOST:PORT (no path or query)")
    return EmailUrl(
        host=parts.hostname,
        port=parts.port or default_port,
        tls=tls,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def mask_email_url(text: str) -> str:
    """The URL with its password masked: what may appear in a log line."""
    try:
        parts = urlsplit(text)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return masked_scheme(text)
    user = f"{parts.username}:{MASK}@" if parts.password is not None else ""
    if parts.password is None and parts.username:
        user = f"{parts.username}@"
    return f"{parts.scheme}://{user}{host}{f':{port}' if port else ''}"
