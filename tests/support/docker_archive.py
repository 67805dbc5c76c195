"""A root directory as a one-layer docker-archive, laid out as Nix's dockerTools writes it
(manifest.json, the image config as JSON, the layer tarball), for `docker load`."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

# The contents of these stay out of a layer: the engine mounts its own at run time.
RUNTIME_MOUNTS = ("proc", "sys", "dev", "tmp", "run")
# As dockerTools: a fixed creation date, so the config depends on the contents only.
CREATED = "1970-01-01T00:00:01Z"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_layer(root: Path, layer: Path, exclude: tuple[str, ...] = ()) -> None:
    """The whole root as a tarball with numeric owners and modes as they are on disk."""
    excluded = [f"--exclude=./{name}/*" for name in RUNTIME_MOUNTS]
    excluded += [f"--exclude=./{pattern}" for pattern in exclude]
    subprocess.run(
        [
            "tar", "--create", "--file", str(layer), "--numeric-owner", "--sort=name",
            "--format=gnu", "--directory", str(root), *excluded, ".",
        ],
        check=True,
    )  # fmt: skip


def write_archive(archive: Path, layer: Path, config: dict[str, Any], reference: str) -> str:
    """The docker-archive for `layer` with the runtime `config`; returns the image id."""
    diff_id = f"sha256:{sha256_file(layer)}"
    image = {
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": CREATED, "created_by": "docker_archive.write_archive"}],
    }
    config_bytes = json.dumps(image, sort_keys=True).encode()
    config_name = f"{hashlib.sha256(config_bytes).hexdigest()}.json"
    layer_name = f"{diff_id.removeprefix('sha256:')}/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": [reference], "Layers": [layer_name]}]
    partial = archive.with_name(archive.name + ".partial")
    with tarfile.open(partial, "w") as tar:
        add_bytes(tar, config_name, config_bytes)
        tar.add(layer, arcname=layer_name)
        add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    partial.rename(archive)
    return config_name.removesuffix(".json")


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1
    tar.addfile(info, io.BytesIO(data))
