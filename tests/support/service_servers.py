"""Real servers for the services' tests, each its own process on a free loopback port:
an SMTP server with STARTTLS (aiosmtpd), an S3 API server (moto's), and a collector
of error events that stores each request's body. A TLS certificate made for the test."""

from __future__ import annotations

import datetime
import ipaddress
import sys
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from httpclient import wait_for_status
from ports import free_port
from processes import BIN, SUPPORT, Process


def make_certificate(directory: Path, names: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, 127.0.0.1 and `names`: (certificate, key).

    Made in Python: the sandboxed suite's machine has no openssl command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    private_key = ec.generate_private_key(ec.SECP256R1())
    public_key = private_key.public_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    alt_names = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        *(x509.DNSName(name) for name in names),
    ]
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # What `openssl req -x509` adds, and what Python 3.13's strict verification asks.
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(private_key, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.chmod(0o644)
    key.chmod(0o600)
    return cert, key


def wait_for_file(path: Path, process: Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if not process.running():
            raise AssertionError("\n".join(process.output_lines()))
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.05)


class SmtpServer:
    """aiosmtpd with STARTTLS and one user; messages land in `mail_dir`."""

    def __init__(
        self,
        directory: Path,
        user: str,
        password: str,
        *,
        host: str = "127.0.0.1",
        names: tuple[str, ...] = (),
    ) -> None:
        """`host`: where it listens; `names`: more names its certificate is valid for."""
        self.port = free_port()
        self.mail_dir = directory / "mail"
        self.mail_dir.mkdir(parents=True)
        self.cert, key = make_certificate(directory, names)
        password_file = directory / "smtp-password"
        password_file.write_text(password)
        argv = [sys.executable, str(SUPPORT / "smtp_server_main.py"), str(self.port),
                str(self.cert), str(key), user, str(password_file), str(self.mail_dir), host]  # fmt: skip
        self.process = Process(argv, {"PATH": str(BIN)}, directory, "smtp", cwd=SUPPORT)
        wait_for_file(self.mail_dir / "ready", self.process)

    def messages(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.mail_dir.glob("*.eml"))]

    def refused_logins(self) -> int:
        refused = self.mail_dir / "refused"
        return len(refused.read_text().splitlines()) if refused.exists() else 0

    def stop(self) -> None:
        self.process.kill_group()


class S3Server:
    """moto's standalone S3 API server."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1") -> None:
        """`host`: where it listens (the endpoint on this machine is loopback's)."""
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        argv = [str(BIN / "moto_server"), "-H", host, "-p", str(self.port)]
        # Path-style only: a name such as `s3.test` is the server, never a bucket.
        env = {"PATH": str(BIN), "S3_IGNORE_SUBDOMAIN_BUCKETNAME": "true"}
        self.process = Process(argv, env, directory, "s3", cwd=directory)
        wait_for_status(self.port, "/moto-api/", 200, timeout=30)

    def client(self, access_key: str, secret_key: str):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )

    def stop(self) -> None:
        self.process.kill_group()


class EventCollector:
    """An HTTP server that answers 200 to every POST and keeps each body in a file."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory / "events"
        self.directory.mkdir(parents=True)
        argv = [sys.executable, str(SUPPORT / "event_collector_main.py"), str(self.port),
                str(self.directory)]  # fmt: skip
        self.process = Process(argv, {"PATH": str(BIN)}, directory, "collector", cwd=SUPPORT)
        wait_for_file(self.directory / "ready", self.process)

    def dsn(self, key: str) -> str:
        return f"http://{key}@127.0.0.1:{self.port}/42"

    def bodies(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.directory.glob("*.body"))]

    def stop(self) -> None:
        self.process.kill_group()
