"""The front's configuration: its limits as the environment contract reads them, and the
nginx.conf rendered from them, as nginx itself judges it (`nginx -t`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from processes import nginx

from keelson.contract.core import CONTRACT, FRONT
from keelson.contract.env import ConfigError, Env
from keelson.serve.front.limits import FrontLimits, gunicorn_limits, read_limits
from keelson.serve.front.nginx_conf import FrontConfig, listen_directive, render

NGINX = nginx()


def limits_from(environ: dict[str, str]) -> FrontLimits:
    """The Front layer of the contract read from `environ`, as the boot validates it."""
    env = Env(environ)
    values = {var.name: var.kind.read(env, var) for var in CONTRACT if var.layer is FRONT}
    env.done()
    return read_limits(values)


def test_defaults_hold_the_slow_client_figures() -> None:
    limits = limits_from({})
    assert limits == FrontLimits(
        max_header_bytes=8192,
        max_headers=100,
        max_body_bytes=10 * 1024 * 1024,
        header_timeout=10,
        body_timeout=10,
        max_connections=4096,
        max_connections_per_client=256,
    )
    # 200 slow headers + 50 slow bodies + ordinary clients fit in one worker's connections.
    assert limits.max_connections >= 2 * (200 + 50 + 32)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("FRONT_MAX_HEADER_BYTES", "512", "must be between 1024 and 65536, not 512"),
        ("FRONT_MAX_HEADERS", "many", "must be a whole number, not 'many'"),
        ("FRONT_MAX_BODY_BYTES", "10M", "must be a whole number, not '10M'"),
        ("FRONT_HEADER_TIMEOUT", "0", "must be between 1 and 3600, not 0"),
        ("FRONT_BODY_TIMEOUT", "-1", "must be between 1 and 3600, not -1"),
        ("FRONT_MAX_CONNECTIONS", "10", "must be between 64 and 65536, not 10"),
        ("FRONT_MAX_CONNECTIONS_PER_CLIENT", "x", "must be a whole number, not 'x'"),
    ],
)
def test_each_bad_limit_is_one_problem_line_naming_it(name: str, value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        limits_from({name: value})
    assert raised.value.lines == [f"{name} {problem}. Hint: e.g. {name}={default_of(name)}"]


def default_of(name: str) -> int:
    field = name.removeprefix("FRONT_").lower()
    return getattr(limits_from({}), field)


def test_gunicorn_counts_the_headers_the_front_adds() -> None:
    assert gunicorn_limits(limits_from({"FRONT_MAX_HEADERS": "50"})) == {
        "limit_request_fields": 54,
        "limit_request_field_size": 8192,
        "limit_request_line": 8190,
    }


@pytest.mark.parametrize(
    ("entry", "directive"),
    [
        ("0.0.0.0:8000", "listen 8000 default_server;"),
        ("127.0.0.1:8001", "listen 127.0.0.1:8001 default_server;"),
        ("[::]:8000", "listen [::]:8000 ipv6only=on default_server;"),
        ("unix:/tmp/k.sock", "listen unix:/tmp/k.sock default_server;"),
    ],
)
def test_gunicorn_bind_entries_become_listen_directives(entry: str, directive: str) -> None:
    assert listen_directive(entry) == directive


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/bootstrap installs it)")
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    config = FrontConfig(
        listen=("127.0.0.1:8000", f"unix:{tmp_path}/front.sock"),
        run_dir=tmp_path,
        limits=limits_from({"FRONT_MAX_CONNECTIONS_PER_CLIENT": "0"}),
        app_timeout=140,
        keepalive_timeout=5,
        graceful_timeout=30,
        user="root",
    )
    config.conf_path.write_text(render(config), encoding="utf-8")
    result = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(config.conf_path), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
