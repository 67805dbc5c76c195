# The Python environment the backend runs in: python313 with the pinned runtime packages
# (psycopg brings its C speedups, psycopg-c, along). `extraPackages` adds tools for the
# dev shell and the checks; the image gets the runtime packages only.
{
  python313,
  extraPackages ? [ ],
}:
let
  packages = import ./python-packages.nix;
  runtime = builtins.attrValues packages.runtime ++ packages.runtimeNixOnly;
in
python313.withPackages (ps: map (name: ps.${name}) (runtime ++ extraPackages))
