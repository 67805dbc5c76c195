# The image's runtime configuration (the OCI config's `config` object). A pure function
# of store paths and strings, so tests evaluate it with dummy paths and no nixpkgs.
{
  boot,
  backend,
  static,
  version,
  revision,
  sourceUrl,
}:
let
  seconds = n: n * 1000000000; # Docker's Healthcheck durations are in nanoseconds
in
{
  Entrypoint = [ "${boot}/bin/boot" ];
  User = "10001:10001";
  # The boot script treats its working directory as the backend root.
  WorkingDir = "${backend}";
  Env = [
    "DJANGO_SETTINGS_MODULE=config.settings.production"
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
    "org.opencontainers.image.title" = "keelson";
    "org.opencontainers.image.description" = "Keelson Django backend";
    "org.opencontainers.image.version" = version;
    "org.opencontainers.image.revision" = revision;
    "org.opencontainers.image.source" = sourceUrl;
  };
}
