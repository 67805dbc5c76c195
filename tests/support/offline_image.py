"""The offline image: what nix/image.nix builds, from Debian trixie instead of nixpkgs,
for machines without a Nix binary cache. `scripts/image-offline` runs this module.

- the root: trixie's debootstrap (./trixie.py) with its python3.13, pg_isready and
  nginx (the front; Debian's package, its service never started);
- the Python packages: uv.lock's runtime group (`uv export --no-dev`) in a virtualenv,
  and keelson itself, a wheel built (`uv build --wheel`, on the image's python3.13) from
  the files nix/workspace-files.nix names and installed as uv2nix installs it: not
  editable, its bytecode compiled;
- the backend: the files nix/source-rule.nix selects (evaluated by nix-instantiate),
  bytecode compiled as nix/source.nix does; static files collected as nix/static.nix
  does, with nix/static-env.nix's build-only environment;
- the boot: nix/boot.nix's text and runtimeInputs, written as writeShellApplication
  writes them (shebang, bash options, the closed PATH), linked as /bin/boot;
- the config: nix/image-config.nix evaluated over this image's paths, as it is;
- /tmp 1777, /app/logs uid 10001 mode 0750, `app` in passwd and group, nothing else
  writable (no world-writable directory but /tmp).

Everything is cached under the cache directory by a digest of its inputs: an unchanged
tree loads the cached archive again in seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docker_archive
import trixie
from nixexpr import (
    NIX_DIR,
    function_args,
    nix_attrs,
    nix_eval,
    nix_path,
    project_defaults,
    selected_backend_files,
    static_build_env,
    workspace_files,
)

REPO = Path(__file__).resolve().parents[2]
BACKEND = REPO / "backend"
VERSION = (BACKEND / "VERSION").read_text().strip()
REFERENCE = f"keelson:{VERSION}-trixie"
SERVICE_UID = 10001

# Where each Nix store path of the image lives in this one.
PREFIX = "/opt/keelson"
STORE_PATHS = {
    "boot": f"{PREFIX}/boot",
    "backend": f"{PREFIX}/backend",
    "static": f"{PREFIX}/static",
    "pythonEnv": f"{PREFIX}/python-env",
    "coreutils": f"{PREFIX}/coreutils",
    "pgIsReady": f"{PREFIX}/pg_isready",
    "front": f"{PREFIX}/front",
}
# The files whose contents decide the image (besides the backend and the lock).
NIX_INPUTS = (
    "image-config.nix",
    "boot.nix",
    "boot.sh",
    "source-rule.nix",
    "static-env.nix",
    "project-defaults.nix",
)
UV_IN_ROOT = "/tmp/uv"


def log(message: str) -> None:
    print(f"image-offline: {message}", file=sys.stderr, flush=True)


def runtime_requirements() -> str:
    """uv.lock's runtime group, hashes included."""
    result = subprocess.run(
        [
            trixie.uv_command(), "export", "--frozen", "--no-dev", "--no-emit-project",
            "--format", "requirements-txt", "--no-header",
        ],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


def tracked_backend_files() -> list[str]:
    """The source rule's selection among the files git tracks (a flake sees only those)."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--", "backend"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    in_git = {name.removeprefix("backend/") for name in tracked.split("\0") if name}
    return [name for name in selected_backend_files(BACKEND) if name in in_git]


def boot_arguments() -> dict[str, Any]:
    """What nix/boot.nix passes to writeShellApplication, over this image's paths."""
    wanted = [
        name for name in function_args(NIX_DIR / "boot.nix") if name != "writeShellApplication"
    ]
    unknown = [name for name in wanted if name not in STORE_PATHS]
    if unknown:
        raise SystemExit(
            f"nix/boot.nix asks for {', '.join(unknown)}, which tests/support/offline_image.py "
            "does not provide: add it to STORE_PATHS"
        )
    stubs = nix_attrs({name: STORE_PATHS[name] for name in wanted})
    return nix_eval(
        f"import {nix_path(NIX_DIR / 'boot.nix')} ({stubs} // {{ writeShellApplication = args: args; }})"
    )


def boot_script(args: dict[str, Any]) -> str:
    """writeShellApplication's output (nixpkgs 26.05): shebang, bash options, PATH, text."""
    path = ":".join(f"{entry}/bin" for entry in args.get("runtimeInputs", []))
    if args.get("inheritPath", True):
        path += ":$PATH"
    return (
        "#!/bin/bash\n"
        "set -o errexit\nset -o nounset\nset -o pipefail\n"
        f'\nexport PATH="{path}"\n'
        f"\n{args['text']}\n"
    )


def revision() -> str:
    """As the flake's `self.rev or "dirty"`: the commit of a clean tree, else dirty."""
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    if status.strip():
        return "dirty"
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()


def source_url() -> str:
    """flake.nix's sourceUrl (declared once there)."""
    match = re.search(r'sourceUrl = "([^"]+)";', (REPO / "flake.nix").read_text())
    if not match:
        raise SystemExit("flake.nix declares no sourceUrl: tests/support/offline_image.py reads it")
    return match.group(1)


def image_config() -> dict[str, Any]:
    """nix/image-config.nix over this image's paths: the config under test is Nix's."""
    names = function_args(NIX_DIR / "image-config.nix")
    values = {
        # What flake.nix passes the library for the example project.
        "name": "keelson",
        "settingsModule": nix_eval(f"{project_defaults()}.settingsModule"),
        "version": VERSION,
        "revision": revision(),
        "sourceUrl": source_url(),
        "source": STORE_PATHS["backend"],
        **STORE_PATHS,
    }
    missing = [name for name in names if name not in values]
    if missing:
        raise SystemExit(
            f"nix/image-config.nix asks for {', '.join(missing)}: add it to offline_image.py"
        )
    return nix_eval(
        f"import {nix_path(NIX_DIR / 'image-config.nix')} {nix_attrs({n: values[n] for n in names})}"
    )


def content_digest(requirements: str, backend_files: list[str], package_files: list[str]) -> str:
    digest = hashlib.sha256()
    parts: list[tuple[str, bytes]] = [
        (
            "trixie-base",
            trixie.base_cached_root().stamp.encode(),
        ),
        ("requirements", requirements.encode()),
        ("builder", Path(__file__).read_bytes()),
    ]
    parts += [(f"nix/{name}", (NIX_DIR / name).read_bytes()) for name in NIX_INPUTS]
    parts += [(f"backend/{name}", (BACKEND / name).read_bytes()) for name in backend_files]
    parts += [(f"package/{name}", (REPO / name).read_bytes()) for name in package_files]
    for name, data in parts:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def build_root(
    root: Path, requirements: str, backend_files: list[str], package_files: list[str]
) -> None:
    tools = trixie.tools_root()
    base = trixie.base_root()
    trixie.copy_tree(base, root)
    uv_cache = trixie.cache_dir() / "uv-cache"
    uv_cache.mkdir(parents=True, exist_ok=True)
    build = root.with_name(root.name + ".inputs")
    trixie.remove_tree(build)
    build.mkdir()
    (build / "requirements.txt").write_text(requirements)
    # keelson's source as a flake gives it to uv2nix: the tracked files only.
    for name in package_files:
        target = build / "project" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / name, target)
    binds = [
        (tools / trixie.TOOLS_UV, f"{UV_IN_ROOT}/uv"),
        (uv_cache, "/tmp/uv-cache"),
        (build, "/tmp/inputs"),
    ]
    uv_env = {
        "UV_CACHE_DIR": "/tmp/uv-cache",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "copy",
    }
    python_env = STORE_PATHS["pythonEnv"]

    def in_root(*argv: str, env: dict[str, str] | None = None, cwd: str = "/") -> None:
        trixie.run_in_root(root, argv, binds=binds, env={**uv_env, **(env or {})}, cwd=cwd)

    # uv's file bind needs a file to mount over.
    log("the Python environment from uv.lock's runtime group")
    in_root(f"{UV_IN_ROOT}/uv", "venv", "--quiet", "--python", "/usr/bin/python3.13", python_env)
    in_root(
        f"{UV_IN_ROOT}/uv", "pip", "sync", "--quiet", "--python", f"{python_env}/bin/python",
        "--compile-bytecode", "/tmp/inputs/requirements.txt",
    )  # fmt: skip

    log("keelson, a wheel built from its source, installed as uv2nix installs it")
    in_root(
        f"{UV_IN_ROOT}/uv", "build", "--wheel", "--quiet", "--python", "/usr/bin/python3.13",
        "--out-dir", "/tmp/inputs/dist", "/tmp/inputs/project",
    )  # fmt: skip
    wheels = sorted((build / "dist").glob("keelson-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"uv build made {[wheel.name for wheel in wheels]}, not one keelson wheel")
    # Its dependencies are the lock's, installed above: --no-deps keeps them as they are.
    in_root(
        f"{UV_IN_ROOT}/uv", "pip", "install", "--quiet", "--no-deps", "--python",
        f"{python_env}/bin/python", "--compile-bytecode", f"/tmp/inputs/dist/{wheels[0].name}",
    )  # fmt: skip

    log(f"the backend ({len(backend_files)} files nix/source-rule.nix selects)")
    backend = root / STORE_PATHS["backend"].lstrip("/")
    for name in backend_files:
        target = backend / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BACKEND / name, target)
    in_root(
        f"{python_env}/bin/python", "-m", "compileall", "-q", "--invalidation-mode",
        "unchecked-hash", STORE_PATHS["backend"],
    )  # fmt: skip

    log("static files, collected with nix/static-env.nix")
    static_env = static_build_env()
    in_root(
        f"{python_env}/bin/python", "manage.py", "collectstatic", "--noinput", "--verbosity", "0",
        env={**static_env, "STATIC_ROOT": STORE_PATHS["static"]},
        cwd=STORE_PATHS["backend"],
    )  # fmt: skip

    log("the boot, as writeShellApplication writes it")
    link_bin_dir(root, STORE_PATHS["coreutils"], package_binaries(root, "coreutils"))
    pg_isready = sorted(root.glob("usr/lib/postgresql/*/bin/pg_isready"))[-1]
    link_bin_dir(root, STORE_PATHS["pgIsReady"], ["/" + str(pg_isready.relative_to(root))])
    link_bin_dir(root, STORE_PATHS["front"], ["/usr/sbin/nginx"])
    boot = root / STORE_PATHS["boot"].lstrip("/") / "bin" / "boot"
    boot.parent.mkdir(parents=True)
    boot.write_text(boot_script(boot_arguments()))
    boot.chmod(0o755)
    # As the Nix image's /bin/boot: operators run `docker exec <container> boot ...`.
    (root / "usr/bin/boot").symlink_to(f"{STORE_PATHS['boot']}/bin/boot")

    log("the service user, /tmp and /app/logs")
    finish_filesystem(root)
    trixie.remove_tree(build)


def package_binaries(root: Path, package: str) -> list[str]:
    listing = (root / "var/lib/dpkg/info" / f"{package}.list").read_text().split()
    return [path for path in listing if re.fullmatch(r"/usr/bin/[^/]+", path)]


def link_bin_dir(root: Path, prefix: str, programs: list[str]) -> None:
    """A store-path-like `prefix/bin` holding links to exactly `programs`."""
    directory = root / prefix.lstrip("/") / "bin"
    directory.mkdir(parents=True)
    for program in programs:
        (directory / Path(program).name).symlink_to(program)


def finish_filesystem(root: Path) -> None:
    with open(root / "etc/passwd", "a") as passwd:
        passwd.write(f"app:x:{SERVICE_UID}:{SERVICE_UID}:Keelson service user:/tmp:/bin/false\n")
    with open(root / "etc/group", "a") as group:
        group.write(f"app:x:{SERVICE_UID}:\n")
    for relative in ("var/cache/apt", "var/lib/apt/lists"):
        for child in (root / relative).glob("*"):
            trixie.remove_tree(child)
    # Documentation and translations nobody reads in a container (as Debian's own
    # container images leave them out).
    for relative in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale"):
        for child in (root / relative).glob("*"):
            trixie.remove_tree(child)
    (root / STORE_PATHS["pythonEnv"].lstrip("/") / ".lock").unlink(missing_ok=True)
    # Nothing but /tmp is world-writable (trixie ships /var/tmp and /run/lock that way).
    subprocess.run(
        ["find", str(root), "-xdev", "-perm", "-o+w", "-not", "-type", "l",
         "-not", "-path", str(root / "tmp"), "-exec", "chmod", "o-w", "{}", "+"],
        check=True,
    )  # fmt: skip
    (root / "tmp").chmod(0o1777)
    logs = root / "app" / "logs"
    logs.mkdir(parents=True)
    (root / "app").chmod(0o755)
    os.chown(logs, SERVICE_UID, SERVICE_UID)
    logs.chmod(0o750)
    (root / "etc/resolv.conf").write_text("")
    # The image's SSL_CERT_FILE names the bundle where nixpkgs' cacert puts it.
    (root / "etc/ssl/certs/ca-bundle.crt").symlink_to("ca-certificates.crt")


def build(force: bool = False) -> tuple[Path, str]:
    """The docker-archive of the offline image (cached) and its reference."""
    started = time.monotonic()
    trixie.tools_root()
    requirements = runtime_requirements()
    backend_files = tracked_backend_files()
    package_files = workspace_files()
    key = content_digest(requirements, backend_files, package_files)
    directory = trixie.cache_dir() / "offline-image"
    directory.mkdir(parents=True, exist_ok=True)
    layer = directory / f"layer-{key}.tar"
    if force or not layer.exists():
        root = directory / "root"
        trixie.remove_tree(root)
        build_root(root, requirements, backend_files, package_files)
        partial = layer.with_name(layer.name + ".partial")
        docker_archive.write_layer(root, partial)
        partial.rename(layer)
        trixie.remove_tree(root)
        for stale in directory.glob("layer-*.tar"):
            if stale != layer:
                stale.unlink()
        log(f"root and layer built in {time.monotonic() - started:.0f} s")
    config = image_config()
    archive = directory / "image.tar"
    docker_archive.write_archive(archive, layer, config, REFERENCE)
    return archive, REFERENCE


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/image-offline", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--force", action="store_true", help="rebuild the root even when cached")
    parser.add_argument("--no-load", action="store_true", help="write the archive, do not load it")
    args = parser.parse_args()
    archive, reference = build(force=args.force)
    if args.no_load:
        print(archive)
        return 0
    from dockerd import docker_cli

    started = time.monotonic()
    subprocess.run([docker_cli(), "load", "--input", str(archive)], check=True, stdout=sys.stderr)
    log(f"loaded in {time.monotonic() - started:.0f} s")
    print(reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
