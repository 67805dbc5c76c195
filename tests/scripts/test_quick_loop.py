"""scripts/test --quick: lint, then the tests that need no Docker engine, no systemd, no
chroot and no load. What it selects, seen through pytest's own collection: at least half
of the suite, nothing of tests/container or tests/systemd, none of the `slow` tests."""

from __future__ import annotations

import os
import subprocess

import pytest
from processes import BIN, REPO

pytestmark = pytest.mark.slow


def collected(command: list[str]) -> list[str]:
    """The test ids `command` (a pytest run given `--collect-only -q`) collects."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    result = subprocess.run(
        [*command, "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_the_quick_loop_collects_half_the_suite_and_no_engine_or_slow_test() -> None:
    quick = collected(["bash", "scripts/test", "--quick"])
    everything = collected([str(BIN / "python"), "-m", "pytest"])
    slow = set(collected([str(BIN / "python"), "-m", "pytest", "-m", "slow or once"]))
    assert len(quick) * 2 >= len(everything), f"{len(quick)} of {len(everything)} tests"
    assert not [test for test in quick if test.startswith(("tests/container/", "tests/systemd/"))]
    assert not slow & set(quick)
