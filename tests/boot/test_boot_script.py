"""The script itself: shellcheck as writeShellApplication runs it, the sourced guard,
JSON quoting, and tools from PATH only."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from boot_support import BOOT

# What writeShellApplication puts before `text` (nixpkgs trivial-builders), with the
# PATH line in both forms (inheritPath true and false).
WRITE_SHELL_APPLICATION_HEADERS = [
    '#!/nix/store/x-bash/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n\nexport PATH="/nix/store/x-boot-inputs/bin:$PATH"\n\n',
    '#!/nix/store/x-bash/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n\nexport PATH="/nix/store/x-boot-inputs/bin"\n\n',
]


@pytest.mark.parametrize("header", WRITE_SHELL_APPLICATION_HEADERS, ids=["inherit-path", "pure"])
def test_shellcheck_passes_as_write_shell_application_runs_it(header: str, tmp_path: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is not installed (scripts/bootstrap installs it)")
    generated = tmp_path / "boot"
    generated.write_text(header + BOOT.read_text())
    for script in (generated, BOOT):
        result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout


def test_no_tool_is_called_by_an_absolute_path() -> None:
    code = [line for line in BOOT.read_text().splitlines()[1:] if not line.lstrip().startswith("#")]
    absolute = [line for line in code if re.search(r"(^|[\s;|&(])/(usr|bin|sbin|nix|opt)/", line)]
    assert absolute == []


def sourced(snippet: str) -> subprocess.CompletedProcess:
    """Run one function of the script: sourcing it must not run main."""
    return subprocess.run(
        ["bash", "-c", f'source "{BOOT}"; {snippet}'],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        timeout=10,
    )


NASTY = [
    "plain",
    'quote " and backslash \\ and \\"',
    "tab\tnewline\ncarriage\rreturn",
    "controls \x01\x02\x1b\x1f and DEL \x7f",
    "unicode: ünïcødé ✓ 𝄞",
    '{"json": [1, 2]} ${HOME} $(echo no) `echo no`',
    "",
]


def test_sourcing_runs_no_command_and_log_writes_valid_json_for_any_text() -> None:
    args = " ".join(f"$'{escape_for_ansi_c(text)}'" for text in NASTY)
    result = sourced(f'for text in {args}; do log INFO "$text" "field=$text" step=test; done')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(NASTY), "sourcing must not run main"
    for text, line in zip(NASTY, lines, strict=True):
        parsed = json.loads(line)
        assert parsed["message"] == text
        assert parsed["field"] == text
        assert parsed["logger"] == "boot"
        assert list(parsed)[:5] == ["timestamp", "level", "logger", "message", "request_id"]


def escape_for_ansi_c(text: str) -> str:
    return "".join(
        f"\\x{ord(char):02x}" if ord(char) < 0x20 or char in "'\\\x7f" else char for char in text
    )


def test_log_timestamps_are_utc_iso_8601_with_milliseconds() -> None:
    result = sourced("TZ=Asia/Tokyo; export TZ; log INFO hello")
    stamp = json.loads(result.stdout)["timestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", stamp)
    # Whatever TZ says, the clock read is UTC's.
    assert abs(datetime.fromisoformat(stamp) - datetime.now(UTC)) < timedelta(seconds=10)


def test_boxed_warning_rows_are_one_width() -> None:
    result = sourced('warn_boxed "short" "a somewhat longer row of the box"')
    rows = [json.loads(line)["message"] for line in result.stdout.splitlines()]
    assert len(rows) == 4
    assert len({len(row) for row in rows}) == 1
    assert rows[0] == rows[-1] == "*" * 78
