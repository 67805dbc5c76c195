"""The whole pytest suite on Debian trixie's Python 3.13, the image's interpreter: in a
chroot of the tools root (./trixie.py), a virtualenv of uv.lock's dev group made by
`uv sync --frozen` on trixie's python3.13, trixie's PostgreSQL for the fixtures.

The repository is mounted at its own path (and git's directory at its own), so the
suite sees the same tree. tests/container is left out: it drives the engine from the
host, and the image it checks already runs Python 3.13. Extra arguments go to pytest.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import trixie

REPO = trixie.REPO
VENV = "/opt/venv-dev"
PYTHON = "/usr/bin/python3.13"


def git_common_dir() -> Path:
    out = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return Path(out)


def binds() -> list[tuple[Path, str]]:
    mounts = [(REPO, str(REPO))]
    common = git_common_dir()
    if not common.is_relative_to(REPO):
        mounts.append((common, str(common)))
    uv_cache = trixie.cache_dir() / "uv-cache"
    uv_cache.mkdir(parents=True, exist_ok=True)
    mounts.append((uv_cache, "/var/cache/uv"))
    return mounts


def sync_venv(root: Path) -> None:
    """uv.lock's dev group on trixie's python3.13, made again when the lock changes."""
    wanted = hashlib.sha256(
        (REPO / "pyproject.toml").read_bytes() + (REPO / "uv.lock").read_bytes()
    ).hexdigest()
    stamp = root / VENV.lstrip("/") / ".uv.lock.sha256"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    started = time.monotonic()
    trixie.run_in_root(
        root,
        [f"/{trixie.TOOLS_UV}", "sync", "--frozen", "--quiet", "--python", PYTHON],
        binds=binds(),
        cwd=str(REPO),
        env={
            "UV_PROJECT_ENVIRONMENT": VENV,
            "UV_CACHE_DIR": "/var/cache/uv",
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_LINK_MODE": "copy",
        },
    )
    stamp.write_text(wanted)
    trixie.log(f"{VENV} synced from uv.lock in {time.monotonic() - started:.0f} s")


def main(pytest_args: list[str]) -> int:
    root = trixie.tools_root()
    sync_venv(root)
    postgres_bin = "/" + str(sorted(root.glob("usr/lib/postgresql/*/bin"))[-1].relative_to(root))
    result = trixie.run_in_root(
        root,
        [
            f"{VENV}/bin/python", "-m", "pytest", "-p", "no:cacheprovider",
            "--ignore=tests/container", *pytest_args,
        ],
        binds=binds(),
        cwd=str(REPO),
        env={
            "PATH": f"{VENV}/bin:{postgres_bin}:/usr/sbin:/usr/bin:/sbin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            "TMPDIR": "/tmp",
        },
        check=False,
    )  # fmt: skip
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
