"""`boot serve` supervises a stock gunicorn and nginx: gunicorn's documented signals reach
it through the boot's process (PID 1 in the container), liveness follows the workers
gunicorn's hooks report, and gunicorn exiting on its own stops the front."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from httpclient import request
from ports import port_is_open
from reliability_ledger import LEDGER
from reliability_support import Watch, start_fronted, wait_until

pytestmark = pytest.mark.slow


def test_gunicorns_documented_signals_reach_it_through_the_boot(
    app_env, tmp_path: Path, watch: Watch
) -> None:
    served = start_fronted(app_env(), tmp_path, watch, workers=2)
    master = served.gunicorn_master()

    served.process.signal(signal.SIGTTIN)
    wait_until(lambda: len(served.workers()) == 3, 30, "SIGTTIN added no worker")
    wait_until(
        lambda: served.liveness_workers() == {"alive": 3, "running": 3},
        30,
        "liveness did not count the third worker",
    )
    served.process.signal(signal.SIGTTOU)
    wait_until(lambda: len(served.workers()) == 2, 30, "SIGTTOU removed no worker")
    wait_until(
        lambda: served.liveness_workers() == {"alive": 2, "running": 2},
        30,
        "liveness still counts the removed worker",
    )

    before = served.workers()
    served.process.signal(signal.SIGHUP)
    LEDGER.fault("SIGHUP to the boot (gunicorn reloads)")
    wait_until(
        lambda: not (served.workers() & before) and len(served.workers()) == 2,
        60,
        "SIGHUP did not replace the workers",
    )
    assert served.gunicorn_master() == master, "the reload kept gunicorn's master"
    assert request(served.port, "/health/").status == 200

    served.process.signal(signal.SIGQUIT)
    assert served.process.wait(timeout=30) == 0
    assert not port_is_open(served.port)
    lines = served.process.json_lines()
    assert all(line["level"] not in ("ERROR", "CRITICAL") for line in lines), lines


def test_gunicorn_exiting_on_its_own_stops_the_front_and_the_boot(
    app_env, tmp_path: Path, watch: Watch
) -> None:
    served = start_fronted(app_env(), tmp_path, watch, workers=2)
    LEDGER.fault("gunicorn's master killed with SIGKILL")
    os.kill(served.gunicorn_master(), signal.SIGKILL)
    assert served.process.wait(timeout=60) == 128 + signal.SIGKILL
    assert not port_is_open(served.port)
    messages = [line["message"] for line in served.process.json_lines()]
    assert "gunicorn exited (137): stopping the front" in messages
