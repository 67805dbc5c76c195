# `nix develop`: the image's Python environment plus the test and lint tools, and
# PostgreSQL and Redis so the integration tests run here as in CI. Development settings (SQLite).
{
  mkShell,
  pythonTestEnv,
  postgresql,
  redis,
  shellcheck,
  nixfmt,
  ruff,
}:
mkShell {
  packages = [
    pythonTestEnv
    postgresql
    redis
    shellcheck
    nixfmt
    ruff
  ];

  DJANGO_SETTINGS_MODULE = "config.settings.local";
  # scripts/test and scripts/serve use these tools instead of installing a virtualenv.
  KEELSON_USE_PATH = "1";

  shellHook = ''
    echo "keelson dev shell: Python, PostgreSQL, Redis, ruff, shellcheck, nixfmt."
    echo "  cd backend && python manage.py runserver   # local settings, SQLite"
    echo "  scripts/test                                # lint and the whole suite, real PostgreSQL"
    echo "  scripts/serve                               # production boot on a throwaway PostgreSQL"
  '';
}
