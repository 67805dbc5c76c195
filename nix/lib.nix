# keelson.lib: build any Django project on Keelson with Nix (docs/NIX_LIBRARY.md).
#
# Bound by flake.nix to this flake's inputs and its own package:
#   nixpkgs, pyproject-nix, uv2nix, pyproject-build-systems: this flake's inputs.
#   systems: the systems mkFlake builds for by default (./systems.nix).
{
  nixpkgs,
  pyproject-nix,
  uv2nix,
  pyproject-build-systems,
  systems,
}:
let
  inherit (nixpkgs) lib;

  # What ./workspace-files.nix names: the keelson package's own uv project.
  keelsonSource = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions (map (name: ../. + "/${name}") (import ./workspace-files.nix));
  };
  # Written once, in pyproject.toml.
  keelsonVersion = (lib.importTOML ../pyproject.toml).project.version;

  mkProject = import ./project.nix {
    inherit
      lib
      pyproject-nix
      uv2nix
      pyproject-build-systems
      keelsonSource
      keelsonVersion
      ;
  };

  nixosModule = import ./module.nix;

  # mkProject for every system, as flake outputs.
  mkFlake =
    {
      # The systems to build for. Default: Keelson's (x86_64-linux, aarch64-linux).
      systems ? defaultSystems,
      # The nixpkgs flake whose legacyPackages build everything. Default: Keelson's input,
      # the one its own image and checks are built and tested with.
      nixpkgs ? defaultNixpkgs,
      # Every other argument is mkProject's (./project.nix), without pkgs.
      ...
    }@args:
    let
      projectArgs = removeAttrs args [
        "systems"
        "nixpkgs"
      ];
      projects = lib.genAttrs systems (
        system: mkProject (projectArgs // { pkgs = nixpkgs.legacyPackages.${system}; })
      );
    in
    {
      packages = lib.mapAttrs (_: project: {
        inherit (project)
          image
          boot
          source
          static
          pythonEnv
          ;
        default = project.image;
      }) projects;

      checks = lib.mapAttrs (_: project: project.checks) projects;

      devShells = lib.mapAttrs (_: project: { default = project.devShell; }) projects;

      # services.keelson with this project's packages (docs/deploy/systemd/README.md).
      nixosModules.default = nixosModule { packagesFor = system: projects.${system}; };

      formatter = lib.genAttrs systems (system: nixpkgs.legacyPackages.${system}.nixfmt-tree);
    };

  defaultSystems = systems;
  defaultNixpkgs = nixpkgs;
in
{
  inherit
    mkProject
    mkFlake
    nixosModule
    keelsonVersion
    # The keelson package's uv project; this repository's own workspaceRoot.
    keelsonSource
    ;
}
