"""Fault 5: log files on a missing, read-only or full directory (*_LOG_TO_FILES=1).

Boot refuses with exit 78 and one line naming the flag and the path; a disk that fills
up while serving never fails a request and never prints a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import REPO, Process, gunicorn
from reliability_ledger import LEDGER
from reliability_load import send
from reliability_support import APP_HEADERS, Watch
from tmpfs import tmpfs

pytestmark = pytest.mark.slow

EXIT_CONFIG = 78
FLAGS = ("GUNICORN_LOG_TO_FILES", "DJANGO_LOG_TO_FILES")


def fill(directory: Path) -> None:
    """Write until the file system says it is full."""
    chunk = b"\0" * 65536
    with open(directory / "filler", "wb", buffering=0) as filler:
        while True:
            try:
                filler.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                return


@contextlib.contextmanager
def log_dir_in_state(state: str, base: Path) -> Iterator[Path]:
    if state == "missing":
        yield base / "does-not-exist"
    elif state == "read-only":
        with tmpfs(base / "ro", "ro,size=1m") as path:
            yield path
    else:
        with tmpfs(base / "full", "size=256k") as path:
            fill(path)
            yield path


@pytest.mark.parametrize("state", ["missing", "read-only", "full"])
@pytest.mark.parametrize("flag", FLAGS)
def test_unusable_log_dir_is_a_boot_error_naming_flag_and_path(
    app_env, serve, watch: Watch, tmp_path: Path, flag: str, state: str
) -> None:
    env = app_env()
    with log_dir_in_state(state, tmp_path) as log_dir:
        LEDGER.fault(f"log directory {state}")
        LEDGER.bad_input("unusable LOG_DIR")
        process = watch.process(
            gunicorn({**env, flag: "1", "LOG_DIR": str(log_dir)}, tmp_path, name=f"boot-{flag}")
        )
        code = process.wait(timeout=60)
        lines = process.json_lines()

    assert code == EXIT_CONFIG
    assert len(lines) == 1, lines
    assert lines[0]["variable"] == flag
    assert lines[0]["message"].startswith(f"{flag} is 1 but ")
    assert str(log_dir) in lines[0]["message"]


def test_disk_filling_up_while_serving_fails_no_request(
    app_env, serve, watch: Watch, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "logs", "size=2m") as log_dir:
        served = serve(
            app_env(), GUNICORN_LOG_TO_FILES="1", DJANGO_LOG_TO_FILES="1", LOG_DIR=str(log_dir)
        )
        assert send(served.port, "/test/log/", headers=dict(APP_HEADERS)).status == 200
        fill(log_dir)
        LEDGER.fault("log disk full while serving")
        outcomes = [
            send(served.port, path, headers=dict(APP_HEADERS))
            for path in ["/test/log/", "/health/", "/test/error/"] * 20
        ]
        for outcome in outcomes:
            watch.outcome(outcome)
        served.process.stop()

    assert [o.status for o in outcomes] == [200, 200, 500] * 20
    complaints = [json.loads(line) for line in served.process.stderr().splitlines()]
    unwritable = [line for line in complaints if "cannot be written" in line["message"]]
    assert unwritable, complaints
    assert all(line["level"] == "ERROR" for line in unwritable)
    # Once per log file and process, not once per lost line.
    assert len(unwritable) <= 3 * len(FLAGS) * 2, unwritable


@pytest.mark.parametrize("flag", FLAGS)
def test_boot_script_refuses_a_missing_log_dir_with_one_error_line(
    app_env, watch: Watch, tmp_path: Path, flag: str
) -> None:
    """The same fault through the image's entrypoint: nix/boot.sh."""
    missing = tmp_path / "no-logs-here"
    env = {**app_env(), flag: "1", "LOG_DIR": str(missing), "RUN_COLLECTSTATIC": "0"}
    LEDGER.fault("log directory missing")
    LEDGER.bad_input("unusable LOG_DIR")
    boot = watch.process(Process(["bash", str(REPO / "nix" / "boot.sh")], env, tmp_path, "boot"))

    assert boot.wait(timeout=120) == EXIT_CONFIG
    errors = [line for line in boot.json_lines() if line["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert errors[0]["message"].startswith(f"{flag} is 1 but ")
    assert str(missing) in errors[0]["message"]
