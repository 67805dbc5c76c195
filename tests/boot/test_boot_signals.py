"""Signals: a signal ends the boot while it waits; gunicorn drains requests after exec."""

from __future__ import annotations

import signal
import threading

import pytest
from boot_support import (
    SIGNAL_EXIT_WITHIN,
    boot_lines,
    bound_port,
    wait_for_exit,
    wait_for_line,
)
from httpclient import Response, request, wait_for_status
from ports import free_port

pytestmark = pytest.mark.slow


def waiting_for_postgres(line: dict) -> bool:
    return line["message"].startswith("waiting for PostgreSQL")


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_signal_during_the_postgres_wait_ends_the_boot(boot_env, started, signum, code) -> None:
    boot = started({**boot_env, "POSTGRES_PORT": str(free_port()), "POSTGRES_WAIT_TIMEOUT": "60"})
    wait_for_line(boot, waiting_for_postgres)
    boot.signal(signum)
    exit_code, seconds = wait_for_exit(boot, timeout=30)
    assert exit_code == code
    assert seconds < SIGNAL_EXIT_WITHIN, f"exited {seconds:.1f} s after the signal"
    last = boot_lines(boot)[-1]
    assert last["exit_code"] == code
    assert signum.name in last["message"]


def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(boot_env, started) -> None:
    # Plain http on loopback: no redirect to https for the test view.
    env = {
        **boot_env,
        "DJANGO_SETTINGS_MODULE": "keelson_testing.settings",
        "SECURE_SSL_REDIRECT": "0",
    }
    boot = started(env)
    port = bound_port(env)
    wait_for_status(port, "/ready/", 200, timeout=60)

    answers: list[Response] = []
    slow = threading.Thread(
        target=lambda: answers.append(request(port, "/test/slow/?seconds=2", timeout=30))
    )
    slow.start()
    wait_for_line(boot, lambda line: line["message"].startswith("slow request started"))
    boot.signal(signal.SIGTERM)
    code, _ = wait_for_exit(boot, timeout=35)
    slow.join(timeout=5)
    assert code == 0
    assert len(answers) == 1
    assert answers[0].status == 200
    assert answers[0].json() == {"slept": 2.0}
