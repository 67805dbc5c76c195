"""A Redis 7 image for docs/deploy/compose.yaml's `redis` service where no registry can
be reached: Debian trixie's redis-server (the tools root of ./trixie.py, the layer the
PostgreSQL image uses). What the compose file relies on is as in the official `redis`
image: `sh`, `redis-server` and `redis-cli` on PATH, the working directory `/data` (a
volume, where appendonly writes) and no entrypoint of its own, so the service's
`command` runs as written."""

from __future__ import annotations

from pathlib import Path

import docker_archive
import postgres_image

REFERENCE = "keelson-test-redis:7"


def build() -> tuple[Path, str]:
    layer = postgres_image.tools_layer()
    config = {
        "Cmd": ["redis-server"],
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"],
        "WorkingDir": "/data",
        "ExposedPorts": {"6379/tcp": {}},
        "Volumes": {"/data": {}},
    }
    archive = layer.parent / "redis-image.tar"
    docker_archive.write_archive(archive, layer, config, REFERENCE)
    return archive, REFERENCE
