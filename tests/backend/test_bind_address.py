"""A listening address (GUNICORN_BIND's entries, METRICS_BIND) is read by one parser,
keelson.contract.bind_address: one syntax and one set of wildcard hosts for the contract's
validation, nginx's `listen`, the front's start, the metrics listener and `boot
healthcheck`, so that what validation lets through is what is listened on and probed."""

from __future__ import annotations

import io
import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from ports import free_port

from keelson.boot.healthcheck import health_problem
from keelson.contract.bind_address import (
    NO_SOCKET_PATH,
    NOT_HOST_PORT,
    NOT_HOST_PORT_OR_UNIX,
    BindAddress,
    BindAddressError,
    parse_bind,
)
from keelson.contract.core import validate
from keelson.contract.env import EXIT_CONFIG, ConfigError, exit_on_config_error
from keelson.serve.front.nginx_conf import listen_directive
from keelson.serve.front.process import front_config, listening
from keelson.serve.metrics.listener import MetricsServer

# What validation needs besides the addresses; nothing here reaches a database.
BASE_ENV = {
    "SECRET_KEY": "k" * 10 + "abcdefghij" * 5,
    "ALLOWED_HOSTS": "app.example.com",
    "POSTGRES_PASSWORD": "not-checked-here",
}
IPV4_WILDCARDS = ["0.0.0.0", "*", ""]
IPV6_WILDCARDS = ["[::]", "::"]


# ---------------------------------------------------------------- syntax


@pytest.mark.parametrize(
    ("text", "address", "written_back"),
    [
        ("127.0.0.1:8000", BindAddress("127.0.0.1", 8000), "127.0.0.1:8000"),
        ("app.internal:1", BindAddress("app.internal", 1), "app.internal:1"),
        ("0.0.0.0:65535", BindAddress("0.0.0.0", 65535), "0.0.0.0:65535"),
        ("[::1]:8000", BindAddress("::1", 8000), "[::1]:8000"),
        # The last colon separates the port: IPv6 without brackets, written back with them.
        ("::1:8000", BindAddress("::1", 8000), "[::1]:8000"),
        (":8000", BindAddress("", 8000), ":8000"),
        ("unix:/run/keelson/app.sock", BindAddress(path="/run/keelson/app.sock"), None),
    ],
)
def test_each_syntax_is_read_and_written_back(
    text: str, address: BindAddress, written_back: str | None
) -> None:
    assert parse_bind(text) == address
    assert str(parse_bind(text)) == (written_back or text)


@pytest.mark.parametrize(
    "text",
    ["8000", "localhost", "host:", "host:0", "host:65536", "host:http", "host:8²", "[::1:8000"],
)
def test_what_is_no_address_is_refused_with_one_problem(text: str) -> None:
    with pytest.raises(BindAddressError) as refused:
        parse_bind(text)
    assert (
        str(refused.value)
        == NOT_HOST_PORT_OR_UNIX
        == "is not HOST:PORT (port 1-65535) or unix:PATH"
    )
    with pytest.raises(BindAddressError) as refused:
        parse_bind(text, unix=False)
    assert str(refused.value) == NOT_HOST_PORT == "is not HOST:PORT (port 1-65535)"


def test_a_unix_socket_needs_a_path_and_a_reader_that_takes_one() -> None:
    with pytest.raises(BindAddressError, match=f"^{NO_SOCKET_PATH}$"):
        parse_bind("unix:")
    with pytest.raises(BindAddressError, match=r"^is not HOST:PORT \(port 1-65535\)$"):
        parse_bind("unix:/run/keelson/metrics.sock", unix=False)


# ---------------------------------------------------------------- wildcards


@pytest.mark.parametrize("host", IPV4_WILDCARDS)
def test_the_ipv4_wildcards_are_reached_on_127_0_0_1(host: str) -> None:
    address = parse_bind(f"{host}:8000")
    assert address.is_wildcard
    assert (address.probe_host, address.bind_host) == ("127.0.0.1", "0.0.0.0")


@pytest.mark.parametrize("host", IPV6_WILDCARDS)
def test_the_ipv6_wildcard_is_reached_on_its_loopback(host: str) -> None:
    address = parse_bind(f"{host}:8000")
    assert address.is_wildcard
    assert (address.probe_host, address.bind_host) == ("::1", "::")


@pytest.mark.parametrize(
    "text", ["127.0.0.1:8000", "[::1]:8000", "localhost:8000", "unix:/run/keelson/app.sock"]
)
def test_a_specific_address_is_no_wildcard_and_is_probed_where_it_is(text: str) -> None:
    address = parse_bind(text)
    assert not address.is_wildcard
    if not address.is_unix:
        assert address.probe_host == address.host


# ---------------------------------------------------------------- one listener


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        *[(f"{host}:8000", "127.0.0.1:8000", True) for host in IPV4_WILDCARDS],
        *[(f"{host}:8000", "127.0.0.1:8000", True) for host in IPV6_WILDCARDS],
        ("0.0.0.0:8000", "[::]:8000", True),
        ("127.0.0.1:8000", "127.0.0.1:8000", True),
        ("[::1]:8000", "::1:8000", True),
        ("LOCALHOST:8000", "localhost:8000", True),
        ("unix:/run/a.sock", "unix:/run/a.sock", True),
        # Each specific host takes the port on its own interface.
        ("127.0.0.1:8000", "127.0.0.2:8000", False),
        # Names are compared as written, never resolved.
        ("localhost:8000", "127.0.0.1:8000", False),
        ("0.0.0.0:8000", "127.0.0.1:9100", False),
        ("unix:/run/a.sock", "unix:/run/b.sock", False),
        ("unix:/run/a.sock", "0.0.0.0:8000", False),
    ],
)
def test_two_addresses_share_a_listener_when_a_wildcard_or_the_same_host_takes_the_port(
    a: str, b: str, shared: bool
) -> None:
    assert parse_bind(a).shares_listener(parse_bind(b)) is shared
    assert parse_bind(b).shares_listener(parse_bind(a)) is shared


