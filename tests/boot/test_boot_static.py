"""collectstatic at boot collects once, then skips while the sources are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from boot_support import boot_lines, bound_port
from httpclient import wait_for_status
from ports import free_port

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


def test_replicas_sharing_a_static_root_collect_once_and_all_serve(
    boot_env: dict[str, str], started, tmp_path: Path
) -> None:
    root = tmp_path / "shared-static-root"
    envs = [
        {
            **boot_env,
            "RUN_MIGRATIONS": "0",
            "RUN_COLLECTSTATIC": "1",
            "STATIC_ROOT": str(root),
            "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        }
        for _ in range(3)
    ]
    boots = [started(env, name=f"replica-{n}") for n, env in enumerate(envs)]
    for env in envs:
        wait_for_status(bound_port(env), "/health/", timeout=90)
    for boot in boots:
        assert boot.stop() == 0

    steps = [
        [line for line in boot_lines(boot) if line.get("step") == "collectstatic"] for boot in boots
    ]
    outcomes = [lines[-1] for lines in steps]
    collected = [line for line in outcomes if "static files copied" in line["message"]]
    assert len(collected) == 1, outcomes
    assert all(line.get("skipped") for line in outcomes if line not in collected), outcomes
    assert (root / "staticfiles.json").is_file()
