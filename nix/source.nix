# The project's production files as they go into the image: the files ./source-rule.nix
# selects below projectRoot (manage.py's directory), with their bytecode compiled at build
# time (the store is read-only, so Python could never cache it at runtime; unchecked-hash
# .pyc files are reproducible and never re-validated). keelson is not here: the Python
# environment carries it (./python.nix).
{
  lib,
  stdenvNoCC,
  python313,
  name,
  version,
  projectRoot,
  developmentFiles,
}:
let
  keep = import ./source-rule.nix { inherit developmentFiles; };
  rootPrefix = toString projectRoot + "/";
  relative = path: lib.removePrefix rootPrefix (toString path);
in
stdenvNoCC.mkDerivation {
  pname = "${name}-source";
  inherit version;

  src = builtins.path {
    name = "${name}-source";
    path = projectRoot;
    filter = path: type: keep (relative path) type;
  };

  # The environment's interpreter: its bytecode is what the image's Python loads. Not the
  # environment itself, so that a change to keelson does not rebuild the source.
  nativeBuildInputs = [ python313 ];

  dontConfigure = true;
  dontBuild = true;

  installPhase = ''
    runHook preInstall
    cp -r . "$out"
    python -m compileall -q --invalidation-mode unchecked-hash "$out"
    runHook postInstall
  '';
}