# ---------------------------------------------------------------- the contract


def refusal(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        validate({**BASE_ENV, **environ})
    return refused.value.lines


@pytest.mark.parametrize("app_host", [*IPV4_WILDCARDS, *IPV6_WILDCARDS, "127.0.0.1"])
def test_metrics_on_the_port_of_a_wildcard_application_address_is_refused(
    app_host: str,
) -> None:
    assert refusal({"GUNICORN_BIND": f"{app_host}:8000", "METRICS_BIND": "127.0.0.1:8000"}) == [
        "METRICS_BIND is 127.0.0.1:8000, the application's own address (GUNICORN_BIND). "
        "Hint: give metrics a port of their own, e.g. METRICS_BIND=0.0.0.0:9100, or leave "
        "it empty to serve no metrics"
    ]


@pytest.mark.parametrize("metrics_host", ["*", "", "[::]"])
def test_a_wildcard_metrics_address_on_the_application_port_is_refused(
    metrics_host: str,
) -> None:
    lines = refusal({"GUNICORN_BIND": "127.0.0.1:8000", "METRICS_BIND": f"{metrics_host}:8000"})
    assert [line.split(" ", 1)[0] for line in lines] == ["METRICS_BIND"]


def test_the_refusal_is_one_exit_78_line_naming_metrics_bind() -> None:
    with pytest.raises(ConfigError) as refused:
        validate({**BASE_ENV, "GUNICORN_BIND": "*:8000", "METRICS_BIND": "127.0.0.1:8000"})
    stream = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        exit_on_config_error(refused.value, stream)
    assert exited.value.code == EXIT_CONFIG == 78
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert (line["variable"], line["level"], line["exit_code"]) == ("METRICS_BIND", "ERROR", 78)


@pytest.mark.parametrize(
    ("app", "metrics"),
    [
        ("127.0.0.1:8000", "127.0.0.2:8000"),
        ("*:8000", "127.0.0.1:9100"),
        ("[::]:8000", "0.0.0.0:9100"),
        ("unix:/run/keelson/app.sock", "0.0.0.0:8000"),
    ],
)
def test_metrics_on_a_listener_of_its_own_is_accepted(app: str, metrics: str) -> None:
    values = validate({**BASE_ENV, "GUNICORN_BIND": app, "METRICS_BIND": metrics})
    assert values["METRICS_BIND"] == metrics


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "GUNICORN_BIND",
            "127.0.0.1:8000,8001",
            "GUNICORN_BIND entry '8001' is not HOST:PORT (port 1-65535) or unix:PATH. Hint:",
        ),
        ("GUNICORN_BIND", "unix:", "GUNICORN_BIND entry 'unix:' names no socket path. Hint:"),
        ("METRICS_BIND", "unix:/run/m.sock", "METRICS_BIND is not HOST:PORT (port 1-65535). Hint:"),
    ],
)
def test_a_malformed_address_keeps_its_one_line_problem(name: str, value: str, line: str) -> None:
    [problem] = refusal({name: value})
    assert problem.startswith(line), problem


def test_a_wildcard_application_address_accepts_every_spelling() -> None:
    for host in [*IPV4_WILDCARDS, *IPV6_WILDCARDS]:
        assert validate({**BASE_ENV, "GUNICORN_BIND": f"{host}:8000"})["GUNICORN_BIND"] == [
            f"{host}:8000"
        ]


# ---------------------------------------------------------------- its readers


@pytest.mark.parametrize(
    ("entry", "directive"),
    [
        ("*:8000", "listen 8000 default_server;"),
        (":8000", "listen 8000 default_server;"),
        (":::8000", "listen [::]:8000 ipv6only=on default_server;"),
        ("[::1]:8000", "listen [::1]:8000 default_server;"),
        ("localhost:8000", "listen localhost:8000 default_server;"),
    ],
)
def test_nginx_listens_on_each_spelling_of_a_wildcard_as_on_its_usual_one(
    entry: str, directive: str
) -> None:
    assert listen_directive(entry) == directive


@pytest.fixture
def health_port() -> Iterator[int]:
    """A server on 127.0.0.1 answering GET /health/ with 200."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health/" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", IPV4_WILDCARDS)
def test_the_healthcheck_reaches_a_wildcard_on_loopback(health_port: int, host: str) -> None:
    assert health_problem(f"{host}:{health_port}") is None


@pytest.mark.parametrize("host", IPV4_WILDCARDS)
def test_the_front_is_seen_listening_on_a_wildcard(
    health_port: int, host: str, tmp_path: Path
) -> None:
    config = front_config(
        validate({**BASE_ENV, "GUNICORN_BIND": f"{host}:{health_port}"}), run_dir=tmp_path
    )
    assert listening(config)
    closed = front_config(
        validate({**BASE_ENV, "GUNICORN_BIND": f"{host}:{free_port()}"}), run_dir=tmp_path
    )
    assert not listening(closed)


@pytest.mark.parametrize("host", ["*", ""])
def test_the_metrics_listener_binds_every_ipv4_spelling_of_the_wildcard(
    host: str, tmp_path: Path
) -> None:
    port = free_port()
    metrics = MetricsServer(tmp_path)
    metrics.start(f"{host}:{port}")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            assert answer.status == 200
    finally:
        metrics.stop()
