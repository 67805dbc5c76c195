"""The suite on the newest release of every dependency the declared ranges allow: proof
that the ranges in pyproject.toml hold, not only the versions uv.lock chose.

1. A copy of the tracked files in a temporary directory (./trixie_suite.py's copy); the
   lock's own choices are dropped there: `[tool.uv] constraint-dependencies` (Django's
   LTS line) and every version uv.lock holds (`uv lock --upgrade`).
2. `uv lock --upgrade` and `uv sync` in the tools root (./trixie.py) on Debian trixie's
   Python 3.13, the image's interpreter: Django 6 needs 3.12 or later.
3. pytest in the copy as ./trixie_suite.py runs it (loopback only, `env -i`, the root's
   unprivileged user, no .git), less the suites that need the Docker engine or systemd
   (tests/container/, tests/systemd/). Extra arguments go to pytest.

Prints the versions it resolved, then pytest's output; exits with pytest's code. Needs
root (debootstrap, chroot, namespaces) and the package index: exits 77 without root.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
from pathlib import Path

import trixie
import trixie_suite

# What pyproject.toml keeps in the lock only (the LTS line), not in the declared ranges.
LOCK_ONLY = "constraint-dependencies = "
VENV = f"{trixie_suite.BUILD}/venv-latest"
# Suites that need what the sandbox lacks by design: the Docker engine, systemd as PID 1.
LEFT_OUT = ("tests/container", "tests/systemd")


def drop_lock_only_constraints(pyproject: Path) -> None:
    lines = pyproject.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(LOCK_ONLY)]
    if len(kept) == len(lines):
        raise RuntimeError(f"{pyproject}: no line starts with {LOCK_ONLY!r}; update {__file__}")
    pyproject.write_text("".join(kept), encoding="utf-8")


def resolve(root: Path, build: Path) -> None:
    """The newest allowed release of everything, locked and installed in VENV."""
    uv_cache = trixie.cache_dir() / "uv-cache"
    uv_cache.mkdir(parents=True, exist_ok=True)
    env = {
        "UV_PROJECT_ENVIRONMENT": VENV,
        "UV_CACHE_DIR": "/var/cache/uv",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "copy",
    }
    uv = f"/{trixie.TOOLS_UV}"
    for argv in (
        [uv, "lock", "--upgrade", "--python", trixie_suite.PYTHON],
        [uv, "sync", "--quiet", "--python", trixie_suite.PYTHON, "--group", "off-nix"],
    ):
        trixie.run_in_root(
            root,
            argv,
            binds=[(build, trixie_suite.BUILD), (uv_cache, "/var/cache/uv")],
            cwd=trixie_suite.SOURCE,
            env=env,
        )


def installed_versions(build: Path) -> str:
    """`name version` of the runtime dependencies installed in VENV."""
    project = tomllib.loads((build / "source" / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = {
        re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in project["project"]["dependencies"]
    }
    venv = build / VENV.removeprefix(f"{trixie_suite.BUILD}/")
    found = []
    for dist_info in sorted(venv.glob("lib/python3*/site-packages/*.dist-info")):
        name, _, version = dist_info.name.removesuffix(".dist-info").rpartition("-")
        if name.lower().replace("_", "-") in wanted:
            found.append(f"{name} {version}")
    return ", ".join(found)


def run_tests(root: Path, work: Path, pytest_args: list[str]) -> int:
    left_out = [f"--ignore={suite}" for suite in LEFT_OUT]
    command = f'exec {VENV}/bin/python -m pytest -p no:cacheprovider "$@"'
    return trixie_suite.pytest_in_sandbox(root, work, VENV, command, [*left_out, *pytest_args])


def main(pytest_args: list[str]) -> int:
    if trixie_suite.not_root("latest_suite", "scripts/test --latest"):
        return 77
    started = time.monotonic()
    root = trixie.tools_root()
    with trixie_suite.work_directory("keelson-latest.") as work:
        source = work / "build" / "source"
        trixie_suite.copy_tracked_files(source)
        drop_lock_only_constraints(source / "pyproject.toml")
        resolve(root, work / "build")
        trixie.log(f"newest releases installed: {installed_versions(work / 'build')}")
        status = run_tests(root, work, pytest_args)
    trixie.log(
        f"pytest on the newest releases: exit {status} after {time.monotonic() - started:.0f} s"
    )
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
