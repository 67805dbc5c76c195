"""nginx.conf for the front: a pure function of the front's configuration.

The front listens where clients connect (GUNICORN_BIND), reads and buffers whole
requests under the limits of the environment contract, and only then hands them to
gunicorn on a unix socket, so a slow or hostile client holds a cheap nginx connection,
never a gunicorn worker. `/health/` goes to the liveness listener of the boot's process
(keelson.serve.front.liveness), which no client can queue behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from keelson.contract.bind_address import parse_bind

from .limits import FrontLimits

# The request id rules of keelson/request_id.py: an incoming id of these characters and
# at most REQUEST_ID_MAX_LENGTH is kept, anything else is replaced by 32 hex digits
# (nginx's $request_id, the shape of uuid4().hex).
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:\-]{1,128}$"

# Probe paths as keelson/middleware.py answers them.
LIVENESS_PATHS = ("/health/", "/health")

# The access line: the keys of every other line (keelson.logging), then the access
# line's own (keelson.serve.gunicorn_logging.ACCESS_FIELDS). nginx prints it itself.
ACCESS_LINE = (
    '{"timestamp":"$keelson_time.$keelson_millis+00:00","level":"INFO",'
    '"logger":"front.access","message":"$request_method $uri $status",'
    '"request_id":"$keelson_request_id","remote_addr":"$remote_addr",'
    '"method":"$request_method","path":"$uri","query":"$args","status":$keelson_status,'
    '"bytes":$body_bytes_sent,"duration_ms":$keelson_duration_ms,'
    '"user_agent":"$http_user_agent"}'
)

# Answers of the front's own, as one-line JSON bodies: status -> (name, message).
FRONT_ANSWERS = {
    400: ("bad_request", "bad request"),
    408: ("request_timeout", "request not received in time"),
    413: ("body_too_large", "request body too large (FRONT_MAX_BODY_BYTES)"),
    414: ("uri_too_long", "request line too long (FRONT_MAX_HEADER_BYTES)"),
    429: ("too_many_connections", "too many connections from this client"),
    431: ("header_too_large", "request header too large (FRONT_MAX_HEADER_BYTES)"),
    503: ("unavailable", "service unavailable"),
}
# nginx's internal code for an oversized header (it would answer 400) and what it becomes.
NGINX_HEADER_TOO_LARGE = 494


@dataclass(frozen=True)
class FrontConfig:
    """What the renderer needs; keelson.serve.front.process builds it from the environment."""

    listen: tuple[str, ...]
    run_dir: Path
    limits: FrontLimits
    app_timeout: int
    keepalive_timeout: int
    graceful_timeout: int
    error_log_level: str = "warn"
    user: str | None = None

    @property
    def app_socket(self) -> Path:
        return self.run_dir / "app.sock"

    @property
    def liveness_socket(self) -> Path:
        return self.run_dir / "liveness.sock"

    @property
    def conf_path(self) -> Path:
        return self.run_dir / "nginx.conf"

    @property
    def access_fifo(self) -> Path:
        return self.run_dir / "access.fifo"

    @property
    def pid_path(self) -> Path:
        return self.run_dir / "nginx.pid"


def listen_directive(entry: str) -> str:
    """A GUNICORN_BIND entry as nginx's listen. nginx reads a bare port as every IPv4
    interface; the IPv6 wildcard is IPv6-only so that it and an IPv4 wildcard on the same
    port can both be listened on."""
    address = parse_bind(entry)
    if address.is_wildcard and not address.is_ipv6:
        return f"listen {address.port} default_server;"
    if address.is_wildcard:
        return f"listen {address} ipv6only=on default_server;"
    return f"listen {address} default_server;"


def answer_locations() -> str:
    blocks = []
    for status, (name, message) in FRONT_ANSWERS.items():
        body = f'{{"error": "{name}", "message": "{message}"}}'
        blocks.append(
            f"""
        location @{name} {{
            default_type application/json;
            add_header X-Request-ID $keelson_request_id always;
            add_header Cache-Control no-store always;
            return {status} '{body}\\n';
        }}"""
        )
    return "".join(blocks)


def render(config: FrontConfig) -> str:
    limits = config.limits
    run = config.run_dir
    listens = "\n        ".join(listen_directive(entry) for entry in config.listen)
    per_client = (
        f"limit_conn keelson_per_client {limits.max_connections_per_client};"
        if limits.max_connections_per_client
        else "# FRONT_MAX_CONNECTIONS_PER_CLIENT=0: no per-client limit"
    )
    user = f"user {config.user};" if config.user else ""
    liveness_locations = "\n".join(
        f"""        location = {path} {{
            proxy_pass http://keelson_liveness;
            proxy_read_timeout 2s;
            proxy_connect_timeout 1s;
        }}"""
        for path in LIVENESS_PATHS
    )
    return f"""# Rendered by keelson.serve.front.nginx_conf at every start: edit that, not this file.
{user}
daemon off;
master_process on;
worker_processes 1;
pid {config.pid_path};
error_log stderr {config.error_log_level};
# SIGQUIT: in-flight requests finish, then connections still open are closed.
worker_shutdown_timeout {config.graceful_timeout}s;

