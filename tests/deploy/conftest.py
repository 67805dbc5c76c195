"""The deployment files as parsed documents, for the tests that check them."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from deploy_support import COMPOSE_FILE, kubernetes_manifest_files, load_all


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def kubernetes_objects() -> dict[str, dict[str, Any]]:
    """Every object of the manifests by kind (the manifests hold one of each), except
    the worker's and the beat's Deployments: "Deployment/worker", "Deployment/beat"."""
    objects: dict[str, dict[str, Any]] = {}
    for path in kubernetes_manifest_files():
        for doc in load_all(path):
            key = doc["kind"]
            component = doc["metadata"].get("labels", {}).get("app.kubernetes.io/component")
            if key == "Deployment" and component in ("worker", "beat"):
                key = f"Deployment/{component}"
            assert key not in objects, f"two {key} objects: update the tests"
            objects[key] = doc
    return objects
