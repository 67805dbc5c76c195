# pg_isready on its own, for the boot script's wait for PostgreSQL. It lives in the `out`
# output of postgresql, next to the server, initdb and their libraries (ICU, libxml2,
# systemd, ...); the standalone libpq package has no pg_isready. Copying the one binary
# keeps the server out of the image: the copy still links libpq from postgresql's `lib`
# output, and any leftover reference to `out` is removed (pg_isready needs nothing from
# it), which disallowedReferences then guarantees.
{
  runCommand,
  postgresql,
  removeReferencesTo,
}:
let
  attrs = {
    nativeBuildInputs = [ removeReferencesTo ];
    disallowedReferences = [ postgresql ];
    meta.mainProgram = "pg_isready";
  };
in
runCommand "pg_isready-${postgresql.version}" attrs ''
  install -D -m 0755 ${postgresql}/bin/pg_isready "$out/bin/pg_isready"
  remove-references-to -t ${postgresql} "$out/bin/pg_isready"
''