events {{
    worker_connections {limits.max_connections};
}}

http {{
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server_tokens off;
    default_type application/octet-stream;

    map $http_x_request_id $keelson_request_id {{
        "~{REQUEST_ID_PATTERN}" $http_x_request_id;
        default $request_id;
    }}
    map $time_iso8601 $keelson_time {{
        "~^(?<utc>.+)\\+00:00$" $utc;
        default $time_iso8601;
    }}
    map $msec $keelson_millis {{
        "~\\.(?<ms>[0-9]{{3}})$" $ms;
        default 000;
    }}
    # A connection closed before any answer (a slow client cut off by a stop) has the
    # status 000, which is no JSON number.
    map $status $keelson_status {{
        "000" 0;
        default $status;
    }}
    map $request_time $keelson_duration_ms {{
        "~^0\\.0*(?<ms>[1-9][0-9]*)$" $ms;
        "~^(?<s>[1-9][0-9]*)\\.(?<ms>[0-9]{{3}})$" $s$ms;
        default 0;
    }}
    # What the application answered (its answers carry X-Request-ID) gunicorn logs, with
    # the same request id; the front logs the rest: what it answered itself, what gunicorn
    # refused before the application saw it, and what never reached a worker.
    map $upstream_http_x_request_id $keelson_front_answered {{
        "" 1;
        default 0;
    }}
    log_format keelson escape=json '{ACCESS_LINE}';

    limit_conn_zone $binary_remote_addr zone=keelson_per_client:10m;
    limit_conn_status 429;
    limit_conn_log_level warn;

    upstream keelson_app {{
        server unix:{config.app_socket};
    }}
    upstream keelson_liveness {{
        server unix:{config.liveness_socket};
    }}

    server {{
        {listens}
        server_name _;

        client_header_timeout {limits.header_timeout}s;
        client_body_timeout {limits.body_timeout}s;
        client_max_body_size {limits.max_body_bytes};
        client_header_buffer_size 1k;
        large_client_header_buffers 4 {limits.max_header_bytes};
        keepalive_timeout {config.keepalive_timeout}s;
        send_timeout {config.app_timeout}s;
        reset_timedout_connection on;
        {per_client}

        proxy_http_version 1.0;
        proxy_request_buffering on;
        proxy_buffering on;
        proxy_connect_timeout 5s;
        proxy_read_timeout {config.app_timeout + 5}s;
        proxy_send_timeout {config.app_timeout}s;
        proxy_set_header Host $http_host;
        proxy_set_header X-Request-ID $keelson_request_id;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Connection close;
        # Every answer carries the id the request was given here, also those gunicorn
        # refuses before the application sees them (the application echoes the same id).
        proxy_hide_header X-Request-ID;
        add_header X-Request-ID $keelson_request_id always;

        error_page {NGINX_HEADER_TOO_LARGE} =431 @header_too_large;
        error_page 400 @bad_request;
        error_page 408 @request_timeout;
        error_page 413 @body_too_large;
        error_page 414 @uri_too_long;
        error_page 429 @too_many_connections;
        error_page 502 504 =503 @unavailable;

        access_log {config.access_fifo} keelson if=$keelson_front_answered;

{liveness_locations}

        location / {{
            proxy_pass http://keelson_app;
        }}
{answer_locations()}
    }}
}}
"""
