"""The image's runtime contract in a real engine: the session's own dockerd
(tests/support/dockerd.py), the offline image (scripts/image-offline) loaded into it,
and PostgreSQL and Redis images for Compose's `db` and `redis` services, all built here
from Debian's packages.

Only where the engine cannot start (not root, no dockerd) do these tests skip, saying why.
Building the images needs root too; a build that fails is a failure, not a skip."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import offline_image
import postgres_image
import pytest
import redis_image
import trixie
from container_support import Container
from dockerd import DockerEngine

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def engine(docker_engine: DockerEngine) -> DockerEngine:
    """The session's engine (the one every suite shares), with Debian trixie's Compose v2
    as its CLI plugin."""
    docker_engine.add_compose_plugin(trixie.compose_plugin())
    return docker_engine


@pytest.fixture(scope="session")
def image(engine: DockerEngine) -> str:
    """The offline image (cached between runs), loaded: its reference."""
    archive, reference = offline_image.build()
    engine.load(archive)
    return reference


@pytest.fixture(scope="session")
def db_image(engine: DockerEngine) -> str:
    archive, reference = postgres_image.build()
    engine.load(archive)
    return reference


@pytest.fixture(scope="session")
def redis_image_reference(engine: DockerEngine, db_image: str) -> str:
    """Compose's `redis` service; after db_image, whose cached layer it shares."""
    archive, reference = redis_image.build()
    engine.load(archive)
    return reference


@pytest.fixture
def run(engine: DockerEngine, image: str) -> Iterator[Callable[..., Container]]:
    """Start containers of the image (`docker run -d`); removed at the end of the test."""
    containers: list[Container] = []

    def start(*args: str, command: tuple[str, ...] = ()) -> Container:
        container = Container.run(engine, image, args, command)
        containers.append(container)
        return container

    yield start
    for container in containers:
        container.remove()
