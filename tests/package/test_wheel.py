"""Keelson as a project installs it: the wheel built from this checkout, installed with
its dependencies (uv.lock's versions) into a fresh virtualenv on this Python, works away
from the checkout. Every module imports there, the `keelson` command answers, its version
is the distribution's, and the wheel holds the package and its metadata only: not the
example project, the tests or the docs."""

from __future__ import annotations

import json
import os
import platform
import secrets
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trixie
from processes import REPO

pytestmark = pytest.mark.slow

PACKAGE = REPO / "src" / "keelson"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
DIST_INFO = f"keelson-{VERSION}.dist-info"
# Modules the import below leaves out, and why.
NOT_IMPORTED = {
    # Importing it runs the command line (serve, by default): `python -m keelson
    # --version` below runs it instead.
    "keelson.__main__",
}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    # An empty directory away from the checkout: where every command runs.
    work: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Nothing of the checkout's: no PYTHONPATH, no settings module, the venv first."""
        return {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(self.work),
            "PYTHONDONTWRITEBYTECODE": "1",
            **(extra or {}),
        }

    def run(self, *argv: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(argv),
            cwd=self.work,
            env=self.env(extra),
            capture_output=True,
            text=True,
            timeout=120,
        )


def uv_or_skip() -> str:
    try:
        return trixie.uv_command()
    except RuntimeError:
        # Nix's sandbox (checks.pytest) has no uv and no network to build with.
        pytest.skip("uv (the wheel's builder and installer) is neither on PATH nor in .state/uv")


