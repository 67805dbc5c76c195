# `nix develop`: uv.lock's environment with the dev group (test and lint tools, ruff
# included) and keelson installed editable from the checkout's src/, nixpkgs' shellcheck
# (the off-nix group's PyPI wheel stays off Nix), PostgreSQL and Redis so the integration
# tests run here as in CI, nixfmt, and uv to change the lock. Development settings (SQLite).
{
  mkShell,
  pythonEditableEnv,
  postgresql,
  redis,
  shellcheck,
  nixfmt,
  uv,
  python313,
}:
mkShell {
  packages = [
    pythonEditableEnv
    postgresql
    redis
    shellcheck
    nixfmt
    uv
  ];

  DJANGO_SETTINGS_MODULE = "config.settings.local";
  # scripts/test and scripts/serve use these tools instead of installing a virtualenv.
  KEELSON_USE_PATH = "1";
  # `uv add NAME` updates pyproject.toml and uv.lock only; the environment is this shell's
  # (leave and re-enter it to get the new package), and uv never downloads a Python.
  UV_NO_SYNC = "1";
  UV_PYTHON_DOWNLOADS = "never";
  UV_PYTHON = python313.interpreter;

  shellHook = ''
    # The editable keelson's source: pythonEditableEnv finds src/ below it (the checkout's
    # root, wherever `nix develop` runs in it).
    REPO_ROOT=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
    export REPO_ROOT
    echo "keelson dev shell: Python (uv.lock), PostgreSQL, Redis, ruff, shellcheck, nixfmt, uv."
    echo "  cd backend && python manage.py runserver   # local settings, SQLite"
    echo "  scripts/test                                # lint and the whole suite, real PostgreSQL"
    echo "  scripts/serve                               # production boot on a throwaway PostgreSQL"
    echo "  uv add NAME                                 # a new dependency (then re-enter the shell)"
  '';
}
