"""A project extends the environment contract without editing Keelson: the module
`contract` of its settings' top-level package declares VARIABLES, and the boot judges
them with Keelson's in one run (every problem one line, exit 78), shows them in its
configuration line (secrets masked), the settings read them, and `keelson contract
env-example` lists them. The project: tests/support/extended_project (`extended`), built
on Keelson's public API alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from processes import BACKEND, BIN, SUPPORT, base_env

PROJECT = SUPPORT / "extended_project"
SETTINGS = "extended.settings"
MASK = "********"
TOKEN = "partner-7c1e9a4b2d6f8e0a3c5b7d9f1e2a4c6b"


@pytest.fixture
def project_env(production_env: dict[str, str]) -> dict[str, str]:
    """A valid production environment for the extended project (its database is never
    reached: `check` needs none)."""
    return {**production_env, "DJANGO_SETTINGS_MODULE": SETTINGS, "GREETING_LIMIT": "42"}


def keelson(
    env: dict[str, str], *args: str, cwd: Path = PROJECT, timeout: float = 60
) -> subprocess.CompletedProcess:
    """`python -m keelson ARGS` in the project's directory, as the image's boot runs it."""
    return subprocess.run(
        [sys.executable, "-m", "keelson", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def lines(result: subprocess.CompletedProcess) -> list[dict[str, Any]]:
    """Every line the boot printed (all on stdout), parsed as JSON."""
    assert result.stderr == "", result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def config_line(result: subprocess.CompletedProcess) -> dict[str, str | None]:
    (line,) = [line for line in lines(result) if line.get("step") == "config"]
    return line["config"]


def problems(result: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    """(variable, message) of each line, after checking every line is a problem: exit 78."""
    assert result.returncode == 78, result.stdout + result.stderr
    found = lines(result)
    assert [(line["logger"], line["level"], line["exit_code"]) for line in found] == [
        ("config", "ERROR", 78)
    ] * len(found)
    return [(line["variable"], line["message"]) for line in found]


# ---------------------------------------------------------------- refused
def test_a_bad_project_variable_and_a_bad_secret_key_are_named_in_one_run_exit_78(
    project_env,
) -> None:
    result = keelson({**project_env, "GREETING_LIMIT": "0", "SECRET_KEY": "short"}, "check")
    found = problems(result)
    # Keelson's variables first, then the project's, in the contract's order.
    assert [name for name, _ in found] == ["SECRET_KEY", "GREETING_LIMIT"]
    (_, secret_key), (_, greeting_limit) = found
    assert secret_key.startswith("SECRET_KEY is too short (5 characters). Hint: ")
    assert greeting_limit.startswith("GREETING_LIMIT must be between 1 and 100, not 0. Hint: ")


def test_a_required_project_variable_left_unset_exits_78_naming_it(project_env) -> None:
    env = {name: value for name, value in project_env.items() if name != "GREETING_LIMIT"}
    assert problems(keelson(env, "check")) == [
        ("GREETING_LIMIT", "GREETING_LIMIT is missing. Hint: see .env.example")
    ]


def test_the_hint_for_a_bad_project_number_shows_its_declared_example(project_env) -> None:
    """A variable without a default is hinted with its example, a valid value."""
    [(_, message)] = problems(keelson({**project_env, "GREETING_LIMIT": "lots"}, "check"))
    assert (
        message == "GREETING_LIMIT must be a whole number, not 'lots'. Hint: e.g. GREETING_LIMIT=10"
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"PARTNER_API_TOKEN_FILE": "/nonexistent/partner_api_token"},
            (
                "PARTNER_API_TOKEN_FILE",
                "PARTNER_API_TOKEN_FILE names /nonexistent/partner_api_token, which cannot "
                "be read (No such file or directory). Hint: mount the secret file there, "
                "readable by the service user",
            ),
        ),
        (
            {"PARTNER_API_TOKEN": TOKEN, "PARTNER_API_TOKEN_FILE": "/run/secrets/partner"},
            (
                "PARTNER_API_TOKEN",
                "PARTNER_API_TOKEN and PARTNER_API_TOKEN_FILE are both set. Hint: set only "
                "one of them (see .env.example)",
            ),
        ),
    ],
    ids=["unreadable-file", "both-set"],
)
def test_a_project_secret_and_its_file_twin_are_judged_like_keelsons(
    project_env, extra: dict[str, str], expected: tuple[str, str]
) -> None:
    result = keelson({**project_env, **extra}, "check")
    assert problems(result) == [expected]
    assert TOKEN not in result.stdout


# ---------------------------------------------------------------- accepted
def test_check_passes_and_the_configuration_line_shows_the_project_variables(
    project_env,
) -> None:
    result = keelson({**project_env, "PARTNER_API_TOKEN": TOKEN}, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines(result)[-1]["message"] == "configuration valid"
    config = config_line(result)
    # After every variable of Keelson's, in the order the project declares them.
    assert list(config)[-2:] == ["GREETING_LIMIT", "PARTNER_API_TOKEN"]
    assert config["GREETING_LIMIT"] == "42"
    assert config["PARTNER_API_TOKEN"] == MASK
    assert config["SECRET_KEY"] == MASK
    assert TOKEN not in result.stdout


def test_an_unset_optional_project_secret_is_shown_unset(project_env) -> None:
    result = keelson(project_env, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    config = config_line(result)
    assert config["PARTNER_API_TOKEN"] is None
    assert "PARTNER_API_TOKEN_FILE" not in config


def test_a_token_from_its_file_is_masked_and_reaches_the_settings(
    project_env, tmp_path: Path
) -> None:
    token_file = tmp_path / "partner_api_token"
    token_file.write_text(TOKEN + "\n")
    env = {**project_env, "PARTNER_API_TOKEN_FILE": str(token_file)}

    checked = keelson(env, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = config_line(checked)
    assert config["PARTNER_API_TOKEN"] == MASK
    assert config["PARTNER_API_TOKEN_FILE"] == MASK
    assert TOKEN not in checked.stdout

    # The settings read the project's values from what keelson.settings.production returns.
    shown = keelson(
        env,
        "manage",
        "shell",
        "--verbosity",
        "0",
        "--command",
        "from django.conf import settings; "
        "print(repr(settings.GREETING_LIMIT), settings.PARTNER_API_TOKEN)",
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert shown.stdout == f"42 {TOKEN}\n"


# ---------------------------------------------------------------- .env.example
SECTION = "# ============================================================ "


def sections(env_example: str) -> dict[str, list[str]]:
    """The lines of each section of a rendered .env.example, by its title."""
    found: dict[str, list[str]] = {}
    title = None
    for line in env_example.splitlines():
        if line.startswith(SECTION):
            title = line.removeprefix(SECTION)
            found[title] = []
        elif title is not None and line:
            found[title].append(line)
    return found


def env_example_in(directory: Path, settings: str) -> str:
    """`keelson contract env-example` as a person runs it in the project's directory:
    the console script, which finds the project's modules from there."""
    result = subprocess.run(
        [str(BIN / "keelson"), "contract", "env-example"],
        cwd=directory,
        env=base_env({"DJANGO_SETTINGS_MODULE": settings}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    return result.stdout


def test_env_example_lists_the_project_variables_in_their_sections() -> None:
    found = sections(env_example_in(PROJECT, SETTINGS))
    required = found["REQUIRED"]
    # Keelson's required variables, then the project's, each under its doc.
    assert required[0].startswith("# signing key")
    assert required[-2:] == ["# greetings one visitor gets per day, 1-100", "GREETING_LIMIT=10"]
    assert found["OPTIONAL: secrets as files"][-1] == (
        "# PARTNER_API_TOKEN_FILE=/run/secrets/partner_api_token"
    )
    # The project's layer is a section of its own, after Keelson's.
    assert list(found)[-1] == "OPTIONAL: Extended"
    assert found["OPTIONAL: Extended"] == [
        "# the partner API's token; unset: the partner is never called",
        "# PARTNER_API_TOKEN=",
    ]


def test_env_example_of_a_project_without_its_own_contract_has_only_keelsons() -> None:
    text = env_example_in(BACKEND, "config.settings.production")
    assert "SECRET_KEY=" in text
    assert "GREETING_LIMIT" not in text
    assert "PARTNER_API_TOKEN" not in text
