"""collectstatic at boot collects once, then skips while the sources are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from boot_support import boot_lines, bound_port
from httpclient import wait_for_status

pytestmark = pytest.mark.slow


def collectstatic_line(env: dict[str, str], started) -> dict:
    process = started(env)
    wait_for_status(bound_port(env), "/health/", timeout=60)
    assert process.stop() == 0
    [line] = [line for line in boot_lines(process) if line.get("step") == "collectstatic"]
    return line


def test_collectstatic_skips_unchanged_sources_and_recollects_a_damaged_root(
    boot_env: dict[str, str], started, tmp_path: Path
) -> None:
    root = tmp_path / "static-root"
    env = {**boot_env, "RUN_MIGRATIONS": "0", "RUN_COLLECTSTATIC": "1", "STATIC_ROOT": str(root)}

    first = collectstatic_line(env, started)
    assert "static files copied" in first["message"]
    assert "skipped" not in first

    second = collectstatic_line(env, started)
    assert second["message"] == "static files unchanged since the last collection: skipped"
    assert second["skipped"] is True

    (root / "staticfiles.json").unlink()
    third = collectstatic_line(env, started)
    assert "static files copied" in third["message"]
    assert (root / "staticfiles.json").is_file()
