# The OCI image: `nix build .#image && docker load < result`. Layered by store path
# (shared layers between releases), `created` at its reproducible default, so two builds
# of the same commit give the same digest. Named `name:version`.
{
  dockerTools,
  name,
  boot,
  source,
  static,
  settingsModule,
  version,
  revision,
  sourceUrl,
}:
let
  config = import ./image-config.nix {
    inherit
      name
      boot
      source
      static
      settingsModule
      version
      revision
      sourceUrl
      ;
  };

  # /etc/passwd and /etc/group with the service user, so tools that look the uid up
  # (and Python's getpass) find a name.
  nss = dockerTools.fakeNss.override {
    extraPasswdLines = [ "app:x:10001:10001:Keelson service user:/tmp:/bin/false" ];
    extraGroupLines = [ "app:x:10001:" ];
  };
in
dockerTools.buildLayeredImage {
  inherit name;
  tag = version;
  # `boot` itself is linked as /bin/boot (and PATH=/bin): operators run
  # `docker exec <container> boot manage ...` without knowing its store path.
  contents = [
    nss
    dockerTools.caCertificates
    boot
  ];
  # Runs under fakeroot in the image root (relative paths); the ownership it records goes
  # into the layer. Store paths cannot carry mode 1777 or another owner, so these two
  # directories cannot come from `contents`.
  fakeRootCommands = ''
    mkdir -p tmp app/logs
    chmod 1777 tmp
    chown 10001:10001 app/logs
    chmod 0750 app/logs
  '';
  # The config is ./image-config.nix's (tests evaluate it there). No `passthru` here:
  # buildLayeredImage hands it to its inner `stream` derivation, not to the tarball.
  inherit config;
}
