"""Evaluating the project's Nix code with the machine's nix-instantiate, without nixpkgs.

Only the pure parts are evaluated here (the source rule, the image config, plain data);
`nix build` cannot run without a binary cache. Tests that need nix-instantiate skip,
saying so, when it is absent (scripts/bootstrap installs Debian's nix-bin).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import nixexpr
import pytest

NixEval = Callable[[str], Any]


@pytest.fixture(scope="session")
def nix_instantiate() -> str:
    found = shutil.which("nix-instantiate")
    if not found:
        pytest.skip("nix-instantiate is not installed (scripts/bootstrap installs nix-bin)")
    return found


@pytest.fixture(scope="session")
def nix_eval(nix_instantiate: str) -> NixEval:
    """Evaluates a Nix expression strictly, without writing to the store: its JSON value."""
    return nixexpr.nix_eval
