# The backend's Python environment, built by uv2nix from uv.lock on python313: exactly the
# versions `uv sync` installs off Nix. The project itself is virtual (tool.uv.package =
# false): the environment holds its dependencies, never the project.
#
#   groups: uv.lock's dependency groups on top of the runtime dependencies. The image
#   takes [ "image" ] (psycopg's C implementation); the dev shell and the checks add "dev".
#   Never "off-nix": its tools come from nixpkgs in the Nix environments.
{
  lib,
  pkgs,
  python313,
  libpq,
  pyproject-nix,
  uv2nix,
  pyproject-build-systems,
  version,
  groups,
}:
let
  # Only the two files uv2nix reads: editing the backend does not rebuild the environment.
  lockFiles = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../pyproject.toml
      ../uv.lock
    ];
  };

  workspace = uv2nix.lib.workspace.loadWorkspace { workspaceRoot = lockFiles; };

  # Wheels where uv.lock has them; packages that ship only an sdist are built from it,
  # with ./python-overrides.nix where the lock alone is not enough.
  lockOverlay = workspace.mkPyprojectOverlay { sourcePreference = "wheel"; };

  pythonSet = (pkgs.callPackage pyproject-nix.build.packages { python = python313; }).overrideScope (
    lib.composeManyExtensions [
      pyproject-build-systems.overlays.wheel
      lockOverlay
      (import ./python-overrides.nix { inherit libpq; })
    ]
  );

  # Every workspace project (here: keelson) with the requested groups.
  dependencies = lib.mapAttrs (_: _: groups) workspace.deps.default;
in
pythonSet.mkVirtualEnv "keelson-python-${version}-${lib.concatStringsSep "-" groups}" dependencies
