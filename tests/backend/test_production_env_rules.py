"""Production settings refuse an unsafe environment: exit 78, one line per problem,
the variable's name first, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from processes import base_env, manage

STRONG_KEY = "x7Gq2-Lm9Pz_Rt4Wv8Yb1Nc6Hd3Jf5Ks0Ae2Ui7Oo9Pp4Qq1Rr3Ss5Tt8Uu0Vv"


def valid_env(**overrides: str | None) -> dict[str, str]:
    env = base_env(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "api.example.com",
            "POSTGRES_PASSWORD": "pg-secret",
        }
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def config_error_lines(env: dict[str, str]) -> list[str]:
    """Run a management command; assert exit 78 and no traceback; return the messages."""
    result = manage(["check"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 78, output
    assert "Traceback" not in output
    assert result.stdout == ""
    records = [json.loads(line) for line in result.stderr.splitlines()]
    for record in records:
        assert record["level"] == "ERROR"
        assert record["logger"] == "config"
        assert record["exit_code"] == 78
        assert record["message"].startswith(record["variable"] + " ")
    return [record["message"] for record in records]


def test_a_valid_production_env_passes_check_deploy_with_zero_issues() -> None:
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], valid_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_missing_secret_key_exits_78_with_one_line() -> None:
    assert config_error_lines(valid_env(SECRET_KEY=None)) == [
        "SECRET_KEY is missing (set SECRET_KEY or SECRET_KEY_FILE). Hint: set 50+ random "
        "characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
        "(see .env.example)"
    ]


def test_short_secret_key_is_refused() -> None:
    [line] = config_error_lines(valid_env(SECRET_KEY="a1b2c3d4e5" * 4))
    assert line.startswith("SECRET_KEY is too short (40 characters). Hint: set 50+ random")


def test_secret_key_with_few_distinct_characters_is_refused() -> None:
    [line] = config_error_lines(valid_env(SECRET_KEY="abcd" * 20))
    assert line.startswith("SECRET_KEY has fewer than 5 distinct characters. Hint:")


def test_django_insecure_secret_key_is_refused() -> None:
    [line] = config_error_lines(valid_env(SECRET_KEY="django-insecure-" + STRONG_KEY))
    assert line.startswith(
        "SECRET_KEY starts with 'django-insecure-' (a generated development key). Hint:"
    )


def test_the_env_example_placeholder_secret_key_is_refused() -> None:
    placeholder = 'change-me-to-50-random-characters-$ecret=with"quotes"-like-this-one'
    [line] = config_error_lines(valid_env(SECRET_KEY=placeholder))
    assert line.startswith("SECRET_KEY is the placeholder from .env.example. Hint:")


def test_empty_allowed_hosts_is_refused() -> None:
    assert config_error_lines(valid_env(ALLOWED_HOSTS=" , ")) == [
        "ALLOWED_HOSTS is empty. Hint: list the host names this service answers to, "
        "e.g. ALLOWED_HOSTS=api.example.com"
    ]


def test_missing_postgres_password_is_refused() -> None:
    assert config_error_lines(valid_env(POSTGRES_PASSWORD=None)) == [
        "POSTGRES_PASSWORD is missing (set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE). "
        "Hint: the password of POSTGRES_USER (see .env.example)"
    ]


def test_a_unix_socket_host_needs_no_password_for_peer_authentication() -> None:
    env = valid_env(POSTGRES_PASSWORD=None, POSTGRES_HOST="/run/postgresql")
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("value", ["1", "true", "TRUE"])
def test_debug_true_is_refused(value: str) -> None:
    assert config_error_lines(valid_env(DEBUG=value)) == [
        "DEBUG is true, which production refuses (it shows settings and stack traces). "
        "Hint: set DEBUG=0"
    ]


def test_a_boolean_that_is_not_0_1_true_false_is_refused() -> None:
    assert config_error_lines(valid_env(SECURE_SSL_REDIRECT="yes")) == [
        "SECURE_SSL_REDIRECT must be 0, 1, true or false, not 'yes'. Hint: use 0 or 1"
    ]


def test_an_integer_that_is_not_an_integer_is_refused() -> None:
    assert config_error_lines(valid_env(CONN_MAX_AGE="60s")) == [
        "CONN_MAX_AGE must be a whole number, not '60s'. Hint: e.g. CONN_MAX_AGE=60"
    ]


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_a_port_out_of_range_is_refused(port: str) -> None:
    assert config_error_lines(valid_env(POSTGRES_PORT=port)) == [
        f"POSTGRES_PORT must be between 1 and 65535, not {port}. Hint: e.g. POSTGRES_PORT=5432"
    ]


@pytest.mark.parametrize("name", ["CSRF_TRUSTED_ORIGINS", "CORS_ALLOWED_ORIGINS"])
def test_an_origin_without_scheme_is_refused(name: str) -> None:
    assert config_error_lines(valid_env(**{name: "https://ok.example.com,app.example.com"})) == [
        f"{name} entry 'app.example.com' has no scheme (http:// or https://). Hint: write "
        f"full origins, e.g. {name}=https://example.com,https://www.example.com"
    ]


def test_all_problems_are_reported_at_once() -> None:
    lines = config_error_lines(
        valid_env(SECRET_KEY=None, ALLOWED_HOSTS=None, POSTGRES_PASSWORD=None, DEBUG="1")
    )
    assert [line.split(" ", 1)[0] for line in lines] == [
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "POSTGRES_PASSWORD",
    ]


def test_a_misspelt_settings_module_exits_78_naming_the_variable() -> None:
    assert config_error_lines(valid_env(DJANGO_SETTINGS_MODULE="config.settings.prod")) == [
        "DJANGO_SETTINGS_MODULE names 'config.settings.prod', which does not exist here. "
        "Hint: use config.settings.production (the image) or config.settings.local (development)"
    ]


class TestSecretsFromFiles:
    def test_secrets_may_come_from_files(self, tmp_path: Path) -> None:
        key_file = tmp_path / "secret_key"
        key_file.write_text(STRONG_KEY + "\n")
        password_file = tmp_path / "pg_password"
        password_file.write_text("from-a-file\n")
        env = valid_env(
            SECRET_KEY=None,
            POSTGRES_PASSWORD=None,
            SECRET_KEY_FILE=str(key_file),
            POSTGRES_PASSWORD_FILE=str(password_file),
        )
        result = manage(
            [
                "shell",
                "--no-imports",
                "-c",
                "from django.conf import settings as s; "
                "print(len(s.SECRET_KEY), s.DATABASES['default']['PASSWORD'])",
            ],
            env,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [str(len(STRONG_KEY)), "from-a-file"]

    def test_a_secret_and_its_file_together_are_refused(self, tmp_path: Path) -> None:
        key_file = tmp_path / "secret_key"
        key_file.write_text(STRONG_KEY)
        assert config_error_lines(valid_env(SECRET_KEY_FILE=str(key_file))) == [
            "SECRET_KEY and SECRET_KEY_FILE are both set. Hint: set only one of them "
            "(set 50+ random characters, e.g. from `python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'` (see .env.example))"
        ]

    def test_an_unreadable_secret_file_names_the_file_variable(self, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere"
        assert config_error_lines(
            valid_env(POSTGRES_PASSWORD=None, POSTGRES_PASSWORD_FILE=str(missing))
        ) == [
            f"POSTGRES_PASSWORD_FILE names {missing}, which cannot be read (No such file or "
            "directory). Hint: mount the secret file there, readable by the service user"
        ]


class TestLogsToFiles:
    def test_django_log_to_files_with_a_missing_directory_is_refused(self, tmp_path: Path) -> None:
        missing = tmp_path / "no-such-dir"
        [line] = config_error_lines(valid_env(DJANGO_LOG_TO_FILES="1", LOG_DIR=str(missing)))
        assert line.startswith(
            f"DJANGO_LOG_TO_FILES is 1 but the directory {missing} does not exist. Hint: create LOG_DIR"
        )

    def test_django_log_to_files_writes_json_lines_to_django_log(self, tmp_path: Path) -> None:
        env = valid_env(DJANGO_LOG_TO_FILES="1", LOG_DIR=str(tmp_path))
        result = manage(
            [
                "shell",
                "--no-imports",
                "-c",
                "import logging; logging.getLogger('keelson').warning('to the file')",
            ],
            env,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        [record] = [json.loads(line) for line in (tmp_path / "django.log").read_text().splitlines()]
        assert record["message"] == "to the file"
        assert record["level"] == "WARNING"
