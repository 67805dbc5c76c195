"""The whole pytest suite as `nix flake check` runs checks.pytest: on Debian trixie's
Python 3.13 (the image's interpreter) in a chroot of the tools root (./trixie.py), under
the conditions of Nix's build sandbox:

- a copy of the tracked files without .git (Nix copies the flake's tracked files), at
  /build/source, with TMPDIR=/build, the build directory;
- a network namespace with only loopback, up;
- `env -i`: HOME=/homeless-shelter, KEELSON_USE_PATH=1 and a PATH of only the check's
  inputs: a virtualenv of uv.lock's dev group and of keelson, built from its source and
  installed not editable as in the check's environment (`uv sync --frozen --no-editable`
  on trixie's python3.13, from the files nix/workspace-files.nix names), PostgreSQL's
  bin directory, and links to redis-server, nginx and the tools of nixpkgs' stdenv
  (coreutils, findutils, diffutils, sed, grep, gawk, tar, gzip, bzip2, xz, bash, make,
  patch);
- the root's unprivileged user (trixie.SANDBOX_USER), with no other group.

Tests that need what is not there (git, mount, nix-instantiate, the Docker engine and
root) skip, saying why. Needs root (debootstrap, chroot, namespaces). Extra arguments go
to pytest; the exit code is pytest's.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import trixie
from nixexpr import workspace_files

REPO = trixie.REPO
VENV = "/opt/venv-dev"
PYTHON = "/usr/bin/python3.13"
BUILD = "/build"
SOURCE = f"{BUILD}/source"
# Where the links to the stdenv's tools and the services are: a store path of its own.
INPUTS_BIN = "/inputs/bin"
# What checks.pytest sets besides PATH and TMPDIR: no LANG, stdenv's SOURCE_DATE_EPOCH.
SANDBOX_ENV = {
    "HOME": "/homeless-shelter",
    "SOURCE_DATE_EPOCH": "315532800",
    "KEELSON_USE_PATH": "1",
}
# The server binaries of trixie.SERVICE_PACKAGES besides PostgreSQL's own bin directory.
SERVICE_BINARIES = ("usr/bin/redis-server", "usr/sbin/nginx")


def workspace_digest(names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + hashlib.sha256((REPO / name).read_bytes()).digest())
    return digest.hexdigest()


def sync_venv(root: Path) -> None:
    """uv.lock's dev group and keelson on trixie's python3.13, made again when the lock or
    keelson's source changes."""
    names = workspace_files()
    wanted = workspace_digest(names)
    stamp = root / VENV.lstrip("/") / ".workspace-files.sha256"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    started = time.monotonic()
    uv_cache = trixie.cache_dir() / "uv-cache"
    uv_cache.mkdir(parents=True, exist_ok=True)
    # A copy of the files keelson is built from (the tracked ones, as a flake gives them to
    # uv2nix), never the checkout itself: the venv must not depend on the checkout's path.
    with tempfile.TemporaryDirectory(prefix="keelson-workspace.") as project:
        for name in names:
            (Path(project) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / name, Path(project) / name)
        trixie.run_in_root(
            root,
            # off-nix: ShellCheck as a wheel of the version nixpkgs ships (its shellcheck);
            # bytecode compiled, as a Nix store environment has it. keelson is built into
            # the venv (--no-editable), as uv2nix builds it into checks.pytest's environment:
            # the suite imports the package, not src/. Built again on every sync (its
            # version alone does not change with its source).
            [
                f"/{trixie.TOOLS_UV}",
                "sync",
                "--frozen",
                "--quiet",
                "--python",
                PYTHON,
                "--group",
                "off-nix",
                "--no-editable",
                "--reinstall-package",
                "keelson",
                "--compile-bytecode",
            ],
            binds=[(Path(project), "/project"), (uv_cache, "/var/cache/uv")],
            cwd="/project",
            env={
                "UV_PROJECT_ENVIRONMENT": VENV,
                "UV_CACHE_DIR": "/var/cache/uv",
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_LINK_MODE": "copy",
            },
        )
    stamp.write_text(wanted)
    trixie.log(f"{VENV} synced from uv.lock, keelson built, in {time.monotonic() - started:.0f} s")


