"""scripts/serve: the README's "run it as the image boots it" command, start to stop."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest
from boot_support import wait_for_exit
from httpclient import request, wait_for_status
from ports import free_port, port_is_open
from processes import REPO, Process, base_env

pytestmark = pytest.mark.slow


def test_serve_boots_production_on_a_throwaway_postgres_and_cleans_up(tmp_path: Path) -> None:
    port = free_port()
    # The tools running these tests are on PATH (a venv, or Nix's environment).
    env = base_env({"KEELSON_USE_PATH": "1"})
    serve = Process(["bash", str(REPO / "scripts" / "serve"), str(port)], env, tmp_path, "serve")
    try:
        ready = wait_for_status(port, "/ready/", 200, timeout=180)
        assert ready.json()["checks"] == {"database": True, "migrations": True}
        # Production settings over plain http: no redirect, admin and static files served.
        assert request(port, "/admin/login/", headers={"Host": "localhost"}).status == 200
        assert request(port, "/static/admin/css/base.css").status == 200

        said = serve.stderr()
        work = Path(re.search(r"PostgreSQL data in (\S+)", said).group(1))
        pg_port = int(re.search(r"PostgreSQL listening on 127\.0\.0\.1:(\d+)", said).group(1))
        assert work.is_dir()

        serve.signal(signal.SIGTERM)
        code, _ = wait_for_exit(serve, timeout=60)
        assert code == 0
        assert not work.exists()
        assert not port_is_open(pg_port)
        assert not port_is_open(port)
    finally:
        serve.stop(timeout=60)
