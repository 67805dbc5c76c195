"""Keelson installed into a systemd host the way docs/deploy/systemd/README.md says:
the build-machine step done here (the working tree as the release tarball, uv.lock's
runtime packages exported, the keelson wheel built into dist/), then every `sh` block of
"On the host, as root" run as written inside the container.

The container has no network, so pip installs from a wheelhouse of exactly those
requirements, downloaded once on this machine and cached by the requirements' hash
(PIP_NO_INDEX and PIP_FIND_LINKS: the guide's own pip command, made offline).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from debian_systemd_image import cache_dir
from systemd_host import SystemdHost

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "deploy" / "systemd" / "README.md"
HOST_SECTION = "### On the host, as root"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def host_steps() -> list[str]:
    """The guide's `sh` blocks to run on the host, in order."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(HOST_SECTION)
    end = text.index("\n## ", start)
    return SH_BLOCK.findall(text[start:end])


def find_uv() -> str:
    found = shutil.which("uv") or str(REPO / ".state" / "uv" / "bin" / "uv")
    if not Path(found).exists():
        raise AssertionError("uv is missing: scripts/bootstrap installs it")
    return found


def export_requirements(target: Path) -> None:
    """The guide's `uv export`: the runtime group, pinned, with hashes."""
    subprocess.run(
        [find_uv(), "export", "--frozen", "--no-dev", "--no-emit-project", "--quiet",
         "--output-file", str(target)],
        cwd=REPO, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def build_wheel(directory: Path) -> Path:
    """The guide's `uv build --wheel`: the keelson package, from this tree."""
    subprocess.run(
        [find_uv(), "build", "--wheel", "--quiet", "--out-dir", str(directory)],
        cwd=REPO, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    wheels = sorted(directory.glob("keelson-*.whl"))
    assert len(wheels) == 1, f"uv build made {[wheel.name for wheel in wheels]}"
    return wheels[0]


def without_markers(requirements: Path, target: Path) -> Path:
    """`requirements` with every environment marker dropped: pip here judges markers by
    this machine's Python, the container's (Debian's 3.11.2) may need what this one
    skips (async-timeout below 3.11.3). Installing still judges them there."""
    text = re.sub(r" ; [^\\\n]*", " ", requirements.read_text(encoding="utf-8"))
    target.write_text(text, encoding="utf-8")
    return target


def wheelhouse(requirements: Path) -> Path:
    """The wheels of `requirements` (whatever their markers say), downloaded once with
    pip of a throwaway virtualenv, cached by the requirements' hash."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    target = cache_dir() / f"wheelhouse-{digest}"
    if target.exists():
        return target
    uv = find_uv()
    with tempfile.TemporaryDirectory(prefix="keelson-wheelhouse-") as scratch:
        venv = Path(scratch) / "venv"
        partial = Path(scratch) / "wheels"
        subprocess.run(
            [uv, "venv", "--quiet", "--seed", "--python", "3.11", str(venv)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        subprocess.run(
            [str(venv / "bin" / "pip"), "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary=:all:", "--require-hashes",
             "--requirement", str(without_markers(requirements, Path(scratch) / "all.txt")),
             "--dest", str(partial)],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(partial, target.with_suffix(".partial"))
        target.with_suffix(".partial").rename(target)
    return target


def release_files() -> list[str]:
    """What a clone of this tree holds: tracked and new files git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, check=True, capture_output=True, timeout=60,
    ).stdout.decode().split("\0")  # fmt: skip
    return sorted(name for name in listed if name and (REPO / name).is_file())


def release_tarball(directory: Path) -> Path:
    """The guide's keelson.tar.gz: the tree plus requirements.txt and dist/'s wheel."""
    requirements = directory / "requirements.txt"
    export_requirements(requirements)
    wheel = build_wheel(directory / "dist")
    tarball = directory / "keelson.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name in release_files():
            archive.add(REPO / name, arcname=name)
        archive.add(requirements, arcname="requirements.txt")
        archive.add(wheel, arcname=f"dist/{wheel.name}")
    return tarball


def install(host: SystemdHost) -> None:
    with tempfile.TemporaryDirectory(prefix="keelson-release-") as scratch:
        tarball = release_tarball(Path(scratch))
        wheels = wheelhouse(Path(scratch) / "requirements.txt")
        host.copy_in(tarball, "/root/keelson.tar.gz")
        host.copy_in(wheels, "/root/wheelhouse")
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/root/wheelhouse"}
    steps = host_steps()
    assert len(steps) >= 5, f"{GUIDE}: the host steps are missing"
    for step in steps:
        result = host.run(step, env=offline, check=False)
        if result.returncode != 0:
            journal = host.run(
                "journalctl --no-pager -o cat -n 40 -u 'keelson-*'", check=False
            ).stdout
            raise AssertionError(
                f"{GUIDE}: exit {result.returncode}: {step}\n{result.stdout}{result.stderr}"
                f"\nthe units' journal:\n{journal}"
            )