def copy_tracked_files(target: Path) -> None:
    """The tracked files as the working tree has them (deleted ones left out), no .git."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    for name in sorted(set(filter(None, listed.split("\0")))):
        source = REPO / name
        if not (source.is_file() or source.is_symlink()):
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name, follow_symlinks=False)


def package_files(root: Path, package: str) -> list[str]:
    """The files dpkg installed for `package` in `root` (paths inside the root)."""
    info = root / "var/lib/dpkg/info"
    lists = [info / f"{package}.list", *info.glob(f"{package}:*.list")]
    found = next((path for path in lists if path.exists()), None)
    if found is None:
        raise RuntimeError(f"{package} is not installed in {root}: remove it to rebuild")
    return found.read_text().splitlines()


def link_inputs(root: Path, directory: Path) -> None:
    """Links (resolved inside the root) to the stdenv's tools and the service binaries."""
    directory.mkdir(parents=True)
    wanted = [
        path
        for package in trixie.STDENV_PACKAGES
        for path in package_files(root, package)
        if path.rsplit("/", 1)[0] in ("/bin", "/usr/bin", "/sbin", "/usr/sbin")
    ]
    wanted += [f"/{binary}" for binary in SERVICE_BINARIES]
    for path in wanted:
        inside = root / path.lstrip("/")
        link = directory / path.rsplit("/", 1)[1]
        if inside.is_file() and os.access(inside, os.X_OK) and not link.is_symlink():
            link.symlink_to(path)
    # nixpkgs' bash is also the stdenv's `sh`.
    if not (directory / "sh").is_symlink():
        (directory / "sh").symlink_to((directory / "bash").readlink())


def sandbox_user(root: Path) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        name, _, uid, gid, *_ = line.split(":")
        if name == trixie.SANDBOX_USER:
            return int(uid), int(gid)
    raise RuntimeError(f"{trixie.SANDBOX_USER} is missing from {root}/etc/passwd")


def chown_tree(top: Path, uid: int, gid: int) -> None:
    os.chown(top, uid, gid)
    for directory, names, files in os.walk(top):
        for name in names + files:
            os.chown(os.path.join(directory, name), uid, gid, follow_symlinks=False)


def pytest_in_sandbox(root: Path, work: Path, venv: str, command: str, args: list[str]) -> int:
    """Run `command` (a shell line ending in pytest "$@", with `args`) in work/build's
    source as checks.pytest runs: loopback only, env -i, the root's unprivileged user,
    `venv`'s bin, PostgreSQL's and the inputs' on PATH. Returns its exit code."""
    build = work / "build"
    link_inputs(root, work / "inputs")
    uid, gid = sandbox_user(root)
    chown_tree(build, uid, gid)
    postgres_bin = "/" + str(sorted(root.glob("usr/lib/postgresql/*/bin"))[-1].relative_to(root))
    trixie.log(f"pytest in {SOURCE}: loopback only, env -i, user {trixie.SANDBOX_USER}, no .git")
    result = trixie.run_in_root(
        root,
        ["/bin/sh", "-c", command, "pytest", *args],
        binds=[(build, BUILD), (work / "inputs", INPUTS_BIN)],
        cwd=SOURCE,
        env={
            "PATH": f"{venv}/bin:{postgres_bin}:{INPUTS_BIN}",
            **{name: BUILD for name in ("TMPDIR", "TMP", "TEMP", "TEMPDIR")},
            **SANDBOX_ENV,
        },
        check=False,
        network=False,
        user=(uid, gid),
        clear_env=True,
    )
    return result.returncode


def run_sandboxed(root: Path, work: Path, pytest_args: list[str]) -> int:
    copy_tracked_files(work / "build" / "source")
    # checks.pytest's checkPhase: the backend's bytecode compiled first, as the image has it.
    command = (
        f"{VENV}/bin/python -m compileall -q backend && "
        f'exec {VENV}/bin/python -m pytest -p no:cacheprovider "$@"'
    )
    return pytest_in_sandbox(root, work, VENV, command, pytest_args)


def not_root(program: str, command: str) -> bool:
    """True, after one line naming `command` to run as root, when this is not root."""
    if os.geteuid() == 0:
        return False
    print(
        f"{program}: needs root (debootstrap, chroot, namespaces): sudo {command}", file=sys.stderr
    )
    return True


@contextlib.contextmanager
def work_directory(prefix: str) -> Iterator[Path]:
    """A fresh directory the sandbox user can enter, removed (with all below it) after."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        work.chmod(0o755)
        yield work
    finally:
        subprocess.run(["rm", "-rf", "--one-file-system", str(work)], check=False)


def main(pytest_args: list[str]) -> int:
    if not_root("trixie_suite", "scripts/test-sandboxed"):
        return 77
    started = time.monotonic()
    root = trixie.tools_root()
    sync_venv(root)
    with work_directory("keelson-sandbox.") as work:
        status = run_sandboxed(root, work, pytest_args)
    trixie.log(f"pytest exit {status} after {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
