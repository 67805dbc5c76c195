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

MASK = "********"
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
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in SCHEMES:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise EmailUrlError(f"must be an smtp:// or smtps:// URL, not {shown}")
    tls, default_port = SCHEMES[scheme]
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise EmailUrlError("is not a valid URL (check the port)") from None
    if not parts.hostname:
        raise EmailUrlError("names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise EmailUrlError("must end after HOST:PORT (no path or query)")
    return EmailUrl(
        host=parts.hostname,
        port=port or default_port,
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
        return f"{text.split(':', 1)[0]}://{MASK}"
    user = f"{parts.username}:{MASK}@" if parts.password is not None else ""
    if parts.password is None and parts.username:
        user = f"{parts.username}@"
    return f"{parts.scheme}://{user}{host}{f':{port}' if port else ''}"
