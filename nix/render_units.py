"""Writes the unit files of docs/deploy/systemd/ from nix/host-units.nix, the same way the
tests render them (nix-instantiate, no nixpkgs). `--check` writes nothing and exits 1 when
a file differs from what Nix renders.

usage: python nix/render_units.py [--check]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOST_UNITS = REPO / "nix" / "host-units.nix"
UNITS_DIR = REPO / "docs" / "deploy" / "systemd"


def rendered_units() -> dict[str, str]:
    """File name -> text, as nix/host-units.nix renders them."""
    result = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "--readonly-mode", str(HOST_UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    stale = []
    for name, text in rendered_units().items():
        path = UNITS_DIR / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not check:
            path.write_text(text, encoding="utf-8")
    for name in stale:
        print(f"{UNITS_DIR.relative_to(REPO) / name}: {'differs' if check else 'written'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
