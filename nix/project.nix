# keelson.lib.mkProject: everything Nix builds for one Django project on Keelson, for one
# system, as a scope (lib.makeScope: `.overrideScope` replaces any member). The project is
# a uv project that depends on keelson; keelson itself comes from this flake.
#
# Bound by ./lib.nix: lib (nixpkgs' lib), pyproject-nix, uv2nix, pyproject-build-systems
# (this flake's inputs), keelsonSource and keelsonVersion (this flake's package).
{
  lib,
  pyproject-nix,
  uv2nix,
  pyproject-build-systems,
  keelsonSource,
  keelsonVersion,
}:
let
  defaults = import ./project-defaults.nix;
in
{
  # Required. nixpkgs' package set for the system to build for
  # (nixpkgs.legacyPackages.${system}); mkFlake passes Keelson's own nixpkgs.
  pkgs,
  # Required. The uv project's root: a directory (path) holding pyproject.toml and uv.lock,
  # whose lock decides every Python package of the environments. keelson must be one of
  # its dependencies, at the version of this flake (checked at evaluation).
  workspaceRoot,
  # The Django project's root: manage.py's directory, the image's working directory.
  # Default: workspaceRoot.
  projectRoot ? workspaceRoot,
  # The project's name: the image's name, and the prefix of every store path built here.
  # Default: pyproject.toml's project.name.
  name ? (lib.importTOML (workspaceRoot + "/pyproject.toml")).project.name,
  # The project's version: the image's tag. Default: pyproject.toml's project.version.
  version ? (lib.importTOML (workspaceRoot + "/pyproject.toml")).project.version,
  # DJANGO_SETTINGS_MODULE of the image and of collectstatic at build time: the production
  # settings. Default: "config.settings.production" (the boot's own default).
  settingsModule ? defaults.settingsModule,
  # Paths below projectRoot that never go into the image (development and test settings),
  # besides what the source rule always leaves out (tests, hidden files, SQLite files,
  # bytecode, logs, Nix files). Default: [ "config/settings/local.py" "config/settings/test.py" ].
  developmentFiles ? defaults.developmentFiles,
  # uv.lock's dependency groups the image's environment adds to the runtime dependencies,
  # e.g. [ "image" ] for a group holding "psycopg[c]". Default: [ ].
  groups ? [ ],
  # The groups the dev shell's and the checks' environment adds on top of `groups`.
  # Default: [ "dev" ] (the group uv syncs by default) when pyproject.toml declares it,
  # else [ ].
  devGroups ? lib.optional (
    (lib.importTOML (workspaceRoot + "/pyproject.toml")).dependency-groups or { } ? dev
  ) "dev",
  # uv2nix overrides of the project's own (final: prev: { ... }), applied after Keelson's
  # (psycopg-c against nixpkgs' libpq): build systems and native libraries for packages
  # uv.lock has no wheel of. Default: none.
  pythonOverlay ? (_final: _prev: { }),
  # Extra build-only environment for collectstatic, for production settings that refuse to
  # load without a project variable that has no default (placeholders only: the values
  # are in the store). Default: { }.
  staticEnv ? { },
  # A shell command run in a writable copy of projectRoot, with the dev environment on
  # PATH, as checks.tests, e.g. "python manage.py test --settings config.settings.test".
  # Default: null (no checks.tests).
  testCommand ? null,
  # The image's org.opencontainers.image.revision label, e.g. self.rev or "dirty".
  # Default: "dirty".
  revision ? "dirty",
  # The image's org.opencontainers.image.source label; null leaves it out. Default: null.
  sourceUrl ? null,
}:
lib.makeScope pkgs.newScope (scope: {
  inherit
    pyproject-nix
    uv2nix
    pyproject-build-systems
    keelsonSource
    keelsonVersion
    workspaceRoot
    projectRoot
    name
    version
    settingsModule
    developmentFiles
    pythonOverlay
    staticEnv
    testCommand
    revision
    sourceUrl
    ;

  # The image's Python environment: the runtime dependencies and `groups`, keelson built
  # from this flake's source.
  pythonEnv = scope.callPackage ./python.nix { inherit groups; };
  # The same with `devGroups`: the dev shell and the checks.
  pythonDevEnv = scope.callPackage ./python.nix { groups = groups ++ devGroups; };
  # The project's production files, bytecode compiled.
  source = scope.callPackage ./source.nix { };
  static = scope.callPackage ./static.nix { };
  pgIsReady = scope.callPackage ./pg-isready.nix { };
  front = scope.callPackage ./front.nix { };
  # The entrypoint: `boot [serve|migrate|check|worker|beat|healthcheck|manage]`.
  boot = scope.callPackage ./boot.nix { };
  image = scope.callPackage ./image.nix { };
  devShell = scope.callPackage ./project-shell.nix { };
  # callPackage adds override functions, which are not checks.
  checks = removeAttrs (scope.callPackage ./project-checks.nix { inherit groups; }) [
    "override"
    "overrideDerivation"
  ];
})
