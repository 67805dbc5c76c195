""".env.example is the env contract: it parses the same in bash and in a dotenv parser,
and it lists exactly the variables the code reads."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from dotenv import dotenv_values
from processes import REPO

ENV_EXAMPLE = REPO / ".env.example"

# How code reads a variable: our typed readers, os.environ, and ${NAME} in the boot script.
PYTHON_READS = re.compile(
    r"""(?:env\.(?:str|secret|bool|int|port|list|origins|choice)\(\s*|"""
    r"""os\.environ\.get\(\s*|os\.getenv\(\s*|os\.environ\[\s*)["']([A-Z][A-Z0-9_]*)["']"""
)
SHELL_READS = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
SECRET_READS = re.compile(r"""env\.secret\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# Variables of the process environment itself, not of Keelson's contract.
NOT_CONTRACT = {
    "PATH",
    "HOME",
    "PWD",
    "BASH_SOURCE",
    "FUNCNAME",
    "LINENO",
    "SECONDS",
    "EPOCHREALTIME",
    "BASHPID",
}
LISTED = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def python_sources() -> list[Path]:
    return [
        path
        for path in (REPO / "backend").rglob("*.py")
        if "migrations" not in path.parts and ".state" not in path.parts
    ]


def variables_read_by_code() -> set[str]:
    names: set[str] = set()
    for path in python_sources():
        text = path.read_text()
        names |= set(PYTHON_READS.findall(text))
        names |= {f"{name}_FILE" for name in SECRET_READS.findall(text)}
    boot = REPO / "nix" / "boot.sh"
    if boot.exists():
        names |= set(SHELL_READS.findall(boot.read_text()))
    return names - NOT_CONTRACT


def variables_listed() -> set[str]:
    return set(LISTED.findall(ENV_EXAMPLE.read_text()))


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


def test_every_variable_the_code_reads_is_in_env_example() -> None:
    missing = variables_read_by_code() - variables_listed()
    assert not missing, f"read by the code but not in .env.example: {sorted(missing)}"


def test_env_example_lists_no_variable_the_code_never_reads() -> None:
    unused = variables_listed() - variables_read_by_code()
    assert not unused, f"in .env.example but never read: {sorted(unused)}"


def test_the_scan_finds_the_variables_it_must() -> None:
    # Guards the scan itself: were its patterns broken, both tests above would pass on nothing.
    assert {"SECRET_KEY", "SECRET_KEY_FILE", "GUNICORN_WORKERS", "DJANGO_SETTINGS_MODULE"} <= (
        variables_read_by_code()
    )


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
