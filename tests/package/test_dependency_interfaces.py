"""Keelson uses gunicorn, prometheus_client and logging through their documented
interfaces only, so a project can take any release of them that the declared ranges
allow (`scripts/test --latest`). Scanned in src/ and backend/ (every line a project
runs):

- no private name (one leading underscore) read, written or imported, except the
  project's own (`self._x` assigned in the same file) and `os._exit`;
- nothing written into one of those libraries: no attribute set on a module or object
  imported from them (`logging.logThreads = ...`, `values.ValueClass = ...`), and no
  method of their classes replaced on an instance (`arbiter.handle_term = ...`);
- no subclass of gunicorn's Arbiter, and none of its state (`WORKERS`, `SIG_QUEUE`, ...)
  read or written.

The scanner is checked on the patterns it must refuse first: a scan that found nothing
because it looked at nothing would prove nothing.
"""

from __future__ import annotations

import ast
import inspect
import logging
from collections.abc import Iterator
from pathlib import Path

import prometheus_client
import pytest
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger as GunicornLogger
from gunicorn.workers.base import Worker
from processes import BACKEND, REPO

SCANNED = (REPO / "src", BACKEND)
LIBRARIES = ("gunicorn", "prometheus_client", "logging")
# Public names of the standard library that start with an underscore.
ALLOWED_PRIVATE = {("os", "_exit")}


def method_names(*classes: type) -> frozenset[str]:
    return frozenset(
        name
        for cls in classes
        for name, _ in inspect.getmembers(cls, callable)
        if not name.startswith("__")
    )


# Methods of the libraries' classes: assigning one on an object replaces the library's.
LIBRARY_METHODS = method_names(
    Arbiter,
    Worker,
    GunicornLogger,
    logging.Logger,
    logging.Handler,
    prometheus_client.Counter,
    prometheus_client.Gauge,
    prometheus_client.Histogram,
)


def arbiter_state() -> frozenset[str]:
    """The arbiter's state (its workers, its signal queue, its listeners): its upper-case
    names, on the class or set on the instance in its source."""
    stored = {
        node.attr
        for node in ast.walk(ast.parse(inspect.getsource(Arbiter)))
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
    }
    return frozenset(name for name in {*dir(Arbiter), *stored} if name.isupper())


ARBITER_STATE = arbiter_state()


def from_library(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in LIBRARIES


def library_names(tree: ast.Module) -> set[str]:
    """Local names bound to a library module or to something imported from one."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if from_library(alias.name):
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and from_library(node.module):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def own_private_names(tree: ast.Module) -> set[str]:
    """`_x` names this file assigns on `self` or declares in a class body: its own."""
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                for target in getattr(statement, "targets", []):
                    if isinstance(target, ast.Name):
                        names.add(target.id)
    return names


def violations(source: str) -> Iterator[str]:
    """What the rules above refuse in one file's source: `line: what`."""
    tree = ast.parse(source)
    imported = library_names(tree)
    own = own_private_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and from_library(node.module):
            for alias in node.names:
                if alias.name.startswith("_"):
                    yield f"{node.lineno}: imports {node.module}.{alias.name}"
        elif isinstance(node, ast.Attribute):
            name = node.attr
            base = node.value.id if isinstance(node.value, ast.Name) else None
            private = name.startswith("_") and not name.startswith("__")
            own_state = base in ("self", "cls") and name in own
            if private and (base, name) not in ALLOWED_PRIVATE and not own_state:
                yield f"{node.lineno}: private {ast.unparse(node)}"
            if name in ARBITER_STATE and base not in ("self", "cls"):
                yield f"{node.lineno}: the arbiter's {ast.unparse(node)}"
            if isinstance(node.ctx, ast.Store) and base not in ("self", "cls"):
                if root_name(node) in imported:
                    yield f"{node.lineno}: sets {ast.unparse(node)} of a library"
                elif name in LIBRARY_METHODS:
                    yield f"{node.lineno}: replaces the method {ast.unparse(node)}"
        elif isinstance(node, ast.ClassDef):
            for base_class in node.bases:
                if ast.unparse(base_class).split(".")[-1] == "Arbiter":
                    yield f"{node.lineno}: subclasses gunicorn's Arbiter ({node.name})"


def scanned_files() -> list[Path]:
    return sorted(
        path for root in SCANNED for path in root.rglob("*.py") if "__pycache__" not in path.parts
    )


# What Keelson 0.2.0 did, and what each rule must refuse.
REFUSED = {
    "logging private": "import logging\nlogging._srcfile = None\n",
    "logging switch": "import logging\nlogging.logThreads = False\n",
    "prometheus value class": (
        "from prometheus_client import values\nvalues.ValueClass = values.MultiProcessValue()\n"
    ),
    "prometheus private value": "def f(counter):\n    return counter.labels('a')._value\n",
    "arbiter method": "def take(arbiter, f):\n    arbiter.handle_term = f\n",
    "arbiter queue": "def stop(arbiter):\n    arbiter.SIG_QUEUE.append(15)\n",
    "arbiter workers": "def alive(arbiter):\n    return len(arbiter.WORKERS)\n",
    "arbiter subclass": "from gunicorn.arbiter import Arbiter\nclass A(Arbiter):\n    pass\n",
    "private import": "from logging import _srcfile\n",
}


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_the_scan_refuses_what_reaches_into_a_library(source: str) -> None:
    assert list(violations(source)) != []


def test_the_scan_allows_the_projects_own_private_state_and_os_exit() -> None:
    source = (
        "import os\nclass C:\n    def __init__(self):\n        self._values = {}\n"
        "    def get(self):\n        return self._values\n\nos._exit(0)\n"
    )
    assert list(violations(source)) == []


def test_src_and_backend_use_only_the_documented_interfaces_of_their_libraries() -> None:
    files = scanned_files()
    assert len(files) > 50, "the scan found the package and the example project"
    found = [
        f"{path.relative_to(REPO)}:{violation}"
        for path in files
        for violation in violations(path.read_text(encoding="utf-8"))
    ]
    assert found == []
