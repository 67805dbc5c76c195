{
  description = "mysite: a Django project on Keelson";

  # Keelson's library, at the release uv.lock names (docs/UPGRADING.md: bump both).
  inputs.keelson.url = "github:keelson/keelson/v0.2.0";

  outputs =
    { self, keelson }:
    keelson.lib.mkFlake {
      # The uv project: pyproject.toml and uv.lock decide every Python package.
      workspaceRoot = ./.;
      # The Django project: manage.py's directory, the image's working directory.
      projectRoot = ./.;
      # psycopg's C implementation in the image, built against nixpkgs' libpq.
      groups = [ "image" ];
      # `nix flake check` runs the project's own tests.
      testCommand = "python manage.py test --settings config.settings.test";
      revision = self.rev or "dirty";
    };
}
