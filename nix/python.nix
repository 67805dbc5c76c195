# The backend's Python environment, built by uv2nix from uv.lock on python313: exactly the
# versions `uv sync` installs off Nix. The project itself is virtual (tool.uv.package =
# false): the environment holds its dependencies, never the project.
#
#   groups: uv.lock's dependency groups on top of the runtime dependencies. The image
#   takes [ "image" ] (psycopg's C implementation); the dev shell and the checks add "dev".
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

  # Wheels where uv.lock has them; packages that ship only an sdist are built from it.
  lockOverlay = workspace.mkPyprojectOverlay { sourcePreference = "wheel"; };

  # Packages built from source that need a native library: uv.lock records neither build
  # systems nor C libraries, so they are added here (uv2nix's override pattern).
  nativeOverlay = final: prev: {
    # psycopg's C implementation (sdist only), linked against nixpkgs' libpq: the one
    # libpq of the image, shared with pg_isready (./pg-isready.nix). Its build runs
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
  };

  pythonSet = (pkgs.callPackage pyproject-nix.build.packages { python = python313; }).overrideScope (
    lib.composeManyExtensions [
      pyproject-build-systems.overlays.wheel
      lockOverlay
      nativeOverlay
    ]
  );

  # Every workspace project (here: keelson) with the requested groups.
  dependencies = lib.mapAttrs (_: _: groups) workspace.deps.default;
in
pythonSet.mkVirtualEnv "keelson-python-${version}-${lib.concatStringsSep "-" groups}" dependencies
