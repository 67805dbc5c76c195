# `nix flake check`: the test suite in the sandbox, the built image's metadata, the Python
# pins, formatting, and on x86_64-linux a NixOS VM that runs the image.
{
  lib,
  stdenv,
  stdenvNoCC,
  runCommand,
  callPackage,
  pythonEnv,
  pythonTestEnv,
  postgresql,
  redis,
  shellcheck,
  nixfmt,
  image,
  version,
}:
let
  withPython = {
    nativeBuildInputs = [ pythonEnv ];
  };
  withNixfmt = {
    nativeBuildInputs = [ nixfmt ];
  };
in
{
  # The whole pytest suite against real PostgreSQL and Redis servers and real gunicorn
  # and Celery, as off Nix.
  # The fixtures start their own servers with initdb from PATH (some tests stop and
  # restart theirs), so postgresqlTestHook's single server would go unused. tests/nix
  # skips itself: nix-instantiate cannot evaluate inside the sandbox.
  pytest = stdenvNoCC.mkDerivation {
    name = "keelson-pytest-${version}";
    src = ../.;
    nativeBuildInputs = [
      pythonTestEnv
      postgresql
      redis
      shellcheck
    ];
    dontConfigure = true;
    dontBuild = true;
    doCheck = true;
    checkPhase = ''
      runHook preCheck
      export HOME="$TMPDIR"
      # scripts/serve (tested) uses the tools on PATH instead of installing a virtualenv.
      export KEELSON_USE_PATH=1
      python -m pytest -p no:cacheprovider
      runHook postCheck
    '';
    installPhase = "touch $out";
  };

  # Opens the built tarball: not root, the entrypoint, the env, no development files.
  image-metadata = runCommand "keelson-image-metadata-${version}" withPython ''
    python ${./check_image.py} ${image}
    touch $out
  '';

  # The versions nixpkgs built equal the pins of the non-Nix install.
  python-pins = runCommand "keelson-python-pins-${version}" withPython ''
    python ${./check_pins.py} ${../backend/requirements.txt}
    touch $out
  '';

  formatting = runCommand "keelson-nixfmt" withNixfmt ''
    cd ${../.}
    nixfmt --check flake.nix nix/*.nix
    touch $out
  '';
}
// lib.optionalAttrs stdenv.hostPlatform.isx86_64 {
  vm = callPackage ./vm-test.nix { inherit image version; };
}
