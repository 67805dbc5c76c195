"""The script itself: a thin door (exec the Python boot), shellcheck-clean as
writeShellApplication generates it, tools from PATH only, and it runs on a bash without
the readline builtins, as the image's."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from boot_support import BOOT, READLINE_BUILTINS, bash, image_like, run_boot

# What writeShellApplication puts before `text` (nixpkgs trivial-builders), with the
# PATH line in both forms (inheritPath true and false).
WRITE_SHELL_APPLICATION_HEADERS = [
    '#!/nix/store/x-bash/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n\nexport PATH="/nix/store/x-boot-inputs/bin:$PATH"\n\n',
    '#!/nix/store/x-bash/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n\nexport PATH="/nix/store/x-boot-inputs/bin"\n\n',
]


def code_lines() -> list[str]:
    return [
        line
        for line in BOOT.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
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
    absolute = [
        line for line in code_lines() if re.search(r"(^|[\s;|&(])/(usr|bin|sbin|nix|opt)/", line)
    ]
    assert absolute == []


def test_the_script_only_sets_bash_options_and_execs_the_python_boot() -> None:
    assert code_lines() == [
        "set -o errexit -o nounset -o pipefail",
        'exec python -m keelson "$@"',
    ]


def test_the_test_bash_lacks_the_readline_builtins_like_the_images(tmp_path: Path) -> None:
    # Guards the other boot tests: they run the script under this bash.
    env = image_like({}, tmp_path)
    for builtin in READLINE_BUILTINS:
        result = subprocess.run(
            [bash(), "-c", f"{builtin} -h"], env=env, capture_output=True, text=True
        )
        assert result.returncode != 0
        assert "not found" in result.stderr


def test_the_image_path_has_no_system_tools(tmp_path: Path) -> None:
    env = image_like({}, tmp_path)
    result = subprocess.run(
        [bash(), "-c", "type -P python pg_isready; type -P cat sed perl || true"],
        env=env,
        capture_output=True,
        text=True,
    )
    found = result.stdout.split()
    assert [Path(path).name for path in found] == ["python", "pg_isready"]


def test_usage_error_under_the_image_bash_is_one_json_line(tmp_path: Path) -> None:
    result = run_boot({}, tmp_path, "bogus")
    assert result.returncode == 64
    assert result.stderr == ""
    [line] = result.stdout.splitlines()
    assert '"logger": "boot"' in line
    assert "unknown command 'bogus'" in line
