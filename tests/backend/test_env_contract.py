"""The environment contract is declared once (keelson.contract.core): .env.example and the
docs' variable tables are rendered from it and list exactly its names, no code reads a
variable around it, and .env.example parses the same in bash and in a dotenv parser."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values
from processes import REPO

from keelson.contract.core import BY_NAME, CONTRACT, every_name, validate
from keelson.contract.env import ConfigError, Env
from keelson.contract.render import env_example, markdown_tables, tables_block

ENV_EXAMPLE = REPO / ".env.example"
BOOT_AND_RUNTIME = REPO / "docs" / "BOOT_AND_RUNTIME.md"
RENDER = (
    "run `cd backend && keelson contract env-example > ../.env.example && "
    "keelson contract tables ../docs/BOOT_AND_RUNTIME.md`"
)

# How code could read a variable on its own: os.environ, or ${NAME} in the boot script.
PYTHON_READS = re.compile(
    r"""(?:os\.environ\.get\(\s*|os\.getenv\(\s*|os\.environ\[\s*)["']([A-Z][A-Z0-9_]*)["']"""
)
SHELL_READS = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
LISTED = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
DOCUMENTED = re.compile(r"^\| `([A-Z][A-Z0-9_]*)`(?: / `([A-Z][A-Z0-9_]*)`)? \|", re.MULTILINE)
# The one module that reads the contract's variables (through keelson.contract.env's Env), and
# the entry points that only choose DJANGO_SETTINGS_MODULE's default before it runs.
CONTRACT_READERS = {"src/keelson/contract/core.py", "src/keelson/contract/env.py"}
SETTINGS_DEFAULTS = {"src/keelson/settings/entry.py", "src/keelson/boot/cli.py"}


def python_sources() -> list[Path]:
    return [
        path
        for top in ("src", "backend")
        for path in (REPO / top).rglob("*.py")
        if "migrations" not in path.parts and ".state" not in path.parts
    ]


def variables_listed() -> set[str]:
    return set(LISTED.findall(ENV_EXAMPLE.read_text()))


def variables_documented() -> set[str]:
    block = tables_block(BOOT_AND_RUNTIME.read_text())
    return {name for pair in DOCUMENTED.findall(block) for name in pair if name}


def test_env_example_is_rendered_from_the_contract() -> None:
    assert ENV_EXAMPLE.read_text() == env_example(), RENDER


def test_the_docs_variable_tables_are_rendered_from_the_contract() -> None:
    assert tables_block(BOOT_AND_RUNTIME.read_text()) == markdown_tables(), RENDER


def test_env_example_and_the_docs_list_exactly_the_contracts_names() -> None:
    names = set(every_name())
    assert variables_listed() == names
    assert variables_documented() == names
    # Guards the scan itself: were its patterns broken, the equalities above would be empty.
    assert {"SECRET_KEY", "SECRET_KEY_FILE", "GUNICORN_WORKERS", "DJANGO_SETTINGS_MODULE"} <= names


def test_no_code_reads_a_variable_around_the_contract() -> None:
    """One declaration: nothing else reads the environment for a variable of its own."""
    outside = {}
    for path in python_sources():
        relative = path.relative_to(REPO).as_posix()
        if relative in CONTRACT_READERS:
            continue
        read = set(PYTHON_READS.findall(path.read_text()))
        if relative in SETTINGS_DEFAULTS:
            read -= {"DJANGO_SETTINGS_MODULE"}
        if read:
            outside[relative] = sorted(read)
    assert outside == {}


def test_the_boot_script_reads_no_variable() -> None:
    assert SHELL_READS.findall((REPO / "nix" / "boot.sh").read_text()) == []


def test_each_secret_has_its_file_twin() -> None:
    secrets = [var for var in CONTRACT if var.secret]
    assert [var.name for var in secrets] == [
        "SECRET_KEY",
        "POSTGRES_PASSWORD",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "EMAIL_URL",
        "MEDIA_S3_ACCESS_KEY_ID",
        "MEDIA_S3_SECRET_ACCESS_KEY",
        "CACHE_URL",
        "SENTRY_DSN",
    ]
    for var in secrets:
        assert var.names == (var.name, f"{var.name}_FILE")


def test_the_broker_is_required_by_the_worker_commands_only(
    production_env: dict[str, str],
) -> None:
    """One declaration says who needs the broker: the web's validation passes without
    it, `boot worker` and `boot beat` name it, and the configuration line masks only
    the URL's password."""
    validate(production_env)
    for command in ("worker", "beat"):
        with pytest.raises(ConfigError) as refused:
            validate(production_env, command)
        assert refused.value.lines == [
            "CELERY_BROKER_URL is missing (set CELERY_BROKER_URL or CELERY_BROKER_URL_FILE): "
            f"boot {command} needs it. Hint: {BY_NAME['CELERY_BROKER_URL'].hint}"
        ]
    url = "redis://:s3cret-pass@redis:6379/0"
    shown = validate({**production_env, "CELERY_BROKER_URL": url}, "worker").shown()
    assert shown["CELERY_BROKER_URL"] == "redis://:********@redis:6379/0"
    assert "s3cret-pass" not in str(shown)


def values_seen_by_bash() -> dict[str, str]:
    script = f'set -a; . "{ENV_EXAMPLE}"; set +a; env -0'
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        capture_output=True,
        env={"PATH": os.environ["PATH"]},
        check=True,
    )
    pairs = (item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    return {name: value for name, value in pairs}


def test_bash_and_dotenv_read_the_same_values() -> None:
    by_dotenv = dotenv_values(ENV_EXAMPLE, interpolate=False)
    by_bash = values_seen_by_bash()
    assert by_dotenv, "dotenv found no variables"
    for name, value in by_dotenv.items():
        assert by_bash.get(name) == value, name


def test_values_with_dollar_equals_and_quotes_survive_both_parsers() -> None:
    expected = 'change-me-to-50-random-characters-$ecret=with"quotes"-like-this-one'
    assert dotenv_values(ENV_EXAMPLE, interpolate=False)["SECRET_KEY"] == expected
    assert values_seen_by_bash()["SECRET_KEY"] == expected


def test_every_variable_is_grouped_as_required_or_optional() -> None:
    text = ENV_EXAMPLE.read_text()
    required, _, optional = text.partition(
        "# ============================================================ OPTIONAL"
    )
    assert "REQUIRED" in required
    assert set(LISTED.findall(required)) == {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"}
    assert set(LISTED.findall(optional)) == variables_listed() - set(LISTED.findall(required))


def test_the_postgres_password_is_required_unless_the_host_is_a_unix_socket_directory() -> None:
    """A conditional requirement is decided by the values read before it: over TCP the
    password is missing; over a socket directory (peer authentication) it is not."""
    base = {"SECRET_KEY": "k" * 10 + "abcdefghij" * 5, "ALLOWED_HOSTS": "a.example"}
    values = validate({**base, "POSTGRES_HOST": "/run/postgresql"})
    assert values["POSTGRES_PASSWORD"] is None
    with pytest.raises(ConfigError) as refused:
        validate({**base, "POSTGRES_HOST": "db.internal"})
    assert refused.value.lines == [
        "POSTGRES_PASSWORD is missing (set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE). "
        "Hint: the password of POSTGRES_USER (see .env.example)"
    ]


def test_a_missing_default_settings_module_asks_for_the_projects_own() -> None:
    """The default names the example's module: a project of another name (startproject's
    `mysite`) that left DJANGO_SETTINGS_MODULE unset must not be told to use it."""
    var = dataclasses.replace(
        BY_NAME["DJANGO_SETTINGS_MODULE"], default="no_such_project.settings.production"
    )
    for environ in ({}, {"DJANGO_SETTINGS_MODULE": "no_such_project.settings.production"}):
        env = Env(environ)
        assert var.kind.read(env, var) == "no_such_project.settings.production"
        assert env.problems == [
            "DJANGO_SETTINGS_MODULE names 'no_such_project.settings.production' (the default "
            "when unset), which does not exist here. Hint: set it to this project's "
            "production settings, e.g. DJANGO_SETTINGS_MODULE=mysite.settings_production, "
            "and run keelson in the directory of manage.py"
        ]
    # Another module that does not exist keeps the hint of the example's modules.
    env = Env({"DJANGO_SETTINGS_MODULE": "no_such_project.settings.prod"})
    var.kind.read(env, var)
    assert env.problems == [
        "DJANGO_SETTINGS_MODULE names 'no_such_project.settings.prod', which does not exist "
        f"here. Hint: {var.hint}"
    ]
