"""docs/deploy/systemd/'s units under a real systemd (PID 1 of a Debian container), with
Keelson installed as its README says: what an operator sees."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from systemd_host import SystemdHost, poll
from systemd_report import FIGURES

pytestmark = pytest.mark.slow

WEB = "keelson-web.service"
MIGRATE = "keelson-migrate.service"
SETTINGS = "/etc/keelson/keelson.env"
SEED_UNIT = Path(__file__).parent / "seed-app.service"
EXPOSURE_GOAL = 2.0


def restart_web(host: SystemdHost) -> subprocess.CompletedProcess:
    return host.run(f"systemctl restart {WEB}", check=False, timeout=240)


def nginx_control_groups(host: SystemdHost) -> list[str]:
    """The control group of every nginx process on the host (cgroup v1 or v2 alike)."""
    script = (
        "for comm in /proc/[0-9]*/comm; do"
        ' [ "$(cat "$comm" 2>/dev/null)" = nginx ] || continue;'
        ' tail -n 1 "${comm%/comm}/cgroup" 2>/dev/null || true;'
        " done"
    )
    return host.run(script).stdout.split()


@pytest.fixture
def settings(systemd_host: SystemdHost) -> Iterator[str]:
    """The settings file, put back (and the web unit running again) after the test."""
    original = systemd_host.read_file(SETTINGS)
    yield original
    systemd_host.write_file(SETTINGS, original)
    systemd_host.run(f"systemctl reset-failed {WEB}", check=False)
    result = restart_web(systemd_host)
    assert result.returncode == 0, result.stderr


def test_migrate_runs_once_then_web_is_active_and_ready(systemd_host: SystemdHost) -> None:
    assert systemd_host.show(MIGRATE, "Result") == "success"
    assert systemd_host.show(MIGRATE, "ExecMainStatus") == "0"
    done = [
        record
        for record in systemd_host.journal_records(MIGRATE)
        if record.get("message") == "migrations done"
    ]
    assert len(done) == 1
    assert systemd_host.show(WEB, "ActiveState") == "active"
    # Type=notify: READY=1 came from the boot's process once the front listened (its
    # status text, same datagram); that process is gunicorn's arbiter, the unit's main
    # process, and nginx is its child.
    assert systemd_host.show(WEB, "StatusText") == "serving: the front and gunicorn are ready"
    main_pid = systemd_host.show(WEB, "MainPID")
    command = systemd_host.read_file(f"/proc/{main_pid}/cmdline").split("\0")
    # nix/boot.sh's `exec python -m keelson`: the venv's keelson package, in this process.
    assert command[-4:-1] == ["-m", "keelson", "serve"], command
    status, body = systemd_host.http("/ready/")
    assert status == 200, body
    assert '"status": "ready"' in body
    # The front runs in the unit's own control group, so systemd accounts for it and a
    # stop that overran TimeoutStopSec would kill it too.
    # (every nginx of the host: Debian's own nginx.service stays disabled, as the guide says).
    groups = nginx_control_groups(systemd_host)
    assert groups, "no nginx process: the front is not running"
    assert all(group.endswith(f"/{WEB}") for group in groups), groups
    # Every line the web unit's processes wrote is one JSON object.
    records = systemd_host.journal_records(WEB)
    assert any(record.get("message") == "starting gunicorn behind the front" for record in records)


def test_log_files_appear_in_the_logs_directory_owned_by_the_service_user(
    systemd_host: SystemdHost, settings: str
) -> None:
    systemd_host.write_file(SETTINGS, settings + "DJANGO_LOG_TO_FILES=1\nGUNICORN_LOG_TO_FILES=1\n")
    result = restart_web(systemd_host)
    assert result.returncode == 0, result.stderr
    # /ready/ reaches a gunicorn worker (/health/ is answered by the master behind the front).
    assert systemd_host.http("/ready/")[0] == 200
    expected = {"django.log", "gunicorn_access.log", "gunicorn_error.log"}

    def log_files() -> dict[str, list[str]] | None:
        listing = systemd_host.run(
            "stat --format '%n %U %G %a' /var/log/keelson/*.log", check=False
        ).stdout
        found = {Path(line.split()[0]).name: line.split()[1:] for line in listing.splitlines()}
        return found if set(found) >= expected else None

    found = poll("the log files in /var/log/keelson", log_files, timeout=10)
    for name in expected:
        user, group, mode = found[name]
        assert (user, group) == ("keelson", "keelson"), name
        assert mode == "640", name
    access = poll(
        "the /ready/ request in gunicorn_access.log",
        lambda: "/ready/" in systemd_host.read_file("/var/log/keelson/gunicorn_access.log") or None,
        timeout=10,
    )
    assert access


@pytest.mark.parametrize(
    ("line", "message"),
    [
        # A syntax error (the seed's generated file had `NAME==value`).
        ("DJANGO_LOG_TO_FILES==1", "DJANGO_LOG_TO_FILES must be 0, 1, true or false, not '=1'"),
        # A bad value of gunicorn's.
        ("GUNICORN_WORKERS=lots", "GUNICORN_WORKERS must be a whole number, not 'lots'"),
    ],
    ids=["syntax-error", "bad-gunicorn-value"],
)
def test_a_bad_settings_file_fails_migrate_once_with_one_line_and_web_never_starts(
    systemd_host: SystemdHost, settings: str, line: str, message: str
) -> None:
    """Every command of the boot judges the whole contract, gunicorn's settings too:
    keelson-migrate refuses the file first, and keelson-web, which requires it, never
    starts."""
    failing_unit = MIGRATE
    cursor = systemd_host.journal_cursor()
    systemd_host.write_file(SETTINGS, settings + line + "\n")
    result = restart_web(systemd_host)
    assert result.returncode != 0
    assert systemd_host.show(failing_unit, "ActiveState") == "failed"
    assert systemd_host.show(failing_unit, "Result") == "exit-code"
    # No restart loop: past RestartSec nothing was restarted and nothing serves.
    restart_seconds = int(systemd_host.show(WEB, "RestartUSec").removesuffix("s"))
    deadline = time.monotonic() + restart_seconds + 3
    while time.monotonic() < deadline:
        for unit in (WEB, MIGRATE):
            assert systemd_host.show(unit, "NRestarts") == "0", unit
        assert systemd_host.show(WEB, "ActiveState") in ("failed", "inactive")
        time.sleep(0.5)
    lines = systemd_host.journal(unit=failing_unit, after=cursor)
    matching = [text for text in lines if message in text]
    assert len(matching) == 1, lines
    assert '"exit_code": 78' in matching[0]
    assert not any("Traceback" in text for text in lines)
    assert not any(
        "starting gunicorn" in text for text in systemd_host.journal(unit=WEB, after=cursor)
    )


def test_a_setting_refused_by_boot_check_before_start_does_not_restart(
    systemd_host: SystemdHost,
) -> None:
    """RestartPreventExitStatus= does not cover ExecStartPre=: with Restart=on-failure a
    refusal by `boot check` would restart until the start limit. Given to the web unit
    alone, so keelson-migrate passes and the check itself refuses it."""
    drop_in = "/run/systemd/system/keelson-web.service.d/bad-setting.conf"
    systemd_host.run(f"mkdir -p {Path(drop_in).parent}")
    systemd_host.write_file(
        drop_in, '[Service]\nEnvironment="DJANGO_LOG_TO_FILES==1"\n', mode="0644"
    )
    systemd_host.run("systemctl daemon-reload")
    cursor = systemd_host.journal_cursor()
    try:
        assert restart_web(systemd_host).returncode != 0
        assert systemd_host.show(MIGRATE, "Result") == "success"
        restart_seconds = int(systemd_host.show(WEB, "RestartUSec").removesuffix("s"))
        deadline = time.monotonic() + restart_seconds + 3
        while time.monotonic() < deadline:
            assert systemd_host.show(WEB, "NRestarts") == "0"
            assert systemd_host.show(WEB, "ActiveState") == "failed"
            time.sleep(0.5)
        lines = systemd_host.journal(unit=WEB, after=cursor)
        refused = [text for text in lines if "DJANGO_LOG_TO_FILES must be 0, 1" in text]
        assert len(refused) == 1, lines
        # ExecStartPre= failed: the server itself never started.
        assert not any("starting gunicorn" in text for text in lines)
    finally:
        systemd_host.run(f"rm -f {drop_in} && systemctl daemon-reload")
        systemd_host.run(f"systemctl reset-failed {WEB} && systemctl start {WEB}", timeout=240)


def test_the_secrets_never_show_in_systemctl_the_journal_or_the_environment(
    systemd_host: SystemdHost,
) -> None:
    secrets = [
        systemd_host.read_file(f"/etc/keelson/credentials/{name}").strip()
        for name in ("secret_key", "postgres_password")
    ]
    assert all(len(secret) >= 24 for secret in secrets)
    shown = systemd_host.run(f"systemctl show {WEB} {MIGRATE}").stdout
    journal = "\n".join(systemd_host.journal())
    environs = systemd_host.run(
        "for process in /proc/[0-9]*; do"
        " if [[ $(stat --format %U $process) == keelson ]]; then"
        " tr '\\0' '\\n' < $process/environ || true; fi; done"
    ).stdout
    # The service does use them: through the credentials directory, by file name.
    assert "SECRET_KEY_FILE=/run/credentials/keelson-web.service/secret_key" in environs
    assert systemd_host.http("/ready/")[0] == 200
    for secret in secrets:
        assert secret not in shown
        assert secret not in journal
        assert secret not in environs


def test_stop_lets_an_in_flight_request_finish_and_exits_0(systemd_host: SystemdHost) -> None:
    # The test-only slow endpoint (tests/support/keelson_testing), for this test only.
    drop_in = "/run/systemd/system/keelson-web.service.d/slow-endpoint.conf"
    systemd_host.run(f"mkdir -p {Path(drop_in).parent}")
    systemd_host.write_file(
        drop_in,
        "[Service]\n"
        'Environment="DJANGO_SETTINGS_MODULE=keelson_testing.settings"'
        ' "PYTHONPATH=/opt/keelson/tests/support"\n',
        mode="0644",
    )
    systemd_host.run("systemctl daemon-reload")
    try:
        assert restart_web(systemd_host).returncode == 0
        cursor = systemd_host.journal_cursor()
        request = systemd_host.engine.popen(
            "exec", systemd_host.name, "curl", "--silent", "--max-time", "30",
            "--header", "Host: localhost", "--header", "X-Forwarded-Proto: https",
            "--write-out", "\n%{http_code}", "http://127.0.0.1:8000/test/slow/?seconds=3",
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        poll(
            "the slow request in a worker's hands",
            lambda: any(
                "slow request started" in line
                for line in systemd_host.journal(unit=WEB, after=cursor)
            )
            or None,
            timeout=15,
        )
        started = time.monotonic()
        systemd_host.run(f"systemctl stop {WEB}", timeout=120)
        stop_seconds = time.monotonic() - started
        body, _, status = request.communicate(timeout=30)[0].rpartition("\n")
        assert status == "200", body
        assert '"slept": 3.0' in body
        assert systemd_host.show(WEB, "Result") == "success"
        assert systemd_host.show(WEB, "ExecMainStatus") == "0"
        # Nothing of the unit outlives it: the boot stopped its front itself.
        assert nginx_control_groups(systemd_host) == []
        limit = int(systemd_host.show(WEB, "TimeoutStopUSec").removesuffix("s"))
        assert stop_seconds < limit
        FIGURES["systemctl stop with a 3 s request in flight"] = (
            f"{stop_seconds:.1f} s (TimeoutStopSec {limit} s)"
        )
    finally:
        systemd_host.run(f"rm -f {drop_in} && systemctl daemon-reload")
        systemd_host.run(f"systemctl start {WEB}", timeout=240)


def test_systemd_analyze_verify_is_clean(systemd_host: SystemdHost) -> None:
    result = systemd_host.run(
        f"systemd-analyze verify /etc/systemd/system/{MIGRATE} /etc/systemd/system/{WEB} 2>&1",
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == ""


def exposure(systemd_host: SystemdHost, unit: str) -> float:
    output = systemd_host.run(f"systemd-analyze security --no-pager {unit}", check=False).stdout
    match = re.search(rf"Overall exposure level for {re.escape(unit)}: (\d+\.\d+)", output)
    assert match, output
    return float(match.group(1))


def test_exposure_is_ok_and_far_below_the_seed_units(systemd_host: SystemdHost) -> None:
    systemd_host.copy_in(SEED_UNIT, f"/etc/systemd/system/{SEED_UNIT.name}")
    systemd_host.run("systemctl daemon-reload")
    web, migrate = exposure(systemd_host, WEB), exposure(systemd_host, MIGRATE)
    seed = exposure(systemd_host, SEED_UNIT.name)
    FIGURES["systemd-analyze security (exposure, 0 best, 10 worst)"] = (
        f"keelson-web {web}, keelson-migrate {migrate}; the seed's unit {seed}"
    )
    assert web <= EXPOSURE_GOAL
    assert migrate <= EXPOSURE_GOAL
    assert seed > web
