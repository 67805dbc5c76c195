"""The reliability suite's fixtures and the summary table printed at the end."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres import PostgresServer
from reliability_ledger import LEDGER
from reliability_support import Served, Watch, prepare_env, start_gunicorn, watching


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not (LEDGER.requests_sent or LEDGER.faults or LEDGER.bad_inputs or LEDGER.lines_scanned):
        return
    terminalreporter.section("reliability and security summary")
    for line in LEDGER.table():
        terminalreporter.write_line(line)


@pytest.fixture
def watch() -> Iterator[Watch]:
    with watching() as watched:
        yield watched


@pytest.fixture(scope="module")
def shared_server(
    postgres: PostgresServer, static_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One backend for a module's many short requests (hostile input, error pages)."""
    directory = tmp_path_factory.mktemp("shared")
    with watching() as watched:
        env = prepare_env(postgres, static_root, directory, watched)
        served = start_gunicorn(env, directory, watched, workers=2)
        yield served
        served.process.stop()


@pytest.fixture
def app_env(
    postgres: PostgresServer, static_root: Path, tmp_path: Path, watch: Watch
) -> Callable[..., dict[str, str]]:
    """`prepare_env` on the session's PostgreSQL, or on `pg` when the test brings one."""

    def make(pg: PostgresServer | None = None, **overrides: str) -> dict[str, str]:
        return prepare_env(pg or postgres, static_root, tmp_path, watch, **overrides)

    return make


@pytest.fixture
def serve(tmp_path: Path, watch: Watch) -> Iterator[Callable[..., Served]]:
    """Start gunicorn on `env` at a free port; stopped at the end of the test."""
    started: list[Served] = []

    def start(env: dict[str, str], *, workers: int = 2, **overrides: str) -> Served:
        served = start_gunicorn(env, tmp_path, watch, workers=workers, **overrides)
        started.append(served)
        return served

    yield start
    for served in started:
        with contextlib.suppress(Exception):
            served.process.stop()