def uv(*args: str | Path, cwd: Path) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT")
    }
    result = subprocess.run(
        [uv_or_skip(), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"uv {' '.join(map(str, args))}:\n{result.stderr}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel, built once, in a virtualenv of its own with uv.lock's runtime versions."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    uv("build", "--wheel", "--quiet", "--out-dir", dist, REPO, cwd=REPO)
    (wheel,) = dist.glob("*.whl")
    requirements = root / "requirements.txt"
    uv(
        "export", "--frozen", "--no-dev", "--no-emit-project", "--quiet",
        "--output-file", requirements,
        cwd=REPO,
    )  # fmt: skip
    venv = root / "venv"
    uv("venv", "--quiet", "--python", sys.executable, venv, cwd=root)
    uv(
        "pip", "install", "--quiet", "--python", venv / "bin" / "python",
        "-r", requirements, wheel,
        cwd=root,
    )  # fmt: skip
    work = root / "work"
    work.mkdir()
    return Installed(wheel, venv, work)


# ---------------------------------------------------------------- importing
IMPORT_EVERY_MODULE = """
import importlib, json, platform, pkgutil, sys

# Metrics live in the files of a prepared directory: the boot prepares it before anything
# imports prometheus_client (keelson.serve.observability), so does this.
from keelson.serve.metrics import directory

directory.prepare(sys.argv[1])
import keelson

imported, failed = ["keelson"], {}
for module in pkgutil.walk_packages(keelson.__path__, "keelson."):
    if module.name in sys.argv[2:]:
        continue
    try:
        importlib.import_module(module.name)
        imported.append(module.name)
    except BaseException as error:
        failed[module.name] = f"{type(error).__name__}: {error}"
gunicorn_config = sys.modules.get("keelson.gunicorn_config")
print(json.dumps({
    "sys.path": sys.path,
    "file": keelson.__file__,
    "python": platform.python_version(),
    "imported": imported,
    "failed": failed,
    "bind": getattr(gunicorn_config, "bind", None),
}))
"""


def stub_project(work: Path) -> str:
    """A settings module to name (the contract looks it up; gunicorn_config does not import
    it): the one thing of a project that importing keelson.gunicorn_config needs."""
    package = work / "stub"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text('"""A project with nothing but a name."""\n')
    (package / "settings.py").write_text('"""Never imported here."""\n')
    return "stub.settings"


@pytest.fixture(scope="session")
def imports(installed: Installed) -> dict[str, Any]:
    """Every module of the installed package imported in one process, away from the
    checkout, with a valid production environment: keelson.gunicorn_config judges the
    environment contract when it is imported (exit 78 without one)."""
    metrics = installed.work / "metrics"
    result = installed.run(
        str(installed.bin / "python"),
        "-c",
        IMPORT_EVERY_MODULE,
        str(metrics),
        *NOT_IMPORTED,
        extra={
            "DJANGO_SETTINGS_MODULE": stub_project(installed.work),
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "app.example.com",
            "POSTGRES_PASSWORD": "never-used-here",
            "GUNICORN_BIND": "127.0.0.1:8123",
            # The same directory as above: gunicorn_config prepares it again, a no-op.
            "METRICS_BIND": "127.0.0.1:9123",
            "METRICS_DIR": str(metrics),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_every_module_of_the_installed_package_imports(installed, imports) -> None:
    assert imports["failed"] == {}
    in_the_wheel = {
        name.removesuffix("/__init__.py").removesuffix(".py").replace("/", ".")
        for name in zipfile.ZipFile(installed.wheel).namelist()
        if name.endswith(".py")
    }
    assert set(imports["imported"]) == in_the_wheel - NOT_IMPORTED
    # gunicorn's configuration took its values from the environment it was given.
    assert imports["bind"] == ["127.0.0.1:8123"]


def test_the_installed_package_is_imported_from_the_venv_not_the_checkout(
    installed, imports
) -> None:
    site_packages = installed.venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert Path(imports["file"]).is_relative_to(site_packages / "site-packages")
    assert imports["python"] == platform.python_version(), "the test run's Python"
    from_the_checkout = [
        entry
        for entry in imports["sys.path"]
        if Path(entry or installed.work).resolve().is_relative_to(REPO)
    ]
    assert from_the_checkout == []


# ---------------------------------------------------------------- the command
def test_keelson_help_prints_the_usage(installed) -> None:
    result = installed.run(str(installed.bin / "keelson"), "--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: keelson [COMMAND]")
    assert "contract env-example" in result.stdout


def test_keelson_version_is_the_installed_distributions(installed) -> None:
    metadata = installed.run(
        str(installed.bin / "python"),
        "-c",
        "from importlib.metadata import version; print(version('keelson'))",
    )
    assert metadata.stdout == f"{VERSION}\n"
    for command in (
        [str(installed.bin / "keelson")],
        [str(installed.bin / "python"), "-m", "keelson"],
    ):
        result = installed.run(*command, "--version")
        assert (result.returncode, result.stdout, result.stderr) == (0, f"keelson {VERSION}\n", "")


# ---------------------------------------------------------------- the wheel's files
def test_the_wheel_holds_the_package_and_its_metadata_only(installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    outside = [name for name in names if not name.startswith(("keelson/", f"{DIST_INFO}/"))]
    assert outside == [], "the example project, tests and docs stay out of the wheel"
    assert not [name for name in names if name.endswith((".pyc", "manage.py"))]
    # Exactly the package's files as the checkout has them.
    sources = {
        f"keelson/{path.relative_to(PACKAGE)}"
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert {name for name in names if name.startswith("keelson/")} == sources
    assert "keelson/py.typed" in names


def test_the_wheel_carries_the_license_and_the_console_script(installed) -> None:
    wheel = zipfile.ZipFile(installed.wheel)
    names = wheel.namelist()
    assert f"{DIST_INFO}/licenses/LICENSE" in names
    assert wheel.read(f"{DIST_INFO}/licenses/LICENSE") == (REPO / "LICENSE").read_bytes()
    entry_points = wheel.read(f"{DIST_INFO}/entry_points.txt").decode()
    assert "keelson = keelson.cli:main" in entry_points.splitlines()
    metadata = wheel.read(f"{DIST_INFO}/METADATA").decode().splitlines()
    assert "Name: keelson" in metadata
    assert f"Version: {VERSION}" in metadata
    assert "License-Expression: Apache-2.0" in metadata
