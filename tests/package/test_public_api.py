"""Keelson's public API is a short list of modules and the names in their `__all__`; the
rest is internal and may change in any release. The example project (backend/) and the
project that extends the contract (tests/support/extended_project) use the public API
only, as any project must: every import of keelson, every `keelson.X` attribute and every
dotted name in a string stays inside it, and backend's settings name no keelson module
at all (keelson.settings places Keelson's apps and middleware). Each public module says
what it exports in `__all__`, and every function and class it exports is documented."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from processes import BACKEND, REPO, SUPPORT

PUBLIC_MODULES = (
    "keelson",
    "keelson.contract",
    "keelson.settings",
    "keelson.urls",
    "keelson.gunicorn_config",
    "keelson.cli",
)
# gunicorn reads it by name (`gunicorn -c python:keelson.gunicorn_config`); its names are
# gunicorn's settings, chosen by the environment contract when it is imported (which
# exits 78 without a valid environment), so it exports nothing to import.
USED_BY_NAME_ONLY = {"keelson.gunicorn_config"}
PROJECTS = (BACKEND, SUPPORT / "extended_project")
SETTINGS = BACKEND / "config" / "settings"
# A dotted keelson name inside a string (a module, or a name of one).
DOTTED = re.compile(r"\bkeelson(?:\.[A-Za-z_]\w*)+")


def project_sources() -> list[Path]:
    return sorted(
        path
        for top in PROJECTS
        for path in top.rglob("*.py")
        if "__pycache__" not in path.parts and ".state" not in path.parts
    )


def exported(module: str) -> frozenset[str]:
    if module in USED_BY_NAME_ONLY:
        return frozenset()
    return frozenset(importlib.import_module(module).__all__)


def is_keelson(name: str) -> bool:
    return name == "keelson" or name.startswith("keelson.")


def private(part: str) -> bool:
    """A leading underscore that is not a dunder such as __version__."""
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def dotted_problem(dotted: str) -> str | None:
    """What is not public in `keelson.a.b...`: a public module, or a name of one's __all__."""
    parts = dotted.split(".")
    if any(private(part) for part in parts):
        return "has a part with a leading underscore"
    prefixes = [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
    module = next(prefix for prefix in prefixes if prefix in PUBLIC_MODULES)
    rest = parts[len(module.split(".")) :]
    if not rest:
        return None
    if rest[0] not in exported(module):
        return f"{rest[0]!r} is not a public module nor in {module}.__all__"
    return None


def docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string nodes that are docstrings: prose, not references."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def attribute_chain(node: ast.Attribute) -> str | None:
    """`keelson.a.b` for the outermost attribute of a chain rooted at the name keelson."""
    parts = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if isinstance(current, ast.Name) and current.id == "keelson":
        return ".".join(["keelson", *reversed(parts)])
    return None


def uses_of_keelson(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, what the source names, its problem or None) for every use of keelson."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    prose = docstrings(tree)
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_keelson(alias.name):
                    yield node.lineno, f"import {alias.name}", dotted_problem(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and is_keelson(node.module):
            for alias in node.names:
                named = f"from {node.module} import {alias.name}"
                if node.module not in PUBLIC_MODULES:
                    yield node.lineno, named, dotted_problem(node.module) or "not public"
                elif alias.name != "*":
                    yield node.lineno, named, dotted_problem(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Attribute) and id(node) not in inner:
            if chain := attribute_chain(node):
                yield node.lineno, chain, dotted_problem(chain)
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
        ):
            for dotted in DOTTED.findall(node.value):
                yield node.lineno, repr(node.value), dotted_problem(dotted)


def relative(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", project_sources(), ids=relative)
def test_the_projects_use_only_keelsons_public_api(path: Path) -> None:
    problems = [
        f"{relative(path)}:{line}: {named} {problem}"
        for line, named, problem in uses_of_keelson(path)
        if problem
    ]
    assert problems == []


def test_the_scan_sees_the_uses_it_judges() -> None:
    """The scan is not vacuous: it finds the imports, attributes and strings the example
    project has, and judges internal ones."""
    seen = {named for path in project_sources() for _, named, _ in uses_of_keelson(path)}
    assert {
        "import keelson.settings",
        "from keelson.settings import load_settings_or_exit",
        "keelson.settings.common",
        "keelson.settings.production",
        "'keelson.urls'",
        "from keelson.contract import Variable",
    } <= seen
    assert dotted_problem("keelson.middleware.ProbeMiddleware") is not None
    assert dotted_problem("keelson.settings._production") is not None
    assert dotted_problem("keelson.contract.core") is not None
    assert dotted_problem("keelson.contract.Variable") is None


def test_backends_settings_name_no_keelson_module_in_a_string() -> None:
    """Keelson's apps, middleware and logging hook come from keelson.settings.common: a
    settings module that listed "keelson.middleware.X" itself would depend on internals."""
    found = []
    for path in sorted(SETTINGS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prose = docstrings(tree)
        found += [
            f"{relative(path)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and "keelson." in node.value
        ]
    assert found == []


# ---------------------------------------------------------------- the public modules
def own_docstring(value: object) -> str | None:
    """The docstring written for a function or class: not inherited, not the signature a
    dataclass writes when there is none."""
    doc = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
    if doc and dataclasses.is_dataclass(value) and doc.startswith(f"{value.__name__}("):
        return None
    return doc.strip() if doc else None


def public(module: str) -> ModuleType:
    return importlib.import_module(module)


@pytest.mark.parametrize("module", sorted(set(PUBLIC_MODULES) - USED_BY_NAME_ONLY))
def test_each_public_module_exports_documented_names_in_its_all(module: str) -> None:
    loaded = public(module)
    assert (loaded.__doc__ or "").strip(), f"{module} has no docstring"
    names = loaded.__dict__.get("__all__")
    assert names, f"{module} defines no __all__"
    assert len(set(names)) == len(names), f"{module}.__all__ repeats a name"
    missing = [name for name in names if not hasattr(loaded, name)]
    assert missing == [], f"{module}.__all__ names what it does not define"
    assert [name for name in names if private(name)] == []
    undocumented = [
        name
        for name in names
        if (inspect.isfunction(getattr(loaded, name)) or inspect.isclass(getattr(loaded, name)))
        and not own_docstring(getattr(loaded, name))
    ]
    assert undocumented == [], f"{module} exports functions or classes without a docstring"


def test_gunicorn_config_is_documented_where_gunicorn_finds_it() -> None:
    """Read, not imported (it validates the environment when imported): its docstring
    says how to use it."""
    path = REPO / "src" / "keelson" / "gunicorn_config.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc
    assert "gunicorn -c python:keelson.gunicorn_config" in doc


def test_keelson_exports_its_version() -> None:
    import keelson

    assert keelson.__all__ == ["__version__"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", keelson.__version__)
