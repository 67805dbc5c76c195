"""Mail: the served backend sends the admin's password-reset mail to a real SMTP server
over STARTTLS, with the credentials of EMAIL_URL_FILE; a refused login is one JSON
line, never a 500 or a traceback; without EMAIL_URL the mail is dropped with one
WARNING line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from boot_support import bound_port
from forms import post_form
from httpclient import wait_for_status
from processes import manage
from service_servers import SmtpServer

pytestmark = pytest.mark.slow

USER, PASSWORD = "mailer", "smtp-secret-4f1c9a"
ADDRESS = "ada@example.com"
RESET = "/admin/password_reset/"


@pytest.fixture
def smtp(tmp_path: Path):
    server = SmtpServer(tmp_path / "smtp", USER, PASSWORD)
    yield server
    server.stop()


def serve_with_mail(boot_env, started, tmp_path: Path, smtp: SmtpServer, password: str):
    url_file = tmp_path / "email-url"
    url_file.write_text(f"smtp://{USER}:{password}@localhost:{smtp.port}\n")
    env = {
        **boot_env,
        "EMAIL_URL_FILE": str(url_file),
        "DEFAULT_FROM_EMAIL": "Shop <noreply@example.com>",
        # OpenSSL's own variable: the test's certificate authority is the one trusted.
        "SSL_CERT_FILE": str(smtp.cert),
    }
    return env, started(env)


def reset_password(env: dict[str, str]) -> int:
    port = bound_port(env)
    wait_for_status(port, "/ready/", 200, timeout=60)
    made = manage(
        [
            "shell",
            "-c",
            f"from django.contrib.auth.models import User; User.objects.create_user('ada', '{ADDRESS}', 'pw-of-ada')",
        ],
        env,
    )
    assert made.returncode == 0, made.stderr
    return post_form(port, RESET, {"email": ADDRESS}).status


def mail_lines(boot) -> list[dict]:
    return [line for line in boot.json_lines() if line["logger"] == "keelson.mail"]


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.05)
    raise TimeoutError("the condition did not hold in time")


def test_the_password_reset_mail_arrives_over_starttls(boot_env, started, tmp_path, smtp) -> None:
    env, boot = serve_with_mail(boot_env, started, tmp_path, smtp, PASSWORD)
    assert reset_password(env) == 302
    (message,) = wait_for(smtp.messages)
    assert f"To: {ADDRESS}".encode() in message
    assert b"From: Shop <noreply@example.com>" in message
    assert b"/accounts/reset/" in message
    assert smtp.refused_logins() == 0
    configuration = next(line for line in boot.json_lines() if line.get("config"))
    assert configuration["services"]["mail"] == "smtp"
    assert PASSWORD not in boot.stdout() + boot.stderr()


def test_a_wrong_password_is_one_json_line_not_a_500(boot_env, started, tmp_path, smtp) -> None:
    env, boot = serve_with_mail(boot_env, started, tmp_path, smtp, "wrong-password-77")
    assert reset_password(env) == 302
    line = wait_for(lambda: mail_lines(boot))
    (refused,) = line
    assert refused["level"] == "ERROR"
    assert refused["message"].startswith("mail not sent: SMTPAuthenticationError 535")
    assert "exc_info" not in refused
    assert "Traceback" not in boot.stdout() + boot.stderr()
    assert "wrong-password-77" not in boot.stdout() + boot.stderr()
    assert smtp.messages() == []
    # smtplib tries each mechanism the server offers before it gives up.
    assert smtp.refused_logins() >= 1


def test_without_email_url_mail_is_dropped_with_one_warning(boot_env, started) -> None:
    boot = started(boot_env)
    assert reset_password(boot_env) == 302
    (dropped,) = wait_for(lambda: mail_lines(boot))
    assert (dropped["level"], dropped["message"]) == (
        "WARNING",
        "mail is off (EMAIL_URL is unset): 1 message(s) dropped",
    )
    configuration = next(line for line in boot.json_lines() if line.get("config"))
    assert configuration["services"]["mail"].startswith("off")
