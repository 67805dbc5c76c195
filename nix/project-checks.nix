# A project's `nix flake check` (keelson.lib.mkProject's checks): the built image keeps
# its promises, the image's Python environment is exactly uv.lock's, and the project's
# own tests pass with the dev environment (when it names a testCommand).
{
  lib,
  runCommand,
  python313,
  pythonEnv,
  pythonDevEnv,
  image,
  name,
  version,
  workspaceRoot,
  projectRoot,
  settingsModule,
  developmentFiles,
  testCommand,
  groups,
}:
let
  # The checks' scripts read markers and wheels with `packaging` (nixpkgs'), which a
  # project's own environments need not carry.
  checkPython = {
    nativeBuildInputs = [ (python313.withPackages (ps: [ ps.packaging ])) ];
  };
  developmentFileArgs = lib.concatMapStringsSep " " (
    file: "--development-file ${lib.escapeShellArg file}"
  ) developmentFiles;
  groupArgs = lib.concatMapStringsSep " " (group: "--group ${lib.escapeShellArg group}") groups;
in
{
  # Opens the built tarball: not root, the entrypoint, the env, no development files.
  image-metadata = runCommand "${name}-image-metadata-${version}" checkPython ''
    python ${./check_image.py} ${image} \
      --settings-module ${lib.escapeShellArg settingsModule} ${developmentFileArgs}
    touch $out
  '';

  # The image's environment is exactly uv.lock's runtime and `groups`, at the lock's
  # versions (keelson included: the flake's, at the lock's version).
  python-env = runCommand "${name}-python-env-${version}" checkPython ''
    python ${./check_python_env.py} ${workspaceRoot + "/uv.lock"} ${pythonEnv} ${groupArgs} \
      --psycopg-impl auto
    touch $out
  '';
}
// lib.optionalAttrs (testCommand != null) {
  # The project's own tests, in a writable copy of its root (Django's test runner writes
  # nothing there, but a project's may), with the dev environment.
  tests = runCommand "${name}-tests-${version}" { nativeBuildInputs = [ pythonDevEnv ]; } ''
    cp -r ${projectRoot} project
    chmod -R u+w project
    cd project
    export HOME=$TMPDIR PYTHONDONTWRITEBYTECODE=1
    ${testCommand}
    touch $out
  '';
}
