"""A listening address as GUNICORN_BIND's entries and METRICS_BIND are written, read once.

    address = parse_bind("0.0.0.0:8000")        # a BindAddress, or BindAddressError
    address.is_wildcard                          # True: every interface of this machine
    address.probe_host, address.port             # where a probe on this machine connects
    address.shares_listener(other)               # True: both cannot be listened on at once
    str(address)                                 # the text back, IPv6 hosts in brackets

The contract validates with it, the front renders nginx's `listen` from it and waits for
it, the metrics listener binds it and `boot healthcheck` probes it: one reading of the
syntax and of the wildcards, so what validation accepts is what is listened on.

The syntax:

- `HOST:PORT`, PORT 1-65535, HOST a name or an address. The last colon separates the
  port, so an IPv6 address may also come without brackets (`::1:8000`).
- `[V6]:PORT`, an IPv6 address in brackets (`[::1]:8000`, `[::]:8000`).
- `unix:PATH`, a unix socket, where the reader allows one (METRICS_BIND does not).

The wildcard hosts, each meaning every interface of this machine:

- `0.0.0.0`, `*` (nginx's spelling) and no host at all (`:8000`, which gunicorn and
  Python's socket read as 0.0.0.0): every IPv4 interface;
- `::`, also written `[::]` (any spelling of the unspecified IPv6 address): every IPv6
  interface, and IPv4 too for a socket that is not IPv6-only.

A wildcard shares its port with every other host: two addresses on the same port share
a listener when either is a wildcard or both name the same host. Different specific
hosts (`127.0.0.1:8000`, `127.0.0.2:8000`) do not: each interface takes the port on its
own. Names are compared as written, never resolved: validation must not depend on DNS.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

UNIX_PREFIX = "unix:"
# Where a probe on this machine reaches a wildcard listener.
IPV4_LOOPBACK = "127.0.0.1"
IPV6_LOOPBACK = "::1"
# What a socket binds for the IPv4 wildcards: "" and "*" are no address to getaddrinfo.
IPV4_ANY = "0.0.0.0"  # noqa: S104 - the meaning of the operator's wildcard

# The problems, phrased to follow "GUNICORN_BIND entry '...'" or "METRICS_BIND".
NOT_HOST_PORT = "is not HOST:PORT (port 1-65535)"
NOT_HOST_PORT_OR_UNIX = "is not HOST:PORT (port 1-65535) or unix:PATH"
NO_SOCKET_PATH = "names no socket path"


class BindAddressError(ValueError):
    """Text that is no bind address; its message is the problem, without the name."""


@dataclass(frozen=True)
class BindAddress:
    """A TCP host and port, or a unix socket path (`path` set, `host` and `port` empty).

    `host` is as written, without the brackets of `[V6]:PORT`."""

    host: str = ""
    port: int = 0
    path: str | None = None

    @property
    def is_unix(self) -> bool:
        return self.path is not None

    @property
    def is_ipv6(self) -> bool:
        return ":" in self.host

    @property
    def is_wildcard(self) -> bool:
        if self.is_unix:
            return False
        if self.host in ("", "*"):
            return True
        try:
            return ipaddress.ip_address(self.host).is_unspecified
        except ValueError:
            return False

    @property
    def bind_host(self) -> str:
        """The host to hand to a socket's bind (TCP only)."""
        return IPV4_ANY if self.host in ("", "*") else self.host

    @property
    def probe_host(self) -> str:
        """Where a client on this machine connects to reach this listener (TCP only): a
        wildcard listens on loopback too, and a wildcard is no address to connect to."""
        if not self.is_wildcard:
            return self.host
        return IPV6_LOOPBACK if self.is_ipv6 else IPV4_LOOPBACK

    def shares_listener(self, other: BindAddress) -> bool:
        """Whether the two would take the same port (or socket path) of this machine."""
        if self.is_unix or other.is_unix:
            return self.path == other.path
        if self.port != other.port:
            return False
        return self.is_wildcard or other.is_wildcard or same_host(self.host, other.host)

    def __str__(self) -> str:
        if self.is_unix:
            return f"{UNIX_PREFIX}{self.path}"
        if self.is_ipv6:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"


def parse_bind(text: str, *, unix: bool = True) -> BindAddress:
    """`text` as a BindAddress, or BindAddressError saying what it is not. `unix`: whether
    `unix:PATH` is allowed (METRICS_BIND is served over TCP only)."""
    if unix and text.startswith(UNIX_PREFIX):
        path = text[len(UNIX_PREFIX) :]
        if not path:
            raise BindAddressError(NO_SOCKET_PATH)
        return BindAddress(path=path)
    wrong = BindAddressError(NOT_HOST_PORT_OR_UNIX if unix else NOT_HOST_PORT)
    host, colon, port = text.rpartition(":")
    # isascii: str.isdigit also accepts digits int() refuses, such as superscripts.
    if not colon or not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise wrong
    if host.startswith("["):
        if not host.endswith("]") or len(host) == 2:
            raise wrong
        host = host[1:-1]
    return BindAddress(host=host, port=int(port))


def same_host(a: str, b: str) -> bool:
    """Two specific hosts written alike: addresses compared as addresses (`::1` and
    `0::1` are one), names without case."""
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a.lower() == b.lower()
