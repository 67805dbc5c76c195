# The backend (the example project) as it goes into the image: the files ./source-rule.nix
# selects, with their bytecode compiled at build time (the store is read-only, so Python
# could never cache it at runtime; unchecked-hash .pyc files are reproducible and never
# re-validated). keelson is not here: the Python environment carries it (./python.nix).
{
  stdenvNoCC,
  python313,
  version,
}:
let
  root = ../backend;
  rootPrefix = toString root + "/";
  keep = import ./source-rule.nix;
  relative = path: builtins.substring (builtins.stringLength rootPrefix) (-1) (toString path);
in
stdenvNoCC.mkDerivation {
  pname = "keelson-backend";
  inherit version;

  src = builtins.path {
    name = "keelson-backend-source";
    path = root;
    filter = path: type: keep (relative path) type;
  };

  # The environment's interpreter: its bytecode is what the image's Python loads. Not the
  # environment itself, so that a change to keelson does not rebuild the backend.
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
