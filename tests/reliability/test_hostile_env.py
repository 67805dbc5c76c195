"""Env fuzzing: any string in any variable gives a valid configuration or one-line
errors naming the variables; never a traceback, never a silent default for a required
value. In-process (the readers and the production settings module), plus a few real
processes for what only exec can deliver (bytes that are not UTF-8)."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from processes import base_env, manage
from reliability_ledger import LEDGER

from keelson.contract.env import ConfigError, Env

# What os.environ can hold on Linux: no NUL; bytes that are not UTF-8 arrive as lone
# surrogates (surrogateescape).
ENV_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
    | st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),
    max_size=80,
)
STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"

PRODUCTION_VARIABLES = {
    "SECRET_KEY": st.sampled_from([STRONG_KEY, "short", "django-insecure-" + STRONG_KEY]),
    "ALLOWED_HOSTS": st.sampled_from(
        ["app.example.com", "a.example,b.example", " , ", "https://x/"]
    ),
    "POSTGRES_PASSWORD": st.sampled_from(["pw", "p@ss w'rd\"$"]),
    "DEBUG": st.sampled_from(["0", "1", "true", "no"]),
    "POSTGRES_PORT": st.sampled_from(["5432", "0", "70000", "5432x"]),
    "POSTGRES_HOST": st.sampled_from(["db", "/run/postgresql"]),
    "POSTGRES_SSLMODE": st.sampled_from(["require", "bogus"]),
    "CONN_MAX_AGE": st.sampled_from(["0", "-1", "60"]),
    "POSTGRES_CONNECT_TIMEOUT": st.sampled_from(["5", "0"]),
    "CSRF_TRUSTED_ORIGINS": st.sampled_from(["https://app.example.com", "app.example.com"]),
    "CORS_ALLOWED_ORIGINS": st.sampled_from(["https://a.example", "https://a.example/path"]),
    "SECURE_SSL_REDIRECT": st.sampled_from(["1", "0", "maybe"]),
    "SECURE_HSTS_SECONDS": st.sampled_from(["0", "3600", "-5"]),
    "DJANGO_LOG_LEVEL": st.sampled_from(["info", "WARNING", "loud"]),
    "DJANGO_LOG_TO_FILES": st.sampled_from(["0", "1"]),
}
REQUIRED = ("SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS")


def any_value(typical: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly plausible values, often hostile ones."""
    return st.one_of(typical, ENV_TEXT)


@st.composite
def environments(draw: st.DrawFn, secret_files: dict[str, str]) -> dict[str, str]:
    environ = {}
    for name, typical in PRODUCTION_VARIABLES.items():
        if draw(st.booleans()) or (name in REQUIRED and draw(st.booleans())):
            environ[name] = draw(any_value(typical))
    for name in ("SECRET_KEY_FILE", "POSTGRES_PASSWORD_FILE"):
        if draw(st.integers(0, 3)) == 0:
            environ[name] = draw(st.sampled_from(sorted(secret_files.values())) | ENV_TEXT)
    return environ


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def load_production(environ: dict[str, str]) -> ModuleType | ConfigError:
    """Execute config.settings.production afresh under `environ`."""
    with environment(environ):
        sys.modules.pop("config.settings.production", None)
        try:
            return importlib.import_module("config.settings.production")
        except ConfigError as error:
            return error
        finally:
            sys.modules.pop("config.settings.production", None)


def assert_one_line_each_naming(lines: list[str], names: set[str]) -> None:
    assert lines
    for line in lines:
        assert len(line.splitlines()) == 1, repr(line)
        assert "\n" not in line, repr(line)
        assert line.split(" ", 1)[0] in names, line
        assert "Traceback" not in line


def given_secret(environ: dict[str, str], name: str) -> str | None:
    """What the operator meant as the secret `name`, or None."""
    value = environ.get(name) or None
    path = environ.get(f"{name}_FILE") or None
    if path and not value:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return Path(path).read_text(encoding="utf-8").removesuffix("\n") or None
    return value


@pytest.fixture(scope="module")
def secret_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("secret-files")
    files = {
        "key": STRONG_KEY + "\n",
        "password": "from-a-file\n",
        "empty": "",
    }
    paths = {}
    for name, content in files.items():
        (base / name).write_text(content)
        paths[name] = str(base / name)
    (base / "latin1").write_bytes(b"caf\xe9")
    paths["latin1"] = str(base / "latin1")
    paths["directory"] = str(base)
    paths["missing"] = str(base / "missing")
    return paths


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("fuzz-logs"))


