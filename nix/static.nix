# Static files collected at build time with the production settings (WhiteNoise's
# compressed manifest storage) into the store; the image points STATIC_ROOT here and
# sets RUN_COLLECTSTATIC=0, so no replica collects at boot.
{
  runCommand,
  pythonEnv,
  source,
  name,
  version,
  settingsModule,
  staticEnv,
}:
let
  attrs = {
    nativeBuildInputs = [ pythonEnv ];
    env = import ./static-env.nix { inherit settingsModule; } // staticEnv;
  };
in
runCommand "${name}-static-${version}" attrs ''
  cd ${source}
  STATIC_ROOT="$out" python manage.py collectstatic --noinput --verbosity 1
''
