"""Media on S3: an S3 API server started by the test (moto's) behind
MEDIA_S3_ENDPOINT_URL; a file saved through default_storage in the served backend is in
the bucket, its URL answers, the keys come from *_FILE and no ACL is sent."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from boot_support import bound_port
from forms import HTTPS
from httpclient import request, wait_for_status
from service_servers import S3Server

pytestmark = pytest.mark.slow

ACCESS_KEY, SECRET_KEY = "media-access-key", "media-secret-key-9b2e"
BUCKET = "shop-media"


@pytest.fixture
def s3(tmp_path: Path):
    server = S3Server(tmp_path / "s3")
    server.client(ACCESS_KEY, SECRET_KEY).create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


def test_a_file_saved_in_the_served_backend_lands_in_the_bucket(
    boot_env, started, tmp_path: Path, s3: S3Server
) -> None:
    (tmp_path / "access").write_text(ACCESS_KEY + "\n")
    (tmp_path / "secret").write_text(SECRET_KEY + "\n")
    env = {
        **boot_env,
        "DJANGO_SETTINGS_MODULE": "keelson_testing.services_settings",
        "MEDIA_STORAGE": "s3",
        "MEDIA_S3_BUCKET": BUCKET,
        "MEDIA_S3_REGION": "us-east-1",
        "MEDIA_S3_ENDPOINT_URL": s3.endpoint,
        "MEDIA_S3_ADDRESSING_STYLE": "path",
        "MEDIA_S3_ACCESS_KEY_ID_FILE": str(tmp_path / "access"),
        "MEDIA_S3_SECRET_ACCESS_KEY_FILE": str(tmp_path / "secret"),
    }
    boot = started(env)
    port = bound_port(env)
    wait_for_status(port, "/ready/", 200, timeout=60)

    saved = request(
        port,
        "/test/media/?name=avatars/ada.txt",
        method="POST",
        body=b"hello, bucket",
        headers=HTTPS,
    )
    assert saved.status == 200, saved.body
    name, url = saved.json()["name"], saved.json()["url"]
    assert name == "avatars/ada.txt"
    stored = s3.client(ACCESS_KEY, SECRET_KEY).get_object(Bucket=BUCKET, Key=name)
    assert stored["Body"].read() == b"hello, bucket"
    # No ACL was sent: the object has its owner's grant only, as with ACLs disabled.
    grants = s3.client(ACCESS_KEY, SECRET_KEY).get_object_acl(Bucket=BUCKET, Key=name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    # The URL is the endpoint's, signed: it answers with the file.
    assert url.startswith(f"{s3.endpoint}/{BUCKET}/avatars/ada.txt?")
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the test's own server
        assert answer.read() == b"hello, bucket"
    # Saved again under the same name: a new name, the first file kept.
    again = request(
        port, "/test/media/?name=avatars/ada.txt", method="POST", body=b"second", headers=HTTPS
    )
    assert again.json()["name"] != name
    configuration = next(line for line in boot.json_lines() if line.get("config"))
    assert configuration["config"]["MEDIA_S3_SECRET_ACCESS_KEY_FILE"] == "********"
    assert SECRET_KEY not in boot.stdout() + boot.stderr()
