# pg_isready on its own, for the boot script's wait for PostgreSQL, linked against nixpkgs'
# libpq: the same library psycopg's C implementation uses (./python.nix), so the image
# carries one libpq. pg_isready lives in the `out` output of postgresql, next to the
# server, initdb and their libraries (ICU, libxml2, systemd, ...); the standalone libpq
# package has no pg_isready. The copy's run path swaps postgresql's `lib` output (its own
# libpq) for libpq's, libpq.so.5 being the same stable ABI, and any leftover reference to
# either postgresql output is removed (pg_isready needs nothing else from them), which
# disallowedReferences then guarantees.
{
  lib,
  runCommand,
  postgresql,
  libpq,
  patchelf,
  removeReferencesTo,
}:
let
  attrs = {
    nativeBuildInputs = [
      patchelf
      removeReferencesTo
    ];
    disallowedReferences = [
      postgresql
      (lib.getLib postgresql)
    ];
    meta.mainProgram = "pg_isready";
  };
in
runCommand "pg_isready-${postgresql.version}" attrs ''
  install -D -m 0755 ${postgresql}/bin/pg_isready "$out/bin/pg_isready"
  rpath=$(patchelf --print-rpath "$out/bin/pg_isready")
  rpath=''${rpath//"${lib.getLib postgresql}/lib"/"${lib.getLib libpq}/lib"}
  patchelf --set-rpath "$rpath" "$out/bin/pg_isready"
  remove-references-to -t ${postgresql} -t ${lib.getLib postgresql} "$out/bin/pg_isready"
  # It loads and runs with libpq's library.
  "$out/bin/pg_isready" --version
''
