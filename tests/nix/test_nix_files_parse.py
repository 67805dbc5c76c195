"""Every Nix file of the flake parses."""

import subprocess
from pathlib import Path

import pytest
from nixexpr import project_nix_files

NIX_FILES = project_nix_files()


def test_the_flake_has_its_nix_files() -> None:
    names = {path.name for path in NIX_FILES}
    assert {"flake.nix", "python.nix", "source.nix", "static.nix", "boot.nix"} <= names
    assert {"image.nix", "image-config.nix", "shell.nix", "checks.nix"} <= names


@pytest.mark.parametrize("path", NIX_FILES, ids=lambda path: path.name)
def test_nix_file_parses(path: Path, nix_instantiate: str) -> None:
    result = subprocess.run(
        [nix_instantiate, "--parse", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
