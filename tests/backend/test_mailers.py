"""The default mailer is written as the installed Django reads it: MAILERS on Django 6.1
and later (where the EMAIL_* server settings are refused beside it), EMAIL_BACKEND and
EMAIL_* before. Either way the project's own EMAIL_* server settings are gone, and a
process whose settings mix a project's mail settings with Keelson's starts and sends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from processes import base_env

from keelson.settings.mailers import SERVER_SETTINGS, reads_mailers, set_default_mailer

SMTP = "keelson.mail.SmtpEmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def projects_mail_settings() -> dict[str, object]:
    """What a project's settings may hold before Keelson's: 6.1's startproject MAILERS
    with a mailer of its own, and the older server settings."""
    return {
        "MAILERS": {
            "default": {"BACKEND": CONSOLE},
            "bulk": {"BACKEND": CONSOLE, "OPTIONS": {}},
        },
        "EMAIL_HOST": "old.example.com",
        "EMAIL_SSL_CERTFILE": "/etc/old/client.pem",
        "DEFAULT_FROM_EMAIL": "shop@example.com",
    }


def test_the_smtp_mailer_is_written_as_this_django_reads_it() -> None:
    settings = projects_mail_settings()
    set_default_mailer(settings, SMTP, {"host": "smtp.example.com", "port": 587, "timeout": 10})
    assert "EMAIL_SSL_CERTFILE" not in settings, "the project's server settings are gone"
    assert settings["DEFAULT_FROM_EMAIL"] == "shop@example.com"
    if reads_mailers():
        assert not set(SERVER_SETTINGS) & set(settings)
        assert settings["MAILERS"]["default"] == {
            "BACKEND": SMTP,
            "OPTIONS": {"host": "smtp.example.com", "port": 587, "timeout": 10},
        }
    else:
        assert settings["EMAIL_BACKEND"] == SMTP
        assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"], settings["EMAIL_TIMEOUT"]) == (
            "smtp.example.com",
            587,
            10,
        )


@pytest.mark.skipif(not reads_mailers(), reason="Django before 6.1 has one mail backend")
def test_the_projects_other_mailers_are_kept() -> None:
    settings = projects_mail_settings()
    set_default_mailer(settings, SMTP, {"host": "smtp.example.com"})
    assert settings["MAILERS"]["bulk"] == {"BACKEND": CONSOLE, "OPTIONS": {}}


def test_a_project_with_its_own_mail_settings_starts_and_sends(tmp_path: Path) -> None:
    """Django itself judges the result: on 6.1 it stops on EMAIL_* beside MAILERS."""
    (tmp_path / "mailsite.py").write_text(
        "from pathlib import Path\n"
        "import keelson.settings\n"
        f"globals().update({projects_mail_settings()!r})\n"
        "SECRET_KEY = 'a-test-only-value'\n"
        "INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth']\n"
        "MIDDLEWARE = []\n"
        "STATIC_URL = 'static/'\n"
        "keelson.settings.common(globals(), service='mailsite', version='1.0')\n"
        f"keelson.settings.development(globals(), state_dir=Path({str(tmp_path / 'state')!r}))\n"
    )
    script = (
        "import warnings\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    import django; django.setup()\n"
        "    from django.core.mail import send_mail\n"
        "    print(send_mail('Subject', 'the body', None, ['a@example.com']))\n"
        "for warning in caught:\n"
        "    if 'mail' in str(warning.message).lower() or 'MAILERS' in str(warning.message):\n"
        "        print('WARNING', warning.category.__name__, warning.message)\n"
    )
    env = {**base_env(), "DJANGO_SETTINGS_MODULE": "mailsite", "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # The console backend prints the message, then send_mail's count; no warning of
    # Django's about the mail settings.
    assert "the body" in result.stdout
    assert "WARNING" not in result.stdout, result.stdout
    assert result.stdout.rstrip().endswith("1")
