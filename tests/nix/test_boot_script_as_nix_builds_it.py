"""nix/boot.sh as writeShellApplication turns it into bin/boot: a shebang, the bash
options and the PATH of runtimeInputs prepended; its build then runs `bash -n` and
shellcheck on that text, so both must pass here first."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from nixexpr import NIX_DIR, nix_path

BOOT_SH = NIX_DIR / "boot.sh"
STORE_PATH = "/nix/store/00000000000000000000000000000000-{}/bin"


def as_written_by_nix(text: str) -> str:
    """writeShellApplication's text (nixpkgs 26.05) with inheritPath = false."""
    path = ":".join(STORE_PATH.format(name) for name in ("python3-env", "pg_isready"))
    return (
        "#!/nix/store/00000000000000000000000000000000-bash/bin/bash\n"
        "set -o errexit\nset -o nounset\nset -o pipefail\n"
        f'\nexport PATH="{path}"\n'
        f"\n{text}\n"
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert BOOT_SH.exists(), "nix/boot.sh is missing: nix/boot.nix reads it"
    script = tmp_path_factory.mktemp("boot") / "boot"
    script.write_text(as_written_by_nix(BOOT_SH.read_text()))
    return script


def test_the_generated_script_parses_as_the_build_checks_it(generated: Path) -> None:
    result = subprocess.run(
        ["bash", "-n", "-O", "extglob", str(generated)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_generated_script_passes_shellcheck(generated: Path) -> None:
    assert shutil.which("shellcheck"), "shellcheck is missing (scripts/bootstrap installs it)"
    result = subprocess.run(["shellcheck", str(generated)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_boot_nix_wraps_boot_sh_with_its_tools_on_a_closed_path(nix_eval) -> None:
    args = nix_eval(
        f"""import {nix_path(NIX_DIR / "boot.nix")} {{
          writeShellApplication = args: args;
          pythonEnv = "pythonEnv";
          pgIsReady = "pgIsReady";
          front = "front";
        }}"""
    )
    assert args["name"] == "boot"
    assert args["text"] == BOOT_SH.read_text()
    assert args["runtimeInputs"] == ["pythonEnv", "pgIsReady", "front"]
    assert args["inheritPath"] is False


def test_front_nix_is_nixpkgs_nginx_without_perl_or_stream(nix_eval) -> None:
    overridden = nix_eval(
        f"""import {nix_path(NIX_DIR / "front.nix")} {{
          nginx = {{ override = args: args; }};
        }}"""
    )
    assert overridden == {"withPerl": False, "withStream": False, "modules": []}
