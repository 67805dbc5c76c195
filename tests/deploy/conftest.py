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
    """Every object of the manifests by kind (the manifests hold one of each)."""
    objects: dict[str, dict[str, Any]] = {}
    for path in kubernetes_manifest_files():
        for doc in load_all(path):
            assert doc["kind"] not in objects, f"two {doc['kind']} objects: update the tests"
            objects[doc["kind"]] = doc
    return objects
