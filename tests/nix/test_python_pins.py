"""The Nix Python environment and the non-Nix pins name the same packages, and the pin
check that runs inside Nix (nix/check_pins.py) catches a drifted version."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from nixeval import NIX_DIR, REPO, nix_path

CHECK_PINS = NIX_DIR / "check_pins.py"
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def requirement_names(path: Path) -> set[str]:
    lines = path.read_text().splitlines()
    return {match.group(1) for line in lines if (match := REQUIREMENT.match(line))}


def python_packages(nix_eval) -> dict:
    return nix_eval(f"import {nix_path(NIX_DIR / 'python-packages.nix')}")


def test_the_nix_runtime_packages_are_the_pinned_requirements(nix_eval) -> None:
    packages = python_packages(nix_eval)
    assert set(packages["runtime"]) == requirement_names(REPO / "backend/requirements.txt")


def test_the_nix_test_tools_are_those_of_requirements_dev(nix_eval) -> None:
    packages = python_packages(nix_eval)
    dev_only = requirement_names(REPO / "requirements-dev.txt")
    # ruff comes from nixpkgs' top level; nixpkgs' psycopg brings its own C speedups.
    assert set(packages["test"]) == dev_only - {"ruff", "psycopg-binary"}


def run_check(requirements: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK_PINS), str(requirements)], capture_output=True, text=True
    )


def test_the_pin_check_passes_on_an_environment_with_the_pins() -> None:
    result = run_check(REPO / "backend/requirements.txt")
    assert result.returncode == 0, result.stderr
    assert "6 pins match" in result.stdout


def test_the_pin_check_names_each_drifted_or_missing_package(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pins\nDjango==4.0.0\ngunicorn==23.0.0\nno-such-package==1.0\n")
    result = run_check(requirements)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Django is pinned to 4.0.0 but 5.2.12 is installed.")
    assert lines[1].startswith("no-such-package is pinned to 1.0 but not installed.")
