"""nix/workspace-files.nix: the files nix/python.nix gives uv2nix are enough to build the
keelson package (pyproject.toml's readme, license files and packages), and nothing of the
example backend or the tests, whose edits must not rebuild the Python environments. The
offline image and the sandboxed suite build keelson from the same files
(nixexpr.workspace_files)."""

from __future__ import annotations

import tomllib
from pathlib import PurePosixPath

import pytest
from nixexpr import NIX_DIR, REPO, nix_path, workspace_files


@pytest.fixture(scope="module")
def entries(nix_eval) -> list[str]:
    return nix_eval(f"import {nix_path(NIX_DIR / 'workspace-files.nix')}")


@pytest.fixture(scope="module")
def files(nix_eval) -> list[str]:
    return workspace_files()


def under(name: str, entry: str) -> bool:
    return PurePosixPath(name).is_relative_to(entry)


def test_the_lock_and_everything_the_build_reads_are_given(entries: list[str]) -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    wanted = [
        "pyproject.toml",
        "uv.lock",
        project["readme"],
        *project.get("license-files", []),
        *pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"],
    ]
    missing = [name for name in wanted if not any(under(name, entry) for entry in entries)]
    assert missing == []


def test_every_entry_is_tracked_and_the_library_reads_the_list(
    entries: list[str], files: list[str]
) -> None:
    untracked = [entry for entry in entries if not any(under(name, entry) for name in files)]
    assert untracked == []
    # nix/lib.nix builds keelsonSource from it, which nix/python.nix builds keelson from.
    assert "./workspace-files.nix" in (NIX_DIR / "lib.nix").read_text(encoding="utf-8")


def test_the_example_backend_and_the_tests_stay_out(files: list[str]) -> None:
    assert "src/keelson/__main__.py" in files
    assert [name for name in files if name.startswith(("backend/", "tests/", "nix/"))] == []
