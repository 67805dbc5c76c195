"""The backend files the image carries: nix/source-rule.nix, evaluated by Nix over real
trees the way builtins.path applies it (a directory left out is not entered)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from nixexpr import REPO, selected_backend_files

BACKEND = REPO / "backend"

PRODUCTION_FILES = {
    "VERSION",
    "manage.py",
    "config/__init__.py",
    "config/urls.py",
    "config/wsgi.py",
    "config/settings/__init__.py",
    "config/settings/base.py",
    "config/settings/production.py",
}


@pytest.fixture(scope="module")
def real_selection(nix_eval) -> set[str]:
    return set(selected_backend_files(BACKEND))


def test_the_production_code_goes_into_the_image(real_selection: set[str]) -> None:
    assert real_selection >= PRODUCTION_FILES


def test_development_and_test_settings_stay_out(real_selection: set[str]) -> None:
    assert (BACKEND / "config/settings/local.py").exists()
    assert (BACKEND / "config/settings/test.py").exists()
    assert "config/settings/local.py" not in real_selection
    assert "config/settings/test.py" not in real_selection


def test_no_cache_state_or_database_file_is_selected(real_selection: set[str]) -> None:
    leaked = [
        path
        for path in real_selection
        if "__pycache__" in path or ".sqlite3" in path or path.startswith(".") or "/." in path
    ]
    assert leaked == []


def test_nothing_git_ignores_is_selected(real_selection: set[str]) -> None:
    """Runtime artifacts (.state/, *.sqlite3, .env, logs) are ignored by git; none may ship."""
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(f"backend/{path}" for path in sorted(real_selection)),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout.split() == []


def make_tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")


def test_secrets_tests_caches_and_state_stay_out_wherever_they_are(
    nix_eval, tmp_path: Path
) -> None:
    kept = [
        "manage.py",
        "VERSION",
        "config/settings/production.py",
        "apps/shop/models.py",
        "apps/shop/migrations/0001_initial.py",
        "apps/shop/templates/shop/page.html",
        "apps/shop/static/shop/site.css",
    ]
    left_out = [
        ".env",
        ".env.production",
        "config/.env.local",
        "db.sqlite3",
        "db.sqlite3-journal",
        ".state/local.sqlite3",
        "config/settings/local.py",
        "config/settings/test.py",
        "apps/shop/tests.py",
        "apps/shop/test_models.py",
        "apps/shop/models_test.py",
        "apps/shop/tests/test_views.py",
        "conftest.py",
        "apps/shop/__pycache__/models.cpython-313.pyc",
        "apps/shop/stale.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".gitignore",
        "staticfiles/admin/base.css",
        "media/upload.png",
        "logs/django.log",
        "gunicorn_error.log",
    ]
    make_tree(tmp_path, kept + left_out)
    (tmp_path / "secret_link.py").symlink_to("/etc/passwd")

    assert set(selected_backend_files(tmp_path)) == set(kept)
