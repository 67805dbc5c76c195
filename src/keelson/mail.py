"""Django email backends of the production settings (EMAIL_BACKEND).

- `SmtpEmailBackend`: Django's SMTP backend, configured from EMAIL_URL. A message the
  server refuses (wrong credentials, a server down, a TLS failure) is not sent and is
  logged as one ERROR line naming the reason, never the password: the request that
  sent it goes on (a password reset answers as if the mail had left, which is what it
  answers for an unknown address too), and error reporting hears of the line.
- `MailOffBackend`: without EMAIL_URL; every batch of messages is dropped with one
  WARNING line, so that a view that sends mail never answers 500 for it.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend

__all__ = ["MailOffBackend", "SmtpEmailBackend"]

logger = logging.getLogger("keelson.mail")


class SmtpEmailBackend(EmailBackend):
    """Django's SMTP backend whose failures are one log line, not an exception."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        try:
            return super().send_messages(email_messages)
        except (smtplib.SMTPException, OSError) as error:
            # A half-open connection (its login failed) would be reused by the next send.
            self.close()
            logger.error(
                "mail not sent: %s (%d message(s), server %s:%s)",
                _reason(error),
                len(email_messages),
                self.host,
                self.port,
            )
            return 0


class MailOffBackend(BaseEmailBackend):
    """No mail server configured: messages are dropped, one WARNING line a batch."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        logger.warning(
            "mail is off (EMAIL_URL is unset): %d message(s) dropped", len(email_messages)
        )
        return 0


def _reason(error: Exception) -> str:
    """The server's answer or the connection's failure, on one line."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{type(error).__name__} {error.smtp_code} {' '.join(reply.split())}"
    return f"{type(error).__name__}: {' '.join(str(error).split())}"
