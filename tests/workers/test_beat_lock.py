"""Two beats: one holds the PostgreSQL advisory lock and schedules, the other waits and
says so; every scheduled run is sent once; killing the holder hands over. SIGTERM stops a
beat with 0. The beat's health check follows its heartbeat."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from postgres import connect_as_backend
from worker_support import message_is, poll, run_role, wait_for_line, worker_ready

pytestmark = pytest.mark.slow

HOLDING = "beat: holding the beat lock: scheduling"
WAITING = "beat: waiting for the beat lock: another beat is scheduling"


def tick_origins(env: dict[str, str]) -> list[str]:
    """The sender of every beat tick run so far, oldest first."""
    with connect_as_backend(env) as connection:
        rows = connection.execute(
            "SELECT origin FROM keelson_testing_work_taskrun WHERE note = 'tick' ORDER BY id"
        )
        return [origin for (origin,) in rows]


def pid_of(origin: str) -> int:
    """Celery names a sender gen<pid>@<host>."""
    return int(origin.split("@", 1)[0].removeprefix("gen"))


def beat_health(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_role(["healthcheck", "beat"], env)


@pytest.mark.once
def test_two_beats_schedule_each_run_once_and_killing_the_holder_hands_over(
    worker_env: dict[str, str], started, tmp_path
) -> None:
    worker = started(["worker"], worker_env, "worker")
    worker_ready(worker)
    # Each beat has its own /tmp, as each container has.
    envs = []
    for name in ("a", "b"):
        tmp = tmp_path / f"tmp-{name}"
        tmp.mkdir()
        envs.append({**worker_env, "TMPDIR": str(tmp)})
    first = started(["beat"], envs[0], "beat-a")
    wait_for_line(first, message_is(HOLDING))
    second = started(["beat"], envs[1], "beat-b")
    wait_for_line(second, message_is(WAITING))

    # Ticks every second for a while: all from the holder, none from the waiting beat.
    poll(lambda: len(tick_origins(worker_env)) >= 5, 30, "five ticks")
    time.sleep(2)  # the waiting beat has had two intervals to send a tick
    origins = tick_origins(worker_env)
    assert {pid_of(origin) for origin in origins} == {first.pid}
    assert not any(line["message"] == HOLDING for line in second.json_lines())

    health = [beat_health(env) for env in envs]
    assert [result.returncode for result in health] == [0, 0]
    assert "holds the beat lock and ticks" in health[0].stdout
    assert "waits for the beat lock (standby)" in health[1].stdout

    # The holder dies without a word: PostgreSQL drops its lock with its connection.
    first.kill_group()
    wait_for_line(second, message_is(HOLDING), timeout=30)
    seen = len(tick_origins(worker_env))
    poll(lambda: len(tick_origins(worker_env)) >= seen + 3, 30, "ticks from the new holder")
    after = tick_origins(worker_env)[seen:]
    assert {pid_of(origin) for origin in after} == {second.pid}

    second.signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    assert second.json_lines()[-1]["message"] == "beat: stopped"
    assert worker.stop(timeout=30) == 0


@pytest.mark.once
def test_a_waiting_beat_stops_with_0_on_sigterm_and_a_stale_heartbeat_is_unhealthy(
    worker_env: dict[str, str], started, tmp_path
) -> None:
    holder = started(["beat"], worker_env, "holder")
    wait_for_line(holder, message_is(HOLDING))
    other_tmp = tmp_path / "tmp-other"
    other_tmp.mkdir()
    other_env = {**worker_env, "TMPDIR": str(other_tmp)}
    waiting = started(["beat"], other_env, "waiting")
    wait_for_line(waiting, message_is(WAITING))
    waiting.signal(signal.SIGTERM)
    assert waiting.wait(timeout=30) == 0

    # The holder frozen: its heartbeat ages past six loop intervals.
    holder.signal(signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 60
        while (result := beat_health(worker_env)).returncode == 0:
            assert time.monotonic() < deadline, "the frozen beat stayed healthy"
            time.sleep(1)
        assert result.returncode == 1
        assert "the beat is stuck" in result.stdout
    finally:
        holder.signal(signal.SIGCONT)
    assert beat_health({**worker_env, "TMPDIR": str(tmp_path)}).returncode == 1, "no heartbeat"
