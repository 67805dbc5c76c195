"""nix/check_image.py, the check Nix runs on the built image tarball, against docker-archive
tarballs made here the way dockerTools lays them out."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from nixexpr import NIX_DIR

CHECK_IMAGE = NIX_DIR / "check_image.py"
BACKEND = "nix/store/11111111111111111111111111111111-keelson-backend-0.1.0"
BOOT = "/nix/store/00000000000000000000000000000000-boot/bin/boot"
GOOD_CONFIG = {
    "Entrypoint": [BOOT],
    "User": "10001:10001",
    "WorkingDir": f"/{BACKEND}",
    "Env": [
        "DJANGO_SETTINGS_MODULE=config.settings.production",
        "PYTHONUNBUFFERED=1",
        "PYTHONDONTWRITEBYTECODE=1",
        "STATIC_ROOT=/nix/store/22222222222222222222222222222222-keelson-static-0.1.0",
        "RUN_COLLECTSTATIC=0",
        "HOME=/tmp",
    ],
    "ExposedPorts": {"8000/tcp": {}},
    "Healthcheck": {"Test": ["CMD", BOOT, "healthcheck"]},
}
GOOD_BACKEND_FILES = ["manage.py", "config/settings/production.py"]
# The keelson package as uv2nix installs it: a store path of its own in the image's closure.
KEELSON = "nix/store/44444444444444444444444444444444-keelson-0.2.0/lib/python3.13/site-packages"
GOOD_PACKAGE_FILES = [f"{KEELSON}/keelson/__init__.py", f"{KEELSON}/keelson/__main__.py"]


def layer(files: list[str], directories: list[tuple[str, int, int]] = ()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, mode, uid in directories:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, mode, uid, uid
            tar.addfile(info)
        for name in files:
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"x\n"))
    return buffer.getvalue()


def write_image(
    path: Path,
    config: dict,
    backend_files: list[str],
    extra: list[str] = (),
    package_files: list[str] = GOOD_PACKAGE_FILES,
) -> Path:
    store_layer = layer(
        [f"{BACKEND}/{name}" for name in backend_files] + list(package_files) + list(extra)
    )
    root_layer = layer(
        [], [("./tmp", 0o1777, 0), ("./app", 0o755, 0), ("./app/logs", 0o750, 10001)]
    )
    members = {
        "abc.json": json.dumps({"architecture": "amd64", "config": config}).encode(),
        "l1/layer.tar": store_layer,
        "l2/layer.tar": root_layer,
        "manifest.json": json.dumps(
            [
                {
                    "Config": "abc.json",
                    "RepoTags": ["keelson:0.1.0"],
                    "Layers": ["l1/layer.tar", "l2/layer.tar"],
                }
            ]
        ).encode(),
    }
    with gzip.open(path, "wb") as compressed, tarfile.open(fileobj=compressed, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def check(image: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK_IMAGE), str(image)], capture_output=True, text=True
    )


def test_an_image_as_promised_passes(tmp_path: Path) -> None:
    result = check(write_image(tmp_path / "image.tar.gz", GOOD_CONFIG, GOOD_BACKEND_FILES))
    assert result.returncode == 0, result.stderr


def test_development_settings_in_the_backend_fail_the_check(tmp_path: Path) -> None:
    files = [*GOOD_BACKEND_FILES, "config/settings/local.py", "config/settings/test.py"]
    result = check(write_image(tmp_path / "image.tar.gz", GOOD_CONFIG, files))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{BACKEND}/config/settings/local.py: development or test settings in the image",
        f"{BACKEND}/config/settings/test.py: development or test settings in the image",
    ]


def test_sqlite_and_env_files_anywhere_fail_the_check(tmp_path: Path) -> None:
    extra = ["app/db.sqlite3", "nix/store/333-other/.env"]
    result = check(write_image(tmp_path / "image.tar.gz", GOOD_CONFIG, GOOD_BACKEND_FILES, extra))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "app/db.sqlite3: a SQLite file in the image",
        "nix/store/333-other/.env: a .env file in the image",
    ]


def test_a_root_user_and_a_missing_env_fail_the_check(tmp_path: Path) -> None:
    config = {**GOOD_CONFIG, "User": "", "Env": GOOD_CONFIG["Env"][1:]}
    result = check(write_image(tmp_path / "image.tar.gz", config, GOOD_BACKEND_FILES))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "User is '', not '10001:10001' (the image must not run as root)",
        "Env lacks DJANGO_SETTINGS_MODULE=config.settings.production",
    ]


def test_an_image_without_the_keelson_package_fails_the_check(tmp_path: Path) -> None:
    image = write_image(
        tmp_path / "image.tar.gz", GOOD_CONFIG, GOOD_BACKEND_FILES, package_files=[]
    )
    result = check(image)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "no site-packages of the image holds keelson/__main__.py (the boot's code)"
    ]


def test_an_editable_keelson_fails_the_check(tmp_path: Path) -> None:
    """An editable install is a .pth naming the checkout: the image would not run."""
    pth = f"{KEELSON}/_editable_impl_keelson.pth"
    image = write_image(
        tmp_path / "image.tar.gz", GOOD_CONFIG, GOOD_BACKEND_FILES, package_files=[pth]
    )
    result = check(image)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{pth}: keelson installed editable (its source is not in the image)",
        "no site-packages of the image holds keelson/__main__.py (the boot's code)",
    ]
