"""A Debian root with systemd, PostgreSQL and Python, made by debootstrap and imported
into the test's own Docker engine: the host a new user would install Keelson on.

Debian 12 (bookworm): its systemd (252) runs as PID 1 on hosts with cgroup v1 as well as
v2, where later releases need cgroup v2. The root is built once and cached as a tarball
in ~/.cache/keelson (KEELSON_CACHE_DIR), named by everything that goes into it; later
sessions only import it (a few seconds).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from dockerd import DockerEngine

SUITE = "bookworm"
MIRROR = os.environ.get("KEELSON_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# systemd as init; dbus for systemctl's bus calls; PostgreSQL (server and client); the
# Python the install guide uses (python3-venv brings pip for the virtualenv); curl to ask
# the service from inside; nginx, the front the install guide installs.
PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "postgresql",
    "postgresql-client",
    "python3",
    "python3-venv",
    "ca-certificates",
    "curl",
    "nginx",
)
# Units a container has no use for (no consoles, no kernel to tune).
MASKED_UNITS = ("getty.target", "console-getty.service", "systemd-sysctl.service")
BUILD_TIMEOUT = 1200


class ImageUnavailable(RuntimeError):
    """The image cannot be built here; the message says why."""


def cache_dir() -> Path:
    root = os.environ.get("KEELSON_CACHE_DIR") or Path.home() / ".cache" / "keelson"
    return Path(root)


def image_key() -> str:
    recipe = "\n".join([SUITE, MIRROR, *PACKAGES, *MASKED_UNITS, "v1"])
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def build_root_tarball(target: Path) -> None:
    """debootstrap into a temporary directory, then tar it to `target` (atomically)."""
    debootstrap = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin")
    if not debootstrap:
        raise ImageUnavailable("debootstrap is missing: apt-get install debootstrap")
    if os.geteuid() != 0:
        raise ImageUnavailable("debootstrap needs root")
    work = Path(tempfile.mkdtemp(prefix="keelson-debootstrap-", dir="/var/tmp"))
    root = work / "root"
    try:
        result = subprocess.run(
            [
                debootstrap,
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                SUITE,
                str(root),
                MIRROR,
            ],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
        )
        # The tools are here, so a failure is the build's: an error, never a skip.
        tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        assert result.returncode == 0, f"debootstrap {SUITE} exited {result.returncode}: {tail}"
        for unit in MASKED_UNITS:
            (root / "etc/systemd/system" / unit).unlink(missing_ok=True)
            (root / "etc/systemd/system" / unit).symlink_to("/dev/null")
        shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        subprocess.run(
            ["tar", "--create", "--file", str(partial), "--numeric-owner", "-C", str(root), "."],
            check=True,
            timeout=600,
        )
        partial.rename(target)
    finally:
        subprocess.run(["rm", "-rf", "--one-file-system", str(work)], check=False)


def systemd_image(engine: DockerEngine) -> str:
    """The image's tag in `engine`, built (or taken from the cache) and imported."""
    tag = f"keelson-systemd-host:{SUITE}-{image_key()}"
    tarball = cache_dir() / f"debian-{SUITE}-systemd-{image_key()}.tar"
    if not tarball.exists():
        build_root_tarball(tarball)
    engine.docker(
        "import",
        "--change",
        'CMD ["/sbin/init"]',
        str(tarball),
        tag,
        timeout=600,
    )
    return tag
