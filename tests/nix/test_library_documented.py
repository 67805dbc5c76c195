"""Every argument of the Nix library's functions is documented in docs/NIX_LIBRARY.md, with
what it defaults to, the way nixpkgs documents dockerTools: the page and the code cannot
drift apart."""

from __future__ import annotations

import re

import pytest
from nixexpr import NIX_DIR, REPO, nix_path

PAGE = (REPO / "docs" / "NIX_LIBRARY.md").read_text(encoding="utf-8")
# An argument's entry: "`name` (required)" or "`name` (default: ...)", on a line of its own.
ENTRY = re.compile(r"^`(?P<name>[A-Za-z]+)` \((?P<kind>required|default: .+)\)$", re.MULTILINE)
DOCUMENTED = {match["name"]: match["kind"] for match in ENTRY.finditer(PAGE)}

# project.nix is bound by lib.nix first; these stand for its bindings, never forced.
BOUND = "{ lib = null; pyproject-nix = null; uv2nix = null; pyproject-build-systems = null; keelsonSource = null; keelsonVersion = null; }"


@pytest.fixture(scope="module")
def mk_project_args(nix_eval) -> dict[str, bool]:
    """mkProject's arguments: name -> whether it has a default."""
    return nix_eval(f"builtins.functionArgs ((import {nix_path(NIX_DIR / 'project.nix')}) {BOUND})")


def test_every_mk_project_argument_is_documented(mk_project_args: dict[str, bool]) -> None:
    missing = sorted(set(mk_project_args) - set(DOCUMENTED))
    assert missing == [], f"docs/NIX_LIBRARY.md does not document {missing}"


def test_the_page_says_which_arguments_are_required(mk_project_args: dict[str, bool]) -> None:
    for name, has_default in mk_project_args.items():
        kind = DOCUMENTED[name]
        if has_default:
            assert kind.startswith("default: "), f"{name} has a default; the page says {kind}"
        else:
            assert kind == "required", f"{name} is required; the page says {kind}"


def test_the_page_documents_no_argument_the_library_lacks(mk_project_args: dict[str, bool]) -> None:
    # mkFlake adds systems and nixpkgs to mkProject's arguments (less pkgs).
    known = set(mk_project_args) | {"systems", "nixpkgs"}
    assert sorted(set(DOCUMENTED) - known) == []


def test_mk_flake_adds_systems_and_nixpkgs_with_defaults(nix_eval) -> None:
    inputs = "{ nixpkgs = null; pyproject-nix = null; uv2nix = null; pyproject-build-systems = null; systems = null; }"
    args = nix_eval(
        f"builtins.functionArgs (import {nix_path(NIX_DIR / 'lib.nix')} {inputs}).mkFlake"
    )
    assert args == {"systems": True, "nixpkgs": True}
    assert DOCUMENTED["systems"].startswith("default: ")
    assert DOCUMENTED["nixpkgs"].startswith("default: ")
