"""Debian trixie root filesystems from Debian's packages, cached between runs.

`base`: debootstrap (minbase) with python3 (3.13), postgresql-client, ca-certificates and
nginx (the front `boot serve` starts): what the offline image starts from. `tools`: a copy
of `base` with PostgreSQL's server, Redis, nginx, the tools of nixpkgs' stdenv, Compose v2 (trixie's `docker-compose`, the
Docker CLI plugin), git, nix-bin, uv and the unprivileged user the sandboxed suite runs as:
where the pytest suite runs on Python 3.13 (./trixie_suite.py) and where Compose v2 comes
from.

Each root's directory is named by the digest of what it is made of, so checkouts that
need different roots share the cache without rebuilding each other's root under them;
a root is built in a temporary directory renamed into place, so an interrupted build
never leaves a half root behind. Building needs root (debootstrap, chroot, mounts).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
# nginx: the front `boot serve` starts (nix/front.nix in the Nix image).
BASE_PACKAGES = ("python3", "postgresql-client", "ca-certificates", "nginx")
# The Debian packages holding what nixpkgs' stdenv puts on every build's PATH.
STDENV_PACKAGES = (
    "coreutils", "findutils", "diffutils", "sed", "grep", "gawk", "tar", "gzip", "bzip2",
    "xz-utils", "bash", "make", "patch",
)  # fmt: skip
# Servers the suite starts itself, on the sandbox's PATH as checks.pytest's inputs.
SERVICE_PACKAGES = ("postgresql", "redis-server", "nginx")
TOOLS_PACKAGES = (
    *SERVICE_PACKAGES, *STDENV_PACKAGES, "docker-compose", "git", "nix-bin", "python3-venv",
)  # fmt: skip
# Nix builds as an unprivileged user; initdb refuses a uid that has no passwd entry.
SANDBOX_USER = "keelson-sandbox"
# Where Debian's docker-compose (v2) puts its binary: a Docker CLI plugin.
COMPOSE_PLUGIN = "usr/libexec/docker/cli-plugins/docker-compose"
TOOLS_UV = "opt/uv/bin/uv"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
ROOT_CA_BUNDLE = "/tmp/host-ca-certificates.crt"
CA_ENV = {"SSL_CERT_FILE": ROOT_CA_BUNDLE, "PIP_CERT": ROOT_CA_BUNDLE}


def cache_dir() -> Path:
    """KEELSON_CACHE, else /var/cache/keelson as root (it outlives clones), else .state."""
    configured = os.environ.get("KEELSON_CACHE")
    if configured:
        return Path(configured)
    if os.geteuid() == 0:
        return Path("/var/cache/keelson")
    return REPO / ".state" / "cache"


def log(message: str) -> None:
    print(f"trixie: {message}", file=sys.stderr, flush=True)


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def uv_command() -> str:
    """The uv scripts/bootstrap uses: on PATH, else where it installs one."""
    home = Path(os.environ.get("KEELSON_UV_HOME", REPO / ".state" / "uv"))
    found = shutil.which("uv") or shutil.which("uv", path=str(home / "bin"))
    if not found:
        raise RuntimeError("uv is missing: run scripts/bootstrap")
    return found


def host_uv_version() -> str:
    """The uv the project already uses (scripts/bootstrap), installed the same in a root."""
    result = subprocess.run([uv_command(), "--version"], capture_output=True, text=True, check=True)
    return result.stdout.split()[1]


def run_in_root(
    root: Path,
    argv: Sequence[str],
    *,
    binds: Sequence[tuple[Path, str]] = (),
    env: dict[str, str] | None = None,
    cwd: str = "/",
    check: bool = True,
    timeout: float | None = None,
    capture: bool = False,
    tmp: Path | None = None,
    network: bool = True,
    user: tuple[int, int] | None = None,
    clear_env: bool = False,
) -> subprocess.CompletedProcess:
    """Run `argv` chrooted in `root`, in a mount and PID namespace of its own: /proc,
    /dev (with /dev/shm for PostgreSQL), a /tmp (a tmpfs, or `tmp`), the host's DNS
    configuration, and `binds` (host path -> absolute path inside). Every mount and
    every process ends with the command. `network=False`: a network namespace of its
    own with only loopback, up. `user`: (uid, gid) to run as, with no other group.
    `clear_env`: exactly `env`, without the defaults (PATH, LANG, HOME, the CA bundle)."""
    mounts = [
        *([] if network else ["ip link set lo up"]),
        'mount -t proc proc "$R/proc"',
        'mount --rbind /dev "$R/dev"',
        f'mount --bind {shlex.quote(str(tmp))} "$R/tmp"'
        if tmp
        else 'mount -t tmpfs tmpfs "$R/tmp"',
        'chmod 1777 "$R/tmp"',
        'if [ -e /etc/resolv.conf ]; then cp -L /etc/resolv.conf "$R/etc/resolv.conf"; fi',
    ]
    # The host's trust store: PyPI may be reached through a TLS proxy only it trusts.
    if HOST_CA_BUNDLE.exists():
        binds = [*binds, (HOST_CA_BUNDLE, ROOT_CA_BUNDLE)]
    for source, target in binds:
        quoted = shlex.quote(target)
        # A file is mounted over a file: make one (inside /tmp it vanishes afterwards).
        make = (
            f'mkdir -p "$R"{quoted}'
            if Path(source).is_dir()
            else f'mkdir -p "$R"{shlex.quote(str(Path(target).parent))} && touch "$R"{quoted}'
        )
        mounts.append(f'{make} && mount --rbind {shlex.quote(str(source))} "$R"{quoted}')
    userspec = f"--userspec={user[0]}:{user[1]} --groups={user[1]} " if user else ""
    script = " && ".join(mounts) + f' && cd "$R" && exec chroot {userspec}"$R" /usr/bin/env -i "$@"'
    environment = (
        dict(env or {})
        if clear_env
        else {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "HOME": "/root",
            **(CA_ENV if HOST_CA_BUNDLE.exists() else {}),
            **(env or {}),
        }
    )
    inner = [f"{name}={value}" for name, value in environment.items()]
    command = [
        "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
        *([] if network else ["--net"]),
        "--", "sh", "-c", f"R={shlex.quote(str(root))}; {script}", "sh",
        *inner, "sh", "-c", 'cd "$0" && exec "$@"', cwd, *argv,
    ]  # fmt: skip
    return subprocess.run(
        command, check=check, timeout=timeout, capture_output=capture, text=capture
    )


class CachedRoot:
    """A root directory in the cache with the stamp of the inputs it was built from."""

    def __init__(self, name: str, inputs: object) -> None:
        self.stamp = digest(name, inputs)
        self.path = cache_dir() / f"{name}-{self.stamp[:16]}"
        self.stamp_path = cache_dir() / f"{self.path.name}.stamp"

    def current(self) -> bool:
        return (
            self.path.is_dir()
            and self.stamp_path.exists()
            and self.stamp_path.read_text() == self.stamp
        )

    def build(self, make) -> Path:
        """`make(directory)` fills a fresh directory that then becomes the root."""
        if self.current():
            return self.path
        scratch = self.path.with_name(self.path.name + ".building")
        remove_tree(scratch)
        scratch.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        make(scratch)
        remove_tree(self.path)
        scratch.rename(self.path)
        self.stamp_path.write_text(self.stamp)
        log(f"{self.path.name} built in {time.monotonic() - started:.0f} s")
        return self.path


def remove_tree(path: Path) -> None:
    if path.exists() or path.is_symlink():
        subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=True)


def copy_tree(source: Path, target: Path) -> None:
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)


def apt_install(root: Path, packages: Sequence[str]) -> None:
    script = (
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
        "--no-install-recommends " + " ".join(packages) + " >/dev/null && apt-get clean"
    )
    run_in_root(root, ["sh", "-c", script])


def base_cached_root() -> CachedRoot:
    return CachedRoot("trixie-base", [SUITE, MIRROR, BASE_PACKAGES])


def base_root() -> Path:
    """debootstrap of trixie (minbase) with the base packages; the .debs are cached."""
    root = base_cached_root()
    if root.current():
        return root.path
    if not shutil.which("debootstrap"):
        raise RuntimeError(
            "debootstrap is missing: apt-get install debootstrap (scripts/bootstrap does it as root)"
        )
    debs = cache_dir() / "debs"
    debs.mkdir(parents=True, exist_ok=True)

    def make(directory: Path) -> None:
        log(f"debootstrap {SUITE} into {directory}")
        subprocess.run(
            [
                "debootstrap", "--variant=minbase", f"--cache-dir={debs}",
                f"--include={','.join(BASE_PACKAGES)}", SUITE, str(directory), MIRROR,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        (directory / "var/cache/apt/archives").mkdir(parents=True, exist_ok=True)
        run_in_root(directory, ["apt-get", "clean"])

    return root.build(make)


def tools_root() -> Path:
    """`base` plus the tools packages, the host's uv version and the sandbox's user."""
    base = base_root()
    uv_version = host_uv_version()
    root = CachedRoot(
        "trixie-tools",
        [
            base_cached_root().stamp,
            TOOLS_PACKAGES,
            uv_version,
            SANDBOX_USER,
        ],
    )

    def make(directory: Path) -> None:
        copy_tree(base, directory)
        log(f"installing {' '.join(TOOLS_PACKAGES)} and uv {uv_version}")
        apt_install(directory, TOOLS_PACKAGES)
        run_in_root(
            directory,
            [
                "sh",
                "-c",
                f"python3 -m venv /opt/uv && /opt/uv/bin/pip install -q --disable-pip-version-check uv=={uv_version}",
            ],
        )
        run_in_root(
            directory,
            [
                "useradd", "--system", "--user-group", "--no-create-home",
                "--home-dir", "/homeless-shelter", "--shell", "/usr/sbin/nologin", SANDBOX_USER,
            ],
        )  # fmt: skip

    return root.build(make)


def compose_plugin() -> Path:
    """Debian trixie's Compose v2: a static Go binary, usable as the host CLI's plugin."""
    return tools_root() / COMPOSE_PLUGIN


if __name__ == "__main__":
    print(tools_root())
