"""flake.lock pins every input (written by hand: `nix flake lock` cannot run here; each
narHash is the NAR hash of the revision's tree) and flake.nix's inputs agree with it."""

from __future__ import annotations

import json

import pytest
from nixexpr import REPO, nix_path

PINNED = {
    "type": "github",
    "owner": "NixOS",
    "repo": "nixpkgs",
    "rev": "7fc6f2c20af09cdcaf48b92ec3121860139ec668",
    "narHash": "sha256-bNyvoIyOCu7lzoCpWKWGIsHpTtERUWzqYWFPlN++WTw=",
    "lastModified": 1790635395,
}

# The uv2nix inputs: the revision, its tree's NAR hash, its commit time.
UV2NIX_INPUTS = {
    "pyproject-nix": (
        "pyproject.nix",
        "7af23cfe91064865ecf2e835da28b45b3c6f49fd",
        "sha256-SvXJcAemihifkTn4BGvyE5K1FJX9bl4U8DQ5pqKvD0s=",
        1782905613,
    ),
    "uv2nix": (
        "uv2nix",
        "49dac8d206c42175b069b7c6050ba27060a21106",
        "sha256-uPeuFNSYO429IEiud3iJKWIpN/xrH2CANj1uYNiDxqc=",
        1784582828,
    ),
    "pyproject-build-systems": (
        "build-system-pkgs",
        "90ffdeee1a4929b231913df067448cd9803d3e07",
        "sha256-8SFyOdmcG6Nsh/JzlH812lTI/v+ur06fpQhj/acNn8k=",
        1786936886,
    ),
}
# Which inputs each one takes, all following the root's (one nixpkgs, one pyproject-nix).
FOLLOWS = {
    "pyproject-nix": ["nixpkgs"],
    "uv2nix": ["nixpkgs", "pyproject-nix"],
    "pyproject-build-systems": ["nixpkgs", "pyproject-nix", "uv2nix"],
}


@pytest.fixture(scope="module")
def lock() -> dict:
    return json.loads((REPO / "flake.lock").read_text())


def test_the_lock_is_version_7_with_a_root_node(lock: dict) -> None:
    assert lock["version"] == 7
    assert lock["root"] == "root"
    names = ["nixpkgs", *UV2NIX_INPUTS]
    assert lock["nodes"]["root"] == {"inputs": {name: name for name in names}}
    assert set(lock["nodes"]) == {"root", *names}


def test_nixpkgs_is_locked_to_the_pinned_revision(lock: dict) -> None:
    node = lock["nodes"]["nixpkgs"]
    assert node["locked"] == PINNED
    assert node["original"] == {
        "type": "github",
        "owner": "NixOS",
        "repo": "nixpkgs",
        "ref": "nixos-26.05",
    }


@pytest.mark.parametrize("name", UV2NIX_INPUTS)
def test_each_uv2nix_input_is_locked_to_its_revision(lock: dict, name: str) -> None:
    repo, rev, nar_hash, last_modified = UV2NIX_INPUTS[name]
    node = lock["nodes"][name]
    assert node["locked"] == {
        "type": "github",
        "owner": "pyproject-nix",
        "repo": repo,
        "rev": rev,
        "narHash": nar_hash,
        "lastModified": last_modified,
    }
    assert node["original"] == {"type": "github", "owner": "pyproject-nix", "repo": repo}


@pytest.mark.parametrize("name", FOLLOWS)
def test_each_uv2nix_input_follows_the_root_inputs(lock: dict, name: str) -> None:
    assert lock["nodes"][name]["inputs"] == {taken: [taken] for taken in FOLLOWS[name]}


def test_the_flake_inputs_match_the_lock(nix_eval, lock: dict) -> None:
    flake = nix_eval(
        f"let flake = import {nix_path(REPO / 'flake.nix')}; in "
        "{ inherit (flake) description inputs; }"
    )
    assert set(flake["inputs"]) == set(lock["nodes"]["root"]["inputs"])
    original = lock["nodes"]["nixpkgs"]["original"]
    expected_url = f"github:{original['owner']}/{original['repo']}/{original['ref']}"
    assert flake["inputs"]["nixpkgs"] == {"url": expected_url}
    for name, taken in FOLLOWS.items():
        repo = UV2NIX_INPUTS[name][0]
        assert flake["inputs"][name] == {
            "url": f"github:pyproject-nix/{repo}",
            "inputs": {other: {"follows": other} for other in taken},
        }
    assert flake["description"]
