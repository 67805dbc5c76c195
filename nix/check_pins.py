"""Checks that the running Python environment has exactly the versions a requirements
file pins (`name==version` lines). Nix runs it in the image's environment
(checks.python-pins); one line per mismatch, exit 1.

usage: python check_pins.py REQUIREMENTS_FILE
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


def pins(requirements: Path) -> list[tuple[str, str]]:
    """The (name, version) of every `name==version` line; comments and -r lines skipped."""
    found = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def mismatches(wanted: list[tuple[str, str]]) -> list[str]:
    problems = []
    for name, pinned in wanted:
        try:
            installed = version(name)
        except PackageNotFoundError:
            problems.append(f"{name} is pinned to {pinned} but not installed")
            continue
        if installed != pinned:
            problems.append(f"{name} is pinned to {pinned} but {installed} is installed")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: check_pins.py REQUIREMENTS_FILE", file=sys.stderr)
        return 64
    requirements = Path(argv[1])
    wanted = pins(requirements)
    if not wanted:
        print(f"{requirements} pins nothing (no name==version lines)", file=sys.stderr)
        return 1
    problems = mismatches(wanted)
    for problem in problems:
        print(f"{problem}. Hint: update {requirements.name} or the nixpkgs pin", file=sys.stderr)
    if problems:
        return 1
    print(f"{len(wanted)} pins match: " + ", ".join(f"{n}=={v}" for n, v in wanted))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
