"""A real SMTP server for the mail tests (aiosmtpd), run as its own process:

    python smtp_server_main.py PORT CERT KEY USER PASSWORD_FILE MAIL_DIR HOST

STARTTLS required before AUTH and before any mail; one user; each message received is
written whole to MAIL_DIR; each refused login appends a line to MAIL_DIR/refused.
"""

from __future__ import annotations

import ssl
import sys
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    port, cert, key, user, password_file, mail_dir, host = sys.argv[1:]
    password = Path(password_file).read_text().strip()
    mail = Path(mail_dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    class Handler:
        async def handle_DATA(self, server, session, envelope) -> str:
            (mail / f"{uuid.uuid4().hex}.eml").write_bytes(envelope.original_content)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        ):
            return AuthResult(success=True)
        with open(mail / "refused", "a") as refused:
            refused.write(f"{mechanism}\n")
        return AuthResult(success=False, handled=False)

    controller = Controller(
        Handler(),
        hostname=host,
        port=int(port),
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    (mail / "ready").touch()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
