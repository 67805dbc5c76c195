# A Python environment built by uv2nix from a project's uv.lock on python313: exactly the
# versions `uv sync` installs off Nix. keelson itself is always built from this flake's own
# source (keelsonSource), whatever source the project's lock names for it (an index, git,
# a path): the flake input and the lock must then name the same version, which is checked
# here.
#
#   workspaceRoot: the uv project (pyproject.toml, uv.lock and what a package project
#   builds from). For this repository it is keelsonSource itself.
#
#   groups: uv.lock's dependency groups on top of the runtime dependencies (the image's
#   and the dev environment's; ./project.nix).
#
#   pythonOverlay: the project's own uv2nix overrides, applied last.
#
#   editableRoot: null (the image, the checks) installs keelson as a wheel built from its
#   source: the environment carries the package and needs no checkout. Keelson's own dev
#   shell passes "$REPO_ROOT" (its shellHook sets it): keelson is installed editable from
#   the checkout's src/, so an edit takes effect without rebuilding the environment.
{
  lib,
  pkgs,
  python313,
  libpq,
  pyproject-nix,
  uv2nix,
  pyproject-build-systems,
  keelsonSource,
  keelsonVersion,
  workspaceRoot,
  name,
  version,
  pythonOverlay,
  groups,
  editableRoot ? null,
}:
let
  workspace = uv2nix.lib.workspace.loadWorkspace { inherit workspaceRoot; };

  # Wheels where uv.lock has them; packages that ship only an sdist are built from it,
  # with ./python-overrides.nix where the lock alone is not enough.
  lockOverlay = workspace.mkPyprojectOverlay { sourcePreference = "wheel"; };

  lockedKeelson = builtins.filter (package: package.name == "keelson") (
    (lib.importTOML (workspaceRoot + "/uv.lock")).package or [ ]
  );
  lockedKeelsonVersion =
    if lockedKeelson == [ ] then
      throw "${toString workspaceRoot}/uv.lock has no keelson. Hint: uv add keelson (docs/ADOPTING.md), then uv lock."
    else
      (builtins.head lockedKeelson).version;

  # keelson as its own workspace declares it (built from src/ with hatchling, which
  # pyproject-build-systems provides), in place of the project lock's entry.
  # For this repository the project is keelson itself: its workspace is loaded once.
  keelsonWorkspace =
    if workspaceRoot == keelsonSource then
      workspace
    else
      uv2nix.lib.workspace.loadWorkspace { workspaceRoot = keelsonSource; };
  keelsonOverlay =
    final: prev:
    let
      fromFlake =
        (keelsonWorkspace.mkPyprojectOverlay { sourcePreference = "wheel"; } final prev).keelson;
    in
    {
      keelson =
        if lockedKeelsonVersion == keelsonVersion then
          fromFlake
        else
          throw "uv.lock has keelson ${lockedKeelsonVersion} but the flake input keelson is ${keelsonVersion}. Hint: make both name the same release: uv lock --upgrade-package keelson, or nix flake update keelson (docs/UPGRADING.md).";
    };

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
        keelsonOverlay
        (import ./python-overrides.nix { inherit libpq; })
      ]
      ++ lib.optional (editableRoot != null) editableOverlay
      ++ [ pythonOverlay ]
    )
  );

  # Every workspace project with the requested groups.
  dependencies = lib.mapAttrs (_: _: groups) workspace.deps.default;

  envName = lib.concatStringsSep "-" (
    [
      "${name}-python"
      version
    ]
    ++ groups
    ++ lib.optional (editableRoot != null) "editable"
  );
in
pythonSet.mkVirtualEnv envName dependencies
