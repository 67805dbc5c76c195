# Packages of uv.lock that uv2nix cannot build from the lock alone: built from source and
# needing a native library, or lacking a wheel for one of nix/systems.nix. uv.lock records
# neither build systems nor C libraries, so they are added here (uv2nix's override
# pattern). tests/nix/test_python_wheels.py reads the names this overlay overrides.
#
#   libpq: nixpkgs' libpq, the one of the image (shared with pg_isready).
{ libpq }:
final: prev: {
  # psycopg's C implementation (sdist only), linked against nixpkgs' libpq. Its build runs
  # `pg_config` for the include and library directories.
  psycopg-c = prev.psycopg-c.overrideAttrs (old: {
    nativeBuildInputs =
      (old.nativeBuildInputs or [ ])
      ++ [ libpq.pg_config ]
      ++ final.resolveBuildSystem {
        setuptools = [ ];
        wheel = [ ];
      };
    buildInputs = (old.buildInputs or [ ]) ++ [ libpq ];
  });
}
