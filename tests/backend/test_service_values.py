"""The services' values, read once each: EMAIL_URL, CACHE_URL, SENTRY_DSN, the policy's
extension, and what error reporting masks. Every problem text is checked never to repeat
the password."""

from __future__ import annotations

import pytest

from keelson.contract.cache_url import cache_url_problem
from keelson.contract.content_security_policy import PolicyError, header_value, parse_extra
from keelson.contract.email_url import EmailUrl, EmailUrlError, mask_email_url, parse_email_url
from keelson.contract.sentry_dsn import dsn_problem, mask_dsn
from keelson.error_reporting import MASK, scrub, secret_values

PASSWORD = "p@ss:w/rd"
QUOTED = "p%40ss%3Aw%2Frd"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"smtp://mailer:{QUOTED}@smtp.example.com",
            EmailUrl("smtp.example.com", 587, "starttls", "mailer", PASSWORD),
        ),
        ("smtps://smtp.example.com:2465", EmailUrl("smtp.example.com", 2465, "implicit")),
        ("SMTP://relay:25", EmailUrl("relay", 25, "starttls")),
    ],
)
def test_email_urls_name_the_server_tls_and_credentials(url: str, expected: EmailUrl) -> None:
    assert parse_email_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"imap://u:{QUOTED}@mail", "must be an smtp:// or smtps:// URL, not imap://"),
        (f"u:{QUOTED}@mail", "must be an smtp:// or smtps:// URL, not no scheme"),
        (f"smtp://u:{QUOTED}@:587", "names no host"),
        (f"smtp://u:{QUOTED}@mail:0x", "is not a valid URL (check the port)"),
        (f"smtp://u:{QUOTED}@mail/inbox", "must end after HOST:PORT (no path or query)"),
    ],
)
def test_a_bad_email_url_is_one_problem_without_the_password(url: str, problem: str) -> None:
    with pytest.raises(EmailUrlError) as raised:
        parse_email_url(url)
    assert str(raised.value) == problem


def test_the_email_url_is_shown_with_its_password_masked() -> None:
    assert mask_email_url(f"smtp://mailer:{QUOTED}@mail:587") == "smtp://mailer:********@mail:587"
    assert mask_email_url("smtps://mail") == "smtps://mail"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis://:secret@cache:6379/2", None),
        ("rediss://:secret@cache:6380/0", None),
        ("unix:///run/redis/redis.sock?db=3&password=secret", None),
        ("unix:///", "names no socket path (unix:///path/to/redis.sock)"),
        ("unix:///run/redis.sock?db=x", "must name a database number (?db=0)"),
        (
            "memcached://cache:11211",
            "must be a redis://, rediss:// or unix:// URL, not memcached://",
        ),
        ("redis://:secret@cache/two", "must end with a database number (/0), not /two"),
    ],
)
def test_cache_urls(url: str, problem: str | None) -> None:
    assert cache_url_problem(url) == problem


@pytest.mark.parametrize(
    ("dsn", "problem"),
    [
        ("https://key@o1.ingest.sentry.io/42", None),
        ("http://key@collector:9000/errors/7", None),
        ("https://o1.ingest.sentry.io/42", "names no key (https://KEY@HOST/PROJECT_ID)"),
        (
            "https://key@o1.ingest.sentry.io/",
            "must end with the project's number (https://KEY@HOST/PROJECT_ID)",
        ),
        ("ftp://key@host/1", "must be an https:// DSN (https://KEY@HOST/PROJECT_ID), not ftp://"),
    ],
)
def test_sentry_dsns(dsn: str, problem: str | None) -> None:
    assert dsn_problem(dsn) == problem


def test_the_dsn_is_shown_without_its_key() -> None:
    assert (
        mask_dsn("https://abc123@o1.ingest.sentry.io/42")
        == "https://********@o1.ingest.sentry.io/42"
    )


def test_the_policy_extends_the_default_and_keeps_its_strict_directives() -> None:
    extra = parse_extra(
        "img-src https://cdn.example.com; script-src https://js.example.com 'sha256-abc='"
    )
    policy = header_value(extra)
    assert "img-src 'self' https://cdn.example.com;" in policy
    assert "script-src 'self' https://js.example.com 'sha256-abc=';" in policy
    assert "object-src 'none';" in policy
    assert policy.endswith("frame-ancestors 'none'")
    assert header_value({}).startswith("default-src 'self'; script-src 'self'; style-src 'self';")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("frame-ancestors *", "names 'frame-ancestors', not one of"),
        ("img-src", "gives img-src no source"),
        (
            "img-src https://a.example,https://b.example",
            "has 'https://a.example,https://b.example' in img-src",
        ),
        ("script-src 'unsafe-inline", 'has "\'unsafe-inline" in script-src'),
    ],
)
def test_a_bad_policy_extension_is_refused(text: str, problem: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_extra(text)
    assert str(raised.value).startswith(problem)


def test_error_events_mask_every_secret_and_a_urls_password_in_any_form() -> None:
    values = {
        "SECRET_KEY": "k" * 60,
        "CELERY_BROKER_URL": f"redis://:{QUOTED}@redis:6379/0",
        "POSTGRES_PASSWORD": None,
        "ALLOWED_HOSTS": ["app.example.com"],
    }
    secrets = secret_values(values, ["SECRET_KEY", "CELERY_BROKER_URL", "POSTGRES_PASSWORD"])
    event = {
        "message": f"failed with {PASSWORD} and {QUOTED}",
        "extra": {"settings": ["k" * 60, values["CELERY_BROKER_URL"]], 3: None},
        "tags": ("plain",),
    }
    assert scrub(event, secrets) == {
        "message": f"failed with {MASK} and {MASK}",
        "extra": {"settings": [MASK, MASK], 3: None},
        "tags": ("plain",),
    }
