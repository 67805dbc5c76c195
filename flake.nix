{
  description = "Keelson: a Django backend built into a reproducible, production-safe OCI image";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

    # uv.lock -> the Python environment (nix/python.nix): the same versions as `uv sync`.
    pyproject-nix = {
      url = "github:pyproject-nix/pyproject.nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    uv2nix = {
      url = "github:pyproject-nix/uv2nix";
      inputs.pyproject-nix.follows = "pyproject-nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    # Build systems (setuptools, wheel, ...) for the packages built from source.
    pyproject-build-systems = {
      url = "github:pyproject-nix/build-system-pkgs";
      inputs.pyproject-nix.follows = "pyproject-nix";
      inputs.uv2nix.follows = "uv2nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      pyproject-nix,
      uv2nix,
      pyproject-build-systems,
    }:
    let
      inherit (nixpkgs) lib;

      systems = import ./nix/systems.nix;

      # Everything is built in one scope per system: each nix/*.nix file is called with
      # callPackage and gets nixpkgs plus the scope's own packages by name.
      scopeFor =
        system:
        lib.makeScope nixpkgs.legacyPackages.${system}.newScope (scope: {
          # The example backend's version: the image's tag and its backend's store paths.
          version = lib.fileContents ./backend/VERSION;
          # The keelson package's (written once, in pyproject.toml): its Python environments.
          keelsonVersion = (lib.importTOML ./pyproject.toml).project.version;
          revision = self.rev or "dirty";
          # The repository this flake is published from; forks change it.
          sourceUrl = "https://github.com/keelson/keelson";
          inherit pyproject-nix uv2nix pyproject-build-systems;

          # uv.lock's groups: the image gets the runtime and `image` (psycopg's C build);
          # the dev shell and the checks add `dev` (test and lint tools). Each holds the
          # keelson package: built from src/ for the image and the checks, editable from
          # the checkout in the dev shell.
          pythonEnv = scope.callPackage ./nix/python.nix { groups = [ "image" ]; };
          pythonTestEnv = scope.callPackage ./nix/python.nix {
            groups = [
              "image"
              "dev"
            ];
          };
          pythonDevEnv = scope.callPackage ./nix/python.nix {
            groups = [
              "image"
              "dev"
            ];
            # Expanded when Python starts, from the variable the dev shell's hook sets.
            editableRoot = "$REPO_ROOT";
          };
          backend = scope.callPackage ./nix/source.nix { };
          static = scope.callPackage ./nix/static.nix { };
          pgIsReady = scope.callPackage ./nix/pg-isready.nix { };
          front = scope.callPackage ./nix/front.nix { };
          boot = scope.callPackage ./nix/boot.nix { };
          image = scope.callPackage ./nix/image.nix { };
          # services.keelson with this scope's packages, for the checks' NixOS VM.
          nixosModule = import ./nix/module.nix {
            packagesFor = _: { inherit (scope) boot backend static; };
          };
          devShell = scope.callPackage ./nix/shell.nix { };
          # callPackage adds override functions, which are not checks.
          checks = removeAttrs (scope.callPackage ./nix/checks.nix { }) [
            "override"
            "overrideDerivation"
          ];
        });

      # One scope per system, built once: packages, devShells and checks share it (and
      # uv.lock is parsed once per system).
      scopes = lib.genAttrs systems scopeFor;
      forEachSystem = f: lib.mapAttrs (_: f) scopes;
    in
    {
      packages = forEachSystem (scope: {
        inherit (scope)
          image
          boot
          backend
          static
          pythonEnv
          ;
        default = scope.image;
      });

      devShells = forEachSystem (scope: {
        default = scope.devShell;
      });

      checks = forEachSystem (scope: scope.checks);

      # services.keelson: keelson-migrate, then keelson-web, under systemd
      # (docs/deploy/systemd/README.md).
      nixosModules.default = import ./nix/module.nix {
        packagesFor = system: self.packages.${system};
      };

      # `nix fmt` passes no path: nixfmt-tree formats the whole tree (RFC 166).
      formatter = lib.genAttrs systems (system: nixpkgs.legacyPackages.${system}.nixfmt-tree);
    };
}
