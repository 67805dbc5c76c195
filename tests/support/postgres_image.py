"""A PostgreSQL 17 image for docs/deploy/compose.yaml's `db` service where no registry
can be reached: Debian trixie's PostgreSQL (the tools root of ./trixie.py) with an
entrypoint that honours the official image's variables the compose file sets."""

from __future__ import annotations

import shutil
from pathlib import Path

import docker_archive
import trixie

REFERENCE = "keelson-test-postgres:17"
ENTRYPOINT = Path(__file__).with_name("postgres_image_entrypoint.py")
IN_IMAGE = "/usr/local/bin/postgres-entrypoint.py"


def tools_layer() -> Path:
    """The tools root with this entrypoint, as one layer (cached); the Redis image of
    ./redis_image.py shares it, so the engine stores it once."""
    tools = trixie.tools_root()
    directory = trixie.cache_dir() / "postgres-image"
    directory.mkdir(parents=True, exist_ok=True)
    # The root's directory is named by the digest of what it is made of.
    tools_stamp = tools.name
    layer = directory / f"layer-{trixie.digest(tools_stamp, ENTRYPOINT.read_text())[:16]}.tar"
    if not layer.exists():
        shutil.copyfile(ENTRYPOINT, tools / IN_IMAGE.lstrip("/"))
        partial = layer.with_name(layer.name + ".partial")
        docker_archive.write_layer(tools, partial, exclude=("opt/*", "var/cache/*", "root/*"))
        partial.rename(layer)
        for stale in directory.glob("layer-*.tar"):
            if stale != layer:
                stale.unlink()
    return layer


def build() -> tuple[Path, str]:
    tools = trixie.tools_root()
    layer = tools_layer()
    bin_dir = sorted(tools.glob("usr/lib/postgresql/*/bin"))[-1]
    config = {
        "Entrypoint": ["python3", IN_IMAGE],
        "Env": [
            f"PATH=/{bin_dir.relative_to(tools)}:/usr/local/bin:/usr/bin:/bin",
            "PGDATA=/var/lib/postgresql/data",
            "LANG=C.UTF-8",
        ],
        "ExposedPorts": {"5432/tcp": {}},
        "StopSignal": "SIGINT",
        "Volumes": {"/var/lib/postgresql/data": {}},
    }
    archive = layer.parent / "image.tar"
    docker_archive.write_archive(archive, layer, config, REFERENCE)
    return archive, REFERENCE
