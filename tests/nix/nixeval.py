"""Paths and helpers shared by the Nix tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NIX_DIR = REPO / "nix"
BACKEND = REPO / "backend"
PATH_LITERAL = re.compile(r"(/[A-Za-z0-9._+-]+)+")


def nix_string(value: str | Path) -> str:
    """A Nix string literal holding `value`."""
    return json.dumps(str(value)).replace("${", "\\${")


def nix_path(path: Path) -> str:
    """A Nix path literal for an absolute path."""
    text = str(path.resolve())
    if not PATH_LITERAL.fullmatch(text):
        raise ValueError(f"{text} cannot be written as a Nix path literal")
    return text
