"""flake.lock pins nixpkgs (written by hand: `nix flake lock` cannot run here) and
flake.nix's inputs agree with it."""

from __future__ import annotations

import json

import pytest
from nixeval import REPO, nix_path

PINNED = {
    "type": "github",
    "owner": "NixOS",
    "repo": "nixpkgs",
    "rev": "7fc6f2c20af09cdcaf48b92ec3121860139ec668",
    "narHash": "sha256-bNyvoIyOCu7lzoCpWKWGIsHpTtERUWzqYWFPlN++WTw=",
    "lastModified": 1790635395,
}


@pytest.fixture(scope="module")
def lock() -> dict:
    return json.loads((REPO / "flake.lock").read_text())


def test_the_lock_is_version_7_with_a_root_node(lock: dict) -> None:
    assert lock["version"] == 7
    assert lock["root"] == "root"
    assert lock["nodes"]["root"] == {"inputs": {"nixpkgs": "nixpkgs"}}


def test_nixpkgs_is_locked_to_the_pinned_revision(lock: dict) -> None:
    node = lock["nodes"]["nixpkgs"]
    assert node["locked"] == PINNED
    assert node["original"] == {
        "type": "github",
        "owner": "NixOS",
        "repo": "nixpkgs",
        "ref": "nixos-26.05",
    }


def test_the_flake_inputs_match_the_lock(nix_eval, lock: dict) -> None:
    flake = nix_eval(
        f"let flake = import {nix_path(REPO / 'flake.nix')}; in "
        "{ inherit (flake) description inputs; }"
    )
    assert set(flake["inputs"]) == set(lock["nodes"]["root"]["inputs"])
    original = lock["nodes"]["nixpkgs"]["original"]
    expected_url = f"github:{original['owner']}/{original['repo']}/{original['ref']}"
    assert flake["inputs"]["nixpkgs"] == {"url": expected_url}
    assert flake["description"]
