# The image's runtime configuration (the OCI config's `config` object). A pure function
# of store paths and strings, so tests evaluate it with dummy paths and no nixpkgs.
# ./project.nix documents the arguments it passes on (name, settingsModule, version,
# revision, sourceUrl).
{
  name,
  boot,
  source,
  static,
  settingsModule,
  version,
  revision,
  # null: the image names no source repository.
  sourceUrl,
}:
let
  seconds = n: n * 1000000000; # Docker's Healthcheck durations are in nanoseconds
in
{
  Entrypoint = [ "${boot}/bin/boot" ];
  User = "10001:10001";
  # The boot script treats its working directory as the project root.
  WorkingDir = "${source}";
  Env = [
    "DJANGO_SETTINGS_MODULE=${settingsModule}"
    "PYTHONUNBUFFERED=1"
    "PYTHONDONTWRITEBYTECODE=1"
    # Collected at build time (./static.nix); no replica collects at boot.
    "STATIC_ROOT=${static}"
    "RUN_COLLECTSTATIC=0"
    # The only writable places: /tmp (1777) and /app/logs (uid 10001).
    "HOME=/tmp"
    "LOG_DIR=/app/logs"
    "SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt"
    # Only /bin/boot is there: `docker exec <container> boot ...`. The boot script sets
    # its own PATH to exactly its tools.
    "PATH=/bin"
  ];
  ExposedPorts."8000/tcp" = { };
  Healthcheck = {
    Test = [
      "CMD"
      "${boot}/bin/boot"
      "healthcheck"
    ];
    Interval = seconds 30;
    Timeout = seconds 5;
    # Migrations run before gunicorn listens.
    StartPeriod = seconds 60;
    Retries = 3;
  };
  Labels = {
    "org.opencontainers.image.title" = name;
    "org.opencontainers.image.description" = "${name}, a Django project served by Keelson";
    "org.opencontainers.image.version" = version;
    "org.opencontainers.image.revision" = revision;
  }
  // (if sourceUrl == null then { } else { "org.opencontainers.image.source" = sourceUrl; });
}
