"""Secrets: the real SECRET_KEY, POSTGRES_PASSWORD and *_FILE contents never appear in
any output or answer (every Watch scans for them); production error pages show no
settings and no stack trace."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpclient import wait_for_status
from ports import free_port
from processes import REPO, Process, gunicorn, manage
from reliability_ledger import LEDGER
from reliability_support import APP_HEADERS, Served, Watch

pytestmark = pytest.mark.slow

DEBUG_PAGE_MARKERS = (
    "Traceback",
    "SECRET_KEY",
    "DATABASES",
    "INSTALLED_APPS",
    "settings",
    "URLconf",
    "Django tried these URL patterns",
    "Request Method:",
)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/test/error/", 500), ("/no/such/page/", 404), ("/admin/login/?next=%00", 200)],
)
def test_production_error_pages_show_no_settings_and_no_stack_trace(
    shared_server: Served, path: str, status: int
) -> None:
    response = shared_server.watch.get(shared_server.port, path, headers=dict(APP_HEADERS))
    assert response.status == status
    page = response.body.decode()
    assert [marker for marker in DEBUG_PAGE_MARKERS if marker in page] == []


def test_wrong_database_password_is_never_printed(
    app_env, serve, watch: Watch, tmp_path: Path
) -> None:
    env = app_env()
    wrong = tmp_path / "wrong_password"
    wrong.write_text("wrong-password-that-must-not-leak\n")
    watch.secrets.append("wrong-password-that-must-not-leak")
    watch.deliberate.add("Internal Server Error: /test/db/")
    served = serve({**env, "POSTGRES_PASSWORD_FILE": str(wrong)})
    LEDGER.fault("wrong database password")

    ready = watch.get(served.port, "/ready/")
    failed = watch.get(served.port, "/test/db/", headers=dict(APP_HEADERS))

    assert ready.status == 503
    assert ready.json()["checks"]["database"] is False
    assert failed.status == 500
    served.process.stop()
    logged = served.process.stdout() + served.process.stderr()
    assert "password authentication failed" in logged


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DEBUG", "1"), ("ALLOWED_HOSTS", "https://app.example.com/"), ("POSTGRES_PORT", "x")],
)
def test_configuration_errors_name_the_variable_not_the_secrets(
    app_env, watch: Watch, tmp_path: Path, variable: str, value: str
) -> None:
    env = {**app_env(), variable: value}
    LEDGER.bad_input("bad variable beside real secrets")
    checked = manage(["check", "--deploy"], env)
    watch.text("manage.py check --deploy", checked.stdout + checked.stderr)
    booted = watch.process(gunicorn(env, tmp_path, name="refused-boot"))

    assert checked.returncode == 78
    assert booted.wait(timeout=60) == 78
    assert [line["variable"] for line in booted.json_lines()] == [variable]


@pytest.mark.parametrize("delivery", ["variables", "files"])
def test_boot_script_output_never_shows_the_secrets(
    app_env, watch: Watch, tmp_path: Path, delivery: str
) -> None:
    """nix/boot.sh logs its effective configuration: secrets masked, whichever way they came."""
    port = free_port()
    env = {
        **app_env(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "RUN_COLLECTSTATIC": "0",
    }
    if delivery == "variables":
        for name in ("SECRET_KEY", "POSTGRES_PASSWORD"):
            env[name] = Path(env.pop(f"{name}_FILE")).read_text().strip()
    boot = watch.process(Process(["bash", str(REPO / "nix" / "boot.sh")], env, tmp_path, "boot"))
    wait_for_status(port, "/health/", timeout=90)
    watch.get(port, "/ready/")
    assert boot.stop() == 0
    assert boot.json_lines()
