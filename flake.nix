{
  description = "Keelson: the production runtime for Django, built into a reproducible OCI image";

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

      # The library every project on Keelson builds with (docs/NIX_LIBRARY.md).
      keelsonLib = import ./nix/lib.nix {
        inherit
          nixpkgs
          pyproject-nix
          uv2nix
          pyproject-build-systems
          systems
          ;
      };

      # The example project in backend/, built by the library as any project is, plus what
      # only this repository has: an editable keelson for its dev shell, the whole test
      # suite and the NixOS VM tests as checks. One scope per system, built once: packages,
      # devShells and checks share it (and uv.lock is parsed once per system).
      scopeFor =
        system:
        (keelsonLib.mkProject {
          pkgs = nixpkgs.legacyPackages.${system};
          # This repository's uv project is keelson itself, whose lock the example uses.
          workspaceRoot = keelsonLib.keelsonSource;
          projectRoot = ./backend;
          name = "keelson";
          # The example's version: the image's tag (the package's is in pyproject.toml).
          version = lib.fileContents ./backend/VERSION;
          # psycopg's C implementation, against nixpkgs' libpq.
          groups = [ "image" ];
          revision = self.rev or "dirty";
          # The repository this flake is published from; forks change it.
          sourceUrl = "https://github.com/keelson/keelson";
        }).overrideScope
          (
            final: prev: {
              # Expanded when Python starts, from the variable the dev shell's hook sets.
              pythonEditableEnv = final.callPackage ./nix/python.nix {
                groups = [
                  "image"
                  "dev"
                ];
                editableRoot = "$REPO_ROOT";
              };
              # services.keelson with this scope's packages, for the checks' NixOS VM.
              nixosModule = keelsonLib.nixosModule { packagesFor = _: final; };
              devShell = final.callPackage ./nix/shell.nix { };
              checks =
                prev.checks
                // removeAttrs (final.callPackage ./nix/checks.nix { }) [
                  "override"
                  "overrideDerivation"
                ];
            }
          );

      scopes = lib.genAttrs systems scopeFor;
      forEachSystem = f: lib.mapAttrs (_: f) scopes;
    in
    {
      # mkProject, mkFlake, nixosModule: docs/NIX_LIBRARY.md.
      lib = {
        inherit (keelsonLib) mkProject mkFlake nixosModule;
        version = keelsonLib.keelsonVersion;
      };

      # `nix flake init -t github:keelson/keelson`: a new project on Keelson.
      templates.default = {
        path = ./templates/default;
        description = "A Django project on Keelson: uv, the image, the checks and the NixOS module";
      };

      packages = forEachSystem (scope: {
        inherit (scope)
          image
          boot
          source
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
      nixosModules.default = keelsonLib.nixosModule {
        packagesFor = system: self.packages.${system};
      };

      # `nix fmt` passes no path: nixfmt-tree formats the whole tree (RFC 166).
      formatter = lib.genAttrs systems (system: nixpkgs.legacyPackages.${system}.nixfmt-tree);
    };
}
