"""Opens a `docker load` tarball (docker-archive, plain or gzip) and checks what the image
promises: it runs as uid 10001 through the boot script with production settings, /tmp and
/app/logs are writable, its Python environment carries the keelson package itself (not an
editable install pointing at a source tree the image lacks), and no layer carries
development settings, tests, SQLite files or .env files. Nix runs it on the built image
(checks.image-metadata); one line per problem, exit 1.

usage: python check_image.py IMAGE_TARBALL [--settings-module MODULE]
                              [--development-file PATH]...

MODULE is the image's DJANGO_SETTINGS_MODULE; each PATH (relative to the project root, the
image's WorkingDir) must not be in the image. Their defaults are the example project's,
as nix/project-defaults.nix declares them for the Nix library.
"""

from __future__ import annotations

import argparse
import json
import re
import stat
import sys
import tarfile
from pathlib import PurePosixPath

SERVICE_USER = "10001:10001"
REQUIRED_ENV = (
    "RUN_COLLECTSTATIC=0",
    "PYTHONUNBUFFERED=1",
    "PYTHONDONTWRITEBYTECODE=1",
)
REQUIRED_ENV_NAMES = ("STATIC_ROOT", "HOME")
DEFAULT_SETTINGS_MODULE = "config.settings.production"
# Relative to the project root (the image's WorkingDir).
DEFAULT_DEVELOPMENT_FILES = ("config/settings/local.py", "config/settings/test.py")
SQLITE = re.compile(r".*\.sqlite3(-.*)?$")
DOTENV = re.compile(r"^\.env(\..*)?$")
# What the boot runs (`python -m keelson`), installed in a site-packages of the image.
KEELSON_MAIN = re.compile(r"(.*/)?lib/python3\.\d+/site-packages/keelson/__main__\.py$")
# An editable install: a .pth naming a source tree (hatchling's, older hatchling's,
# setuptools').
EDITABLE = re.compile(r"^(_editable_impl_keelson|_keelson|__editable__\.keelson-.*)\.pth$")


def normalized(name: str) -> str:
    return name.removeprefix("./").strip("/")


def settings_files(module: str) -> tuple[str, str]:
    """The two files a settings module can be: a module or a package."""
    path = module.replace(".", "/")
    return (f"{path}.py", f"{path}/__init__.py")


def config_problems(config: dict, settings_module: str) -> list[str]:
    problems = []
    user = config.get("User", "")
    if user != SERVICE_USER:
        problems.append(f"User is {user!r}, not {SERVICE_USER!r} (the image must not run as root)")
    entrypoint = config.get("Entrypoint") or []
    if len(entrypoint) != 1 or not entrypoint[0].endswith("/bin/boot"):
        problems.append(f"Entrypoint is {entrypoint!r}, not the boot script")
    env = config.get("Env") or []
    wanted_env = (f"DJANGO_SETTINGS_MODULE={settings_module}", *REQUIRED_ENV)
    problems += [f"Env lacks {wanted}" for wanted in wanted_env if wanted not in env]
    names = {entry.partition("=")[0] for entry in env}
    problems += [f"Env lacks {name}" for name in REQUIRED_ENV_NAMES if name not in names]
    if "8000/tcp" not in (config.get("ExposedPorts") or {}):
        problems.append("ExposedPorts lacks 8000/tcp")
    test = (config.get("Healthcheck") or {}).get("Test") or []
    if "healthcheck" not in test:
        problems.append(f"Healthcheck runs {test!r}, not `boot healthcheck`")
    if not config.get("WorkingDir", "").startswith("/nix/store/"):
        problems.append(f"WorkingDir is {config.get('WorkingDir')!r}, not the backend's store path")
    return problems


def layer_problems(
    members: list[tarfile.TarInfo],
    backend: str,
    settings_module: str = DEFAULT_SETTINGS_MODULE,
    development_files: tuple[str, ...] = DEFAULT_DEVELOPMENT_FILES,
) -> list[str]:
    problems = []
    seen_in_backend = set()
    by_name = {}
    keelson_installed = False
    for member in members:
        name = normalized(member.name)
        by_name[name] = member
        path = PurePosixPath(name)
        if SQLITE.match(path.name):
            problems.append(f"{name}: a SQLite file in the image")
        if DOTENV.match(path.name):
            problems.append(f"{name}: a .env file in the image")
        if KEELSON_MAIN.match(name) and (member.isfile() or member.issym()):
            keelson_installed = True
        if EDITABLE.match(path.name):
            problems.append(f"{name}: keelson installed editable (its source is not in the image)")
        if backend and (name == backend or name.startswith(backend + "/")):
            relative = name[len(backend) + 1 :]
            seen_in_backend.add(relative)
            if relative in development_files:
                problems.append(f"{name}: development or test settings in the image")
            if "tests" in PurePosixPath(relative).parts:
                problems.append(f"{name}: tests in the image")
    if "manage.py" not in seen_in_backend:
        problems.append("the project root lacks manage.py")
    if not seen_in_backend.intersection(settings_files(settings_module)):
        problems.append(f"the project root lacks {settings_module}, the image's settings")
    if not keelson_installed:
        problems.append("no site-packages of the image holds keelson/__main__.py (the boot's code)")
    tmp = by_name.get("tmp")
    if tmp is None or not tmp.isdir() or stat.S_IMODE(tmp.mode) != 0o1777:
        problems.append("the tmp directory is missing or not mode 1777")
    logs = by_name.get("app/logs")
    if logs is None or not logs.isdir() or logs.uid != 10001:
        problems.append("/app/logs is missing or not owned by uid 10001")
    return problems


def inspect(
    path: str,
    settings_module: str = DEFAULT_SETTINGS_MODULE,
    development_files: tuple[str, ...] = DEFAULT_DEVELOPMENT_FILES,
) -> list[str]:
    with tarfile.open(path, "r:*") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        if len(manifest) != 1:
            return [f"manifest.json holds {len(manifest)} images, not 1"]
        image = manifest[0]
        config = json.load(archive.extractfile(image["Config"])).get("config") or {}
        problems = config_problems(config, settings_module)
        backend = normalized(config.get("WorkingDir", ""))
        members = []
        for layer in image["Layers"]:
            with tarfile.open(fileobj=archive.extractfile(layer), mode="r:") as layer_tar:
                members += layer_tar.getmembers()
        return problems + layer_problems(members, backend, settings_module, development_files)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="check_image.py")
    parser.add_argument("image")
    parser.add_argument("--settings-module", default=DEFAULT_SETTINGS_MODULE)
    parser.add_argument("--development-file", action="append", dest="development_files")
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit:
        return 64
    development_files = tuple(args.development_files or DEFAULT_DEVELOPMENT_FILES)
    problems = inspect(args.image, args.settings_module, development_files)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"{args.image}: user, entrypoint, env and layers as promised")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
