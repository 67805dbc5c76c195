"""Evaluating the project's pure Nix files with the machine's nix-instantiate (no nixpkgs)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NIX_DIR = REPO / "nix"
PATH_LITERAL = re.compile(r"(/[A-Za-z0-9._+-]+)+")


def project_nix_files() -> list[Path]:
    """Every Nix file of the project, outside hidden and generated directories."""
    return sorted(
        path
        for path in REPO.rglob("*.nix")
        if not any(
            part.startswith(".") or part == "result" for part in path.relative_to(REPO).parts
        )
    )


class NixUnavailable(RuntimeError):
    pass


def nix_string(value: str | Path) -> str:
    """A Nix string literal holding `value`."""
    return json.dumps(str(value)).replace("${", "\\${")


def nix_path(path: Path) -> str:
    """A Nix path literal for an absolute path."""
    text = str(path.resolve())
    if not PATH_LITERAL.fullmatch(text):
        raise ValueError(f"{text} cannot be written as a Nix path literal")
    return text


def nix_attrs(values: dict[str, str]) -> str:
    return (
        "{ " + " ".join(f"{name} = {nix_string(value)};" for name, value in values.items()) + " }"
    )


def nix_eval(expression: str) -> Any:
    """The JSON value of `expression`, evaluated strictly without writing to the store."""
    nix_instantiate = shutil.which("nix-instantiate")
    if not nix_instantiate:
        raise NixUnavailable("nix-instantiate is missing (scripts/bootstrap installs nix-bin)")
    result = subprocess.run(
        [nix_instantiate, "--eval", "--strict", "--json", "--readonly-mode", "-E", expression],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    if result.returncode != 0:
        raise RuntimeError(f"nix-instantiate failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def function_args(path: Path) -> list[str]:
    """The names a callPackage-style file asks for."""
    return sorted(nix_eval(f"builtins.attrNames (builtins.functionArgs (import {nix_path(path)}))"))


def selected_backend_files(backend: Path) -> list[str]:
    """The files of `backend` that nix/source-rule.nix selects with the library's default
    arguments (nix/project-defaults.nix), walked as builtins.path applies a filter (a
    directory left out is not entered)."""
    expression = f"""
    let
      keep = import {nix_path(NIX_DIR / "source-rule.nix")} {project_defaults()};
      walk = dir: prefix:
        let entries = builtins.readDir dir; in
        builtins.concatLists (map (name:
          let
            type = entries.${{name}};
            relative = if prefix == "" then name else "${{prefix}}/${{name}}";
          in
          if !(keep relative type) then [ ]
          else if type == "directory" then walk (dir + "/${{name}}") relative
          else [ relative ]
        ) (builtins.attrNames entries));
    in walk {nix_path(backend)} ""
    """
    return sorted(nix_eval(expression))


def project_defaults() -> str:
    """The Nix expression of the library's defaults (nix/project-defaults.nix)."""
    return f"(import {nix_path(NIX_DIR / 'project-defaults.nix')})"


def static_build_env() -> dict[str, str]:
    """nix/static-env.nix's environment for the library's default settings module."""
    return nix_eval(f"import {nix_path(NIX_DIR / 'static-env.nix')} {project_defaults()}")


def workspace_files() -> list[str]:
    """The tracked files nix/python.nix gives uv2nix (nix/workspace-files.nix's entries, a
    flake seeing only what git tracks), as they are in the working tree: what keelson is
    built from. Paths relative to the repository."""
    entries = nix_eval(f"import {nix_path(NIX_DIR / 'workspace-files.nix')}")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *entries],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name and (REPO / name).is_file())
