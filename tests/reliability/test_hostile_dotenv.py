"""`.env` files with $, quotes, =, spaces, CRLF, a UTF-8 BOM and duplicate keys: what
bash `set -a; . file` and a dotenv parser (python-dotenv) make of each. The outcomes are
the table in docs/BOOT_AND_RUNTIME.md ("`.env` files"); this test keeps them true."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values
from processes import REPO
from reliability_ledger import LEDGER

UNSET = None

# case: (file content, KEY after bash `set -a; . file`, KEY after python-dotenv)
CASES = {
    "dollar sign, unquoted": (b"KEY=va$lue\n", "va", "va$lue"),
    "single quotes": (b"KEY='a b $c'\n", "a b $c", "a b $c"),
    "double quotes, ${VAR}": (b'A=x\nKEY="${A}y $A"\n', "xy x", "xy $A"),
    "equals signs in the value": (b"KEY=a=b=c\n", "a=b=c", "a=b=c"),
    "unquoted space in the value": (b"KEY=a b\n", UNSET, "a b"),
    "spaces around =": (b"KEY = value\n", UNSET, "value"),
    "CRLF line endings": (b"KEY=value\r\nOTHER=x\r\n", "value\r", "value"),
    "UTF-8 BOM": (b"\xef\xbb\xbfKEY=value\n", UNSET, "value"),
    "duplicate keys": (b"KEY=first\nKEY=second\n", "second", "second"),
}


def bash_value(path: Path) -> str | None:
    result = subprocess.run(
        ["bash", "-c", 'set -a; . "$1"; [[ -v KEY ]] && printf "%s" "$KEY"', "_", str(path)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
    )
    return result.stdout.decode() if result.returncode == 0 else UNSET


@pytest.mark.parametrize("case", CASES)
def test_dotenv_file_outcome_is_the_documented_one(case: str, tmp_path: Path) -> None:
    content, in_bash, in_dotenv = CASES[case]
    LEDGER.bad_input(".env file")
    path = tmp_path / ".env"
    path.write_bytes(content)

    assert bash_value(path) == in_bash
    assert dotenv_values(path, interpolate=True).get("KEY") == in_dotenv


def test_the_outcomes_are_documented() -> None:
    text = (REPO / "docs" / "BOOT_AND_RUNTIME.md").read_text(encoding="utf-8")
    section = text.partition("## `.env` files")[2]
    assert section, "docs/BOOT_AND_RUNTIME.md has no '`.env` files' section"
    for case in CASES:
        assert f"| {case} |" in section, case
