"""The services' variables (mail, media, cache, error reporting, headers, the admin) are
judged with the rest of the contract: a bad value stops `boot`, `boot check` and
`boot worker` with 78 before the database is touched, one line naming the variable,
secrets never repeated; every problem comes in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from boot_support import run_boot, wait_for_exit
from test_boot_contract import assert_only_config_errors, tables
from tmpfs import tmpfs

pytestmark = pytest.mark.slow

PASSWORD = "hunter2-never-printed"
BAD_VALUES = [
    ("EMAIL_URL", f"smtp//u:{PASSWORD}@mail", "EMAIL_URL must be an smtp:// or smtps:// URL"),
    (
        "EMAIL_URL",
        f"imap://u:{PASSWORD}@mail",
        "EMAIL_URL must be an smtp:// or smtps:// URL, not imap://",
    ),
    ("EMAIL_URL", f"smtp://u:{PASSWORD}@:587", "EMAIL_URL names no host"),
    ("EMAIL_URL", f"smtp://u:{PASSWORD}@mail:99999", "EMAIL_URL is not a valid URL"),
    ("DEFAULT_FROM_EMAIL", "not an address", "DEFAULT_FROM_EMAIL is not an email address"),
    ("SERVER_EMAIL", "alerts@", "SERVER_EMAIL is not an email address"),
    ("MEDIA_STORAGE", "ftp", "MEDIA_STORAGE must be one of s3, filesystem"),
    ("MEDIA_URL", "/media", "MEDIA_URL must be a URL path or URL ending with /"),
    ("MEDIA_S3_REGION", "EU West 1", "MEDIA_S3_REGION is not a region name"),
    ("MEDIA_S3_ENDPOINT_URL", "minio:9000", "MEDIA_S3_ENDPOINT_URL must be an http(s) origin"),
    ("MEDIA_S3_ADDRESSING_STYLE", "sideways", "MEDIA_S3_ADDRESSING_STYLE must be one of"),
    (
        "MEDIA_S3_CUSTOM_DOMAIN",
        "https://cdn.example.com",
        "MEDIA_S3_CUSTOM_DOMAIN must be a host name",
    ),
    (
        "MEDIA_S3_SECRET_ACCESS_KEY",
        PASSWORD,
        "MEDIA_S3_SECRET_ACCESS_KEY and MEDIA_S3_ACCESS_KEY_ID must be set together",
    ),
    (
        "CACHE_URL",
        f"memcached://:{PASSWORD}@cache",
        "CACHE_URL must be a redis://, rediss:// or unix:// URL",
    ),
    ("CACHE_URL", f"redis://:{PASSWORD}@cache/db", "CACHE_URL must end with a database number"),
    ("SENTRY_DSN", "https://sentry.example.com/42", "SENTRY_DSN names no key"),
    (
        "SENTRY_DSN",
        f"https://{PASSWORD}@sentry.example.com/",
        "SENTRY_DSN must end with the project's number",
    ),
    ("SENTRY_ENVIRONMENT", "prod/eu", "SENTRY_ENVIRONMENT must be up to 64 characters"),
    ("SENTRY_TRACES_SAMPLE_RATE", "1.5", "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1"),
    (
        "CONTENT_SECURITY_POLICY_EXTRA",
        "script-src 'unsafe-inline",
        "CONTENT_SECURITY_POLICY_EXTRA has",
    ),
    (
        "CONTENT_SECURITY_POLICY_EXTRA",
        "frame-ancestors *",
        "CONTENT_SECURITY_POLICY_EXTRA names 'frame-ancestors'",
    ),
    ("ADMIN_URL", "", "ADMIN_URL is set but empty"),
    ("ADMIN_URL", "/admin/", "ADMIN_URL must be a relative path"),
    ("ADMIN_URL", "admin", "ADMIN_URL must be a relative path"),
    ("ADMIN_URL", "../admin/", "ADMIN_URL must be a relative path"),
    ("ADMIN_URL", "staff/../admin/", "ADMIN_URL must be a relative path"),
]
IDS = [f"{name}={value}" for name, value, _ in BAD_VALUES]


@pytest.fixture
def worker_ready_env(boot_env: dict[str, str]) -> dict[str, str]:
    """boot_env with a broker named (never reached: the contract stops the boot first)."""
    return {**boot_env, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}


@pytest.mark.parametrize("command", ["serve", "check", "worker"])
@pytest.mark.parametrize(("name", "value", "start"), BAD_VALUES, ids=IDS)
def test_a_bad_service_variable_exits_78_before_the_database(
    worker_ready_env, tmp_path: Path, command: str, name: str, value: str, start: str
) -> None:
    result = run_boot({**worker_ready_env, name: value}, tmp_path, command)
    assert result.returncode == 78, result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert_only_config_errors(
        [json.loads(line) for line in result.stdout.splitlines()], [(name, start)]
    )
    assert tables(worker_ready_env) == []


def test_filesystem_media_in_an_unwritable_directory_exits_78(
    boot_env, started, tmp_path: Path
) -> None:
    # Read-only for every user, root included (permission bits do not stop root).
    with tmpfs(tmp_path / "media", "ro,size=1m") as media:
        boot = started({**boot_env, "MEDIA_STORAGE": "filesystem", "MEDIA_ROOT": str(media)})
        code, _ = wait_for_exit(boot, timeout=30)
    assert code == 78
    assert_only_config_errors(
        boot.json_lines(), [("MEDIA_ROOT", f"MEDIA_ROOT names {media}, which cannot be written")]
    )
    assert tables(boot_env) == []


def test_every_service_problem_comes_in_one_run(boot_env, tmp_path: Path) -> None:
    env = {
        **boot_env,
        "EMAIL_URL": f"smtp://u:{PASSWORD}@:25",
        "MEDIA_STORAGE": "s3",
        "CACHE_URL": "memcached://cache",
        "SENTRY_TRACES_SAMPLE_RATE": "all",
        "ADMIN_URL": "/",
    }
    result = run_boot(env, tmp_path, "check")
    assert result.returncode == 78
    assert PASSWORD not in result.stdout
    assert_only_config_errors(
        [json.loads(line) for line in result.stdout.splitlines()],
        [
            ("ADMIN_URL", "ADMIN_URL must be a relative path"),
            ("EMAIL_URL", "EMAIL_URL names no host"),
            ("MEDIA_S3_BUCKET", "MEDIA_S3_BUCKET is missing (MEDIA_STORAGE=s3 needs it)"),
            ("CACHE_URL", "CACHE_URL must be a redis://"),
            ("SENTRY_TRACES_SAMPLE_RATE", "SENTRY_TRACES_SAMPLE_RATE must be a number"),
        ],
    )