def test_production_settings_under_any_environment(
    secret_files: dict[str, str], log_dir: str
) -> None:
    names = set(PRODUCTION_VARIABLES) | {"SECRET_KEY_FILE", "POSTGRES_PASSWORD_FILE"}

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(environments(secret_files))
    # Peer authentication over a socket: valid without a password, and no password
    # problem beside the others.
    @example({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "app.example.com", "POSTGRES_HOST": "/"})
    @example({"POSTGRES_HOST": "/"})
    def check(environ: dict[str, str]) -> None:
        LEDGER.bad_input("production environment (hypothesis)")
        result = load_production({**environ, "LOG_DIR": log_dir})
        if isinstance(result, ConfigError):
            assert_one_line_each_naming(result.lines, names)
        # A host that is a unix socket's directory (a leading /) may mean peer
        # authentication: no password is then a valid choice.
        peer = environ.get("POSTGRES_HOST", "").startswith("/")
        for name in ("SECRET_KEY", "POSTGRES_PASSWORD"):
            meant = given_secret(environ, name)
            optional = name == "POSTGRES_PASSWORD" and peer
            if isinstance(result, ModuleType):
                # Valid: the secret is exactly what was given, never a default.
                assert meant is not None or optional
                actual = (
                    result.SECRET_KEY
                    if name == "SECRET_KEY"
                    else result.DATABASES["default"]["PASSWORD"]
                )
                assert actual == (meant or "")
            elif meant is None and not optional:
                assert any(line.startswith(name) for line in result.lines), result.lines
        if isinstance(result, ModuleType):
            assert result.ALLOWED_HOSTS
            assert result.DEBUG is False
            result.SECRET_KEY.encode("utf-8")  # usable to sign cookies
        elif not [h for h in environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]:
            assert any(line.startswith("ALLOWED_HOSTS") for line in result.lines)

    check()


READERS = {
    "str": lambda env, name: env.str(name, "fallback", required=True),
    "secret": lambda env, name: env.secret(name, required=True, hint="h"),
    "bool": lambda env, name: env.bool(name, False),
    "int": lambda env, name: env.int(name, 5, minimum=1, maximum=10),
    "port": lambda env, name: env.port(name, 5432),
    "list": lambda env, name: env.list(name, required=True),
    "origins": lambda env, name: env.origins(name),
    "choice": lambda env, name: env.choice(name, "info", ("debug", "info")),
}


@pytest.mark.parametrize("reader", READERS)
def test_every_env_reader_under_any_string(reader: str) -> None:
    @settings(max_examples=300, deadline=None, database=None)
    @given(ENV_TEXT)
    def check(value: str) -> None:
        LEDGER.bad_input("env reader value (hypothesis)")
        env = Env({"SOME_VARIABLE": value})
        READERS[reader](env, "SOME_VARIABLE")
        for line in env.problems:
            assert_one_line_each_naming([line], {"SOME_VARIABLE", "SOME_VARIABLE_FILE"})
        # Never a silent default for a required value: accepted means really given.
        if reader == "secret" and not env.problems:
            assert value.strip()
        if reader == "list" and not env.problems:
            assert value.replace(",", "").strip()

    check()


HOSTILE_PROCESS_ENVIRONMENTS = {
    "non-UTF-8 SECRET_KEY": {b"SECRET_KEY": b"k3y-\xff\xfe" + STRONG_KEY.encode()},
    "newlines and quotes": {"DEBUG": 'yes"\nINJECTED=1', "POSTGRES_PORT": "54'32\r\n"},
    "nothing set": {},
}


@pytest.mark.parametrize("case", HOSTILE_PROCESS_ENVIRONMENTS)
def test_hostile_environment_exits_78_with_json_lines_through_manage_py(case: str) -> None:
    LEDGER.bad_input("hostile process environment")
    complete = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "app.example.com",
        "POSTGRES_PASSWORD": "pw-that-must-not-leak",
    }
    if case == "nothing set":
        complete = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    hostile = HOSTILE_PROCESS_ENVIRONMENTS[case]
    env: dict = {**base_env(complete), **hostile}
    if b"SECRET_KEY" in hostile:
        env.pop("SECRET_KEY")
    result = manage(["check"], env)
    LEDGER.scan_lines(
        f"manage.py check ({case})",
        (result.stdout + result.stderr).splitlines(),
        ["pw-that-must-not-leak"],
        allowed_exception=lambda record: False,
    )
    assert result.returncode == 78, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines
    assert {line["exit_code"] for line in lines} == {78}
    expected = {
        "non-UTF-8 SECRET_KEY": {"SECRET_KEY"},
        "newlines and quotes": {"DEBUG", "POSTGRES_PORT"},
        "nothing set": {"SECRET_KEY", "POSTGRES_PASSWORD", "ALLOWED_HOSTS"},
    }[case]
    assert {line["variable"] for line in lines} == expected
    assert "pw-that-must-not-leak" not in result.stdout + result.stderr
