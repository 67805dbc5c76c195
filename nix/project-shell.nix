# A project's `nix develop`: its Python environment with the dev groups (keelson included),
# PostgreSQL and Redis for local servers, pg_isready and nginx as the boot finds them, and
# uv to change the lock (never to sync: the environment is this shell's).
{
  mkShell,
  pythonDevEnv,
  postgresql,
  redis,
  uv,
  python313,
  front,
  name,
}:
mkShell {
  packages = [
    pythonDevEnv
    postgresql
    redis
    front
    uv
  ];

  # `uv add NAME` updates pyproject.toml and uv.lock only; leave and re-enter the shell to
  # get the new package. uv never downloads a Python.
  UV_NO_SYNC = "1";
  UV_PYTHON_DOWNLOADS = "never";
  UV_PYTHON = python313.interpreter;

  shellHook = ''
    echo "${name} on Keelson: python, keelson, uv, PostgreSQL, Redis, nginx."
    echo "  keelson check       # the production environment, judged"
    echo "  keelson serve       # the boot, as the image runs it"
  '';
}
