"""The deployment files, where they are, and how to read them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
DEPLOY = DOCS / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
COMPOSE_ENV_EXAMPLE = DEPLOY / "keelson.env.example"
KUBERNETES = DEPLOY / "kubernetes"
ENV_EXAMPLE = REPO / ".env.example"
VERSION = (REPO / "backend" / "VERSION").read_text(encoding="utf-8").strip()

# The Kubernetes release whose API schemas the manifests are checked against;
# kubernetes-validate ships the schemas: no network.
KUBERNETES_VERSION = "1.33.0"

# `# NAME=value` (an optional variable at its default) or `NAME=value`.
ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def env_file_entries(path: Path) -> dict[str, str]:
    """NAME -> value for every variable an env file sets or lists commented out."""
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            entries.setdefault(match.group(1), match.group(2).strip("'\""))
    return entries


def documented_default(name: str) -> str:
    """A variable's default as .env.example states it."""
    return env_file_entries(ENV_EXAMPLE)[name]


def kubernetes_manifest_files() -> list[Path]:
    """Every Kubernetes object file (kustomizations are kustomize's, not the API's)."""
    return sorted(path for path in KUBERNETES.rglob("*.yaml") if path.name != "kustomization.yaml")


def kustomization_files() -> list[Path]:
    return sorted(KUBERNETES.rglob("kustomization.yaml"))


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
