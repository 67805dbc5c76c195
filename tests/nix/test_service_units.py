"""The service's systemd units (nix/service-config.nix) from dummy store paths, and the
unit files of docs/deploy/systemd/ equal to what nix/host-units.nix renders."""

from __future__ import annotations

import re
import subprocess

import pytest
from nixexpr import NIX_DIR, REPO, nix_path, nix_string

BOOT = "/nix/store/00000000000000000000000000000000-boot/bin/boot"
BACKEND = "/nix/store/11111111111111111111111111111111-keelson-backend-0.1.0"
STATIC = "/nix/store/22222222222222222222222222222222-keelson-static-0.1.0"
UNITS_DIR = REPO / "docs" / "deploy" / "systemd"
RUNTIME_DOC = REPO / "docs" / "BOOT_AND_RUNTIME.md"


def service_config(nix_eval, **arguments: str) -> dict:
    extra = "".join(f"{name} = {value};\n" for name, value in arguments.items())
    return nix_eval(
        f"""import {nix_path(NIX_DIR / "service-config.nix")} {{
          boot = [ {nix_string(BOOT)} ];
          workingDirectory = {nix_string(BACKEND)};
          staticRoot = {nix_string(STATIC)};
          secretFiles = {{ SECRET_KEY = "/run/keys/secret_key"; }};
          {extra}
        }}"""
    )


@pytest.fixture(scope="module")
def units(nix_eval) -> dict:
    return service_config(nix_eval, settings='{ ALLOWED_HOSTS = "a.example"; LABEL = "50%"; }')


def environment(unit: dict) -> dict[str, str]:
    return dict(entry.strip('"').split("=", 1) for entry in unit["Service"]["Environment"])


def test_migrate_is_a_oneshot_that_web_requires_and_follows(units: dict) -> None:
    assert set(units) == {"keelson-migrate", "keelson-web"}
    migrate, web = units["keelson-migrate"], units["keelson-web"]
    assert migrate["Service"]["Type"] == "oneshot"
    assert migrate["Service"]["ExecStart"] == f"{BOOT} migrate"
    assert "keelson-migrate.service" in web["Unit"]["Requires"]
    assert "keelson-migrate.service" in web["Unit"]["After"]
    assert web["Install"]["WantedBy"] == ["multi-user.target"]


def test_web_runs_the_boot_after_boot_check(units: dict) -> None:
    service = units["keelson-web"]["Service"]
    assert service["ExecStartPre"] == f"{BOOT} check"
    assert service["ExecStart"] == f"{BOOT} serve"
    assert service["WorkingDirectory"] == BACKEND
    assert environment(units["keelson-web"])["RUN_MIGRATIONS"] == "0"
    assert environment(units["keelson-web"])["STATIC_ROOT"] == STATIC
    assert environment(units["keelson-web"])["RUN_COLLECTSTATIC"] == "0"


def test_configuration_and_usage_errors_never_restart(units: dict) -> None:
    service = units["keelson-web"]["Service"]
    assert set(service["RestartPreventExitStatus"].split()) == {"64", "78"}
    # on-abnormal: an exit code from `boot check` (ExecStartPre) never restarts either.
    assert service["Restart"] == "on-abnormal"
    assert service["RestartForceExitStatus"] == "69"


def test_stop_waits_for_the_drain_and_graceful_timeout_as_set(nix_eval) -> None:
    units = service_config(
        nix_eval, settings='{ DRAIN_SECONDS = "5"; GUNICORN_GRACEFUL_TIMEOUT = 45; }'
    )
    service = units["keelson-web"]["Service"]
    assert service["TimeoutStopSec"] == 5 + 45 + 10
    assert service["KillMode"] == "mixed"


def test_secrets_are_credentials_never_values(units: dict) -> None:
    for unit in units.values():
        service = unit["Service"]
        assert service["LoadCredential"] == ["secret_key:/run/keys/secret_key"]
        env = environment(unit)
        assert env["SECRET_KEY_FILE"] == "%d/secret_key"
        assert "SECRET_KEY" not in env


def test_settings_reach_the_boot_as_written(units: dict) -> None:
    env = environment(units["keelson-web"])
    assert env["ALLOWED_HOSTS"] == "a.example"
    # `%` would be a systemd specifier.
    assert env["LABEL"] == "50%%"


def test_every_unit_runs_sandboxed_as_the_service_user(units: dict) -> None:
    for unit in units.values():
        service = unit["Service"]
        assert service["User"] == service["Group"] == "keelson"
        assert "DynamicUser" not in service
        assert service["LogsDirectory"] == service["StateDirectory"] == "keelson"
        assert service["CapabilityBoundingSet"] == ""
        assert service["ProtectSystem"] == "strict"
        assert service["SystemCallFilter"][0] == "@system-service"
        for flag in ("ProtectHome", "PrivateTmp", "NoNewPrivileges", "PrivateDevices"):
            assert service[flag] is True, flag


def test_each_role_is_one_unit_and_an_unknown_role_is_named(nix_eval, nix_instantiate) -> None:
    assert set(service_config(nix_eval, roles="[ ]")) == {"keelson-migrate"}
    expression = f'(import {nix_path(NIX_DIR / "service-config.nix")} {{ boot = [ "b" ]; workingDirectory = "/w"; roles = [ "wokrer" ]; }}).keelson-wokrer'
    result = subprocess.run(
        [nix_instantiate, "--eval", "--strict", "--readonly-mode", "-E", expression],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unknown role 'wokrer'. Hint: one of web" in result.stderr


def documented_default(name: str) -> str | None:
    row = re.search(rf"^\| `{name}` \| `?([^`|]+)`? \|", RUNTIME_DOC.read_text(), re.MULTILINE)
    return row.group(1).strip() if row else None


def test_the_timeouts_use_the_documented_defaults(nix_eval) -> None:
    units = service_config(nix_eval)
    wait = int(documented_default("POSTGRES_WAIT_TIMEOUT"))
    drain = int(documented_default("DRAIN_SECONDS"))
    graceful = int(documented_default("GUNICORN_GRACEFUL_TIMEOUT"))
    service = units["keelson-web"]["Service"]
    # The drain comes before the graceful stop: the unit waits for both.
    assert service["TimeoutStopSec"] == drain + graceful + 10
    assert service["TimeoutStartSec"] == wait + 120


def test_the_shipped_unit_files_are_what_nix_renders(nix_eval) -> None:
    rendered = nix_eval(f"import {nix_path(NIX_DIR / 'host-units.nix')}")
    assert set(rendered) == {"keelson-migrate.service", "keelson-web.service"}
    shipped = {path.name: path.read_text(encoding="utf-8") for path in UNITS_DIR.glob("*.service")}
    assert shipped == rendered, "run: python nix/render_units.py"


def test_the_guide_names_every_option_of_the_nixos_module() -> None:
    module = (NIX_DIR / "module.nix").read_text(encoding="utf-8")
    declared = set(re.findall(r"^ {4}(\w+) = mk(?:Option|EnableOption)\b", module, re.MULTILINE))
    declared |= {
        f"database.{name}" for name in re.findall(r"^ {6}(\w+) = mkOption\b", module, re.MULTILINE)
    }
    guide = (UNITS_DIR / "README.md").read_text(encoding="utf-8")
    paragraph = guide[guide.index("Options: ") :].split("\n\n")[0]
    named = set(re.findall(r"`([\w.]+)`", paragraph))
    grouped = re.findall(r"`database\.\{([^}]*)\}`", paragraph)[0].split(", ")
    named |= {f"database.{name}" for name in grouped}
    assert declared - named == set()
    assert len(declared) >= 10
