"""The boot's serving process with metrics and the drain: its steps timed as metrics,
SIGTERM before serving still 143, after serving a drain then exit 0."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from boot_support import (
    SIGNAL_EXIT_WITHIN,
    bound_port,
    messages,
    wait_for_exit,
    wait_for_line,
)
from httpclient import request, wait_for_status
from metrics_support import (
    await_draining,
    metrics_overrides,
    metrics_port,
    scrape_until,
)
from ports import free_port, port_is_open

pytestmark = pytest.mark.slow

DRAIN = 3


def test_the_boot_exposes_how_long_each_of_its_steps_took(
    boot_env, started, tmp_path: Path
) -> None:
    env = {**boot_env, **metrics_overrides(tmp_path / "metrics")}
    boot = started(env)
    wait_for_status(bound_port(env), "/ready/", 200, timeout=30)
    steps = scrape_until(
        metrics_port(env),
        lambda s: "listen" in step_seconds(s),
        10,
        "every boot step exposed",
    )
    seconds = step_seconds(steps)
    # RUN_COLLECTSTATIC=0 (the image's setting): no collectstatic step.
    assert set(seconds) == {
        "validate",
        "wait_postgres",
        "django_setup",
        "connect",
        "migrate",
        "listen",
    }, seconds
    assert all(0 <= value < 60 for value in seconds.values()), seconds
    assert seconds["django_setup"] > 0
    assert boot.stop() == 0


def step_seconds(scrape) -> dict[str, float]:
    return {
        dict(labels)["step"]: value
        for labels, value in scrape.samples.get("keelson_boot_step_seconds", {}).items()
    }


def test_sigterm_to_the_serving_boot_drains_then_exits_0(boot_env, started, tmp_path: Path) -> None:
    env = {**boot_env, "DRAIN_SECONDS": str(DRAIN), "GUNICORN_WORKERS": "2"}
    boot = started(env)
    port = bound_port(env)
    wait_for_status(port, "/ready/", 200, timeout=30)
    signalled = time.monotonic()
    boot.signal(signal.SIGTERM)
    draining = await_draining(boot, port)
    assert draining.json() == {"status": "draining"}
    while time.monotonic() - signalled < DRAIN - 0.5:
        assert boot.running(), "the boot stopped before the drain was over"
        assert request(port, "/health/").status == 200
        time.sleep(0.1)
    code, _ = wait_for_exit(boot, timeout=DRAIN + 20)
    assert code == 0
    assert time.monotonic() - signalled >= DRAIN - 0.5
    assert not port_is_open(port)
    said = [line["message"] for line in boot.json_lines()]
    assert any(message.startswith(f"SIGTERM: draining for {DRAIN} s") for message in said)
    assert "drain over: graceful stop" in said


def test_sigterm_before_serving_still_exits_143_without_draining(
    boot_env, started, tmp_path: Path
) -> None:
    env = {**boot_env, "DRAIN_SECONDS": "30", **metrics_overrides(tmp_path / "metrics")}
    # Nothing listens there: the boot is still waiting for PostgreSQL.
    env["POSTGRES_PORT"] = str(free_port())
    boot = started(env)
    wait_for_line(boot, lambda line: line["message"].startswith("waiting for PostgreSQL"))
    boot.signal(signal.SIGTERM)
    code, took = wait_for_exit(boot, timeout=30)
    assert code == 143
    assert took < SIGNAL_EXIT_WITHIN, f"exited {took:.1f} s after SIGTERM"
    assert "boot interrupted by SIGTERM before gunicorn started" in messages(boot)
