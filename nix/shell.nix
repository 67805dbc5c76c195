# `nix develop`: the image's Python environment plus the test and lint tools, and
# PostgreSQL so the integration tests run here as in CI. Development settings (SQLite).
{
  mkShell,
  pythonTestEnv,
  postgresql,
  shellcheck,
  nixfmt,
  ruff,
}:
mkShell {
  packages = [
    pythonTestEnv
    postgresql
    shellcheck
    nixfmt
    ruff
  ];

  DJANGO_SETTINGS_MODULE = "config.settings.local";

  shellHook = ''
    echo "keelson dev shell: Python, PostgreSQL, ruff, shellcheck, nixfmt."
    echo "  cd backend && python manage.py runserver   # local settings, SQLite"
    echo "  python -m pytest                            # the whole suite, real PostgreSQL"
  '';
}
