# The boot script (./boot.sh) as the image's entrypoint. writeShellApplication prepends
# `set -o errexit -o nounset -o pipefail` and the PATH, and its build runs shellcheck.
# The PATH is exactly runtimeInputs (inheritPath = false): the image sets no PATH, and the
# boot must not depend on whatever a container runtime would put there. The script only
# execs `python -m keelson` (the keelson package of pythonEnv), which runs pg_isready and
# nginx from this PATH.
{
  writeShellApplication,
  pythonEnv,
  pgIsReady,
  front,
}:
writeShellApplication {
  name = "boot";
  text = builtins.readFile ./boot.sh;
  runtimeInputs = [
    pythonEnv
    pgIsReady
    # nginx, started and stopped by the boot in front of gunicorn (nix/front.nix).
    front
  ];
  inheritPath = false;
}
