"""Every Nix file is what nixfmt (RFC 166) prints: `nix flake check`'s `formatting` check
fails otherwise. Runs where a nixfmt is on PATH (the dev shell has nixpkgs' one)."""

import shutil
import subprocess

import pytest
from nixexpr import REPO, project_nix_files


def test_every_nix_file_is_formatted_as_nixfmt_prints_it() -> None:
    nixfmt = shutil.which("nixfmt")
    if not nixfmt:
        pytest.skip("no nixfmt on PATH (`nix develop` has nixpkgs' one)")
    files = [str(path.relative_to(REPO)) for path in project_nix_files()]
    result = subprocess.run(
        [nixfmt, "--check", *files], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert result.returncode == 0, f"not formatted (run `nix fmt`):\n{result.stderr}"
