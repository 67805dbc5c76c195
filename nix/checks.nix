# `nix flake check`: the test suite in the sandbox, the built image's metadata, the Python
# pins, formatting, and on x86_64-linux NixOS VMs: one runs the image, one services.keelson.
{
  lib,
  stdenv,
  stdenvNoCC,
  runCommand,
  callPackage,
  pythonEnv,
  pythonTestEnv,
  postgresql,
  shellcheck,
  nixfmt,
  image,
  nixosModule,
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
  # The whole pytest suite against real PostgreSQL servers and real gunicorn, as off Nix.
  # The fixtures start their own servers with initdb from PATH (some tests stop and
  # restart theirs), so postgresqlTestHook's single server would go unused. tests/nix
  # skips itself: nix-instantiate cannot evaluate inside the sandbox.
  pytest = stdenvNoCC.mkDerivation {
    name = "keelson-pytest-${version}";
    src = ../.;
    nativeBuildInputs = [
      pythonTestEnv
      postgresql
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
  vm-service = callPackage ./service-vm-test.nix { inherit nixosModule; };
}
