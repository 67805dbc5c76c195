"""A Debian host with systemd as PID 1, in a container of the session's own Docker
engine, with Keelson installed as docs/deploy/systemd/README.md says. Tests that need it
skip, saying why, only where the engine or the image cannot be had (not root, no
dockerd or debootstrap)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from debian_systemd_image import ImageUnavailable, systemd_image
from dockerd import DockerEngine
from host_install import install
from systemd_host import SystemdHost
from systemd_report import FIGURES, timed


@pytest.fixture(scope="session")
def systemd_host(docker_engine: DockerEngine) -> Iterator[SystemdHost]:
    try:
        with timed("Debian image (debootstrap or cache, import)"):
            image = systemd_image(docker_engine)
    except ImageUnavailable as reason:
        pytest.skip(f"no Debian systemd image: {reason}")
    host = SystemdHost(docker_engine, image)
    try:
        with timed("container up, systemctl is-system-running"):
            host.start()
        with timed("install as the guide says, units started"):
            install(host)
        yield host
    finally:
        host.remove()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("Keelson under systemd")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {value}")
