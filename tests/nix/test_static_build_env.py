"""The build-only environment nix/static.nix runs collectstatic in really lets the
production settings collect the static files, without any database."""

from __future__ import annotations

import json
from pathlib import Path

from nixexpr import static_build_env
from processes import base_env, manage


def test_the_placeholders_are_named_as_build_only(nix_eval) -> None:
    env = static_build_env()
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert "build-only" in env[name], name


def test_collectstatic_runs_with_the_build_env_and_no_database(nix_eval, tmp_path: Path) -> None:
    build_env = static_build_env()
    static_root = tmp_path / "static"
    env = base_env({**build_env, "STATIC_ROOT": str(static_root), "POSTGRES_HOST": "192.0.2.1"})

    result = manage(["collectstatic", "--noinput", "--verbosity", "1"], env)

    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert any(name.startswith("admin/") for name in manifest["paths"])
