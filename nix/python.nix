# A Python environment built by uv2nix from uv.lock on python313: exactly the versions
# `uv sync` installs off Nix, and the keelson package itself (the workspace's project,
# built from src/ with the build system pyproject.toml names).
#
#   groups: uv.lock's dependency groups on top of the runtime dependencies. The image
#   takes [ "image" ] (psycopg's C implementation); the dev shell and the checks add "dev".
#   Never "off-nix": its tools come from nixpkgs in the Nix environments.
#
#   editableRoot: null (the image, the checks) installs keelson as a wheel built from its
#   source: the environment carries the package and needs no checkout. The dev shell
#   passes "$REPO_ROOT" (its shellHook sets it): keelson is installed editable from the
#   checkout's src/, so an edit takes effect without rebuilding the environment.
{
  lib,
  pkgs,
  python313,
  libpq,
  pyproject-nix,
  uv2nix,
  pyproject-build-systems,
  keelsonVersion,
  groups,
  editableRoot ? null,
}:
let
  # What ./workspace-files.nix names, nothing else of the repository.
  workspaceRoot = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions (map (name: ../. + "/${name}") (import ./workspace-files.nix));
  };

  workspace = uv2nix.lib.workspace.loadWorkspace { inherit workspaceRoot; };

  # Wheels where uv.lock has them; packages that ship only an sdist are built from it,
  # with ./python-overrides.nix where the lock alone is not enough. keelson is built from
  # workspaceRoot with hatchling, which pyproject-build-systems provides (as a wheel too).
  lockOverlay = workspace.mkPyprojectOverlay { sourcePreference = "wheel"; };

  # What workspace.mkEditablePyprojectOverlay does, without it: it splits the workspace
  # root as a path, and ours is a fileset's source. keelson is the workspace's root
  # project, so its editable root is editableRoot itself.
  editableOverlay = final: prev: {
    keelson = (prev.keelson.override { inherit editableRoot; }).overrideAttrs (old: {
      # An editable build reads the metadata and finds the package; it never copies the
      # modules. With only these files as its source, editing src/ rebuilds nothing.
      src = lib.fileset.toSource {
        root = ../.;
        fileset = lib.fileset.unions [
          ../pyproject.toml
          ../README.md
          ../LICENSE
          ../src/keelson/__init__.py
        ];
      };
      # hatchling's editable build imports `editables`, which the build-system table does
      # not name (only an editable install needs it).
      nativeBuildInputs = old.nativeBuildInputs ++ final.resolveBuildSystem { editables = [ ]; };
      # The lock's dependencies only, as the wheel's: uv2nix's editable package would also
      # put its build system (hatchling) into the environment, which `uv sync` does not
      # and a pure-Python package never needs at runtime (its .pth is a plain path).
      passthru = old.passthru // {
        inherit (prev.keelson.passthru) dependencies;
      };
    });
  };

  pythonSet = (pkgs.callPackage pyproject-nix.build.packages { python = python313; }).overrideScope (
    lib.composeManyExtensions (
      [
        pyproject-build-systems.overlays.wheel
        lockOverlay
        (import ./python-overrides.nix { inherit libpq; })
      ]
      ++ lib.optional (editableRoot != null) editableOverlay
    )
  );

  # Every workspace project (here: keelson) with the requested groups.
  dependencies = lib.mapAttrs (_: _: groups) workspace.deps.default;

  name = lib.concatStringsSep "-" (
    [
      "keelson-python"
      keelsonVersion
    ]
    ++ groups
    ++ lib.optional (editableRoot != null) "editable"
  );
in
pythonSet.mkVirtualEnv name dependencies
