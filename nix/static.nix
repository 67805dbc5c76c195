# Static files collected at build time with the production settings (WhiteNoise's
# compressed manifest storage) into the store; the image points STATIC_ROOT here and
# sets RUN_COLLECTSTATIC=0, so no replica collects at boot.
{
  runCommand,
  pythonEnv,
  backend,
  version,
}:
let
  attrs = {
    nativeBuildInputs = [ pythonEnv ];
    env = import ./static-env.nix;
  };
in
runCommand "keelson-static-${version}" attrs ''
  cd ${backend}
  STATIC_ROOT="$out" python manage.py collectstatic --noinput --verbosity 1
''
