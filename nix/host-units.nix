# The unit files for hosts without NixOS, as docs/deploy/systemd/ ships them
# (docs/deploy/systemd/README.md installs them): the repository in /opt/keelson with the
# virtualenv uv.lock describes, plus the keelson wheel, in /opt/keelson/venv (the boot's
# `python -m keelson` runs the installed package), the boot run by bash from there,
# pg_isready from the host's PostgreSQL client, nginx (the front) from the host's package
# in /usr/sbin, settings in /etc/keelson/keelson.env,
# secrets in /etc/keelson/credentials/ (root only). Pure: a test renders these texts with
# nix-instantiate and compares them with the files.
let
  prefix = "/opt/keelson";
  etc = "/etc/keelson";
  render = import ./systemd-ini.nix {
    header = [
      "Rendered from nix/service-config.nix by nix/render_units.py: edit those, not this file."
      "Local changes belong in a drop-in: systemctl edit <unit>."
    ];
  };
  units = import ./service-config.nix {
    boot = [
      "/bin/bash"
      "${prefix}/nix/boot.sh"
    ];
    workingDirectory = "${prefix}/backend";
    path = "${prefix}/venv/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin";
    environmentFiles = [ "${etc}/keelson.env" ];
    secretFiles = {
      SECRET_KEY = "${etc}/credentials/secret_key";
      POSTGRES_PASSWORD = "${etc}/credentials/postgres_password";
    };
  };
in
builtins.listToAttrs (
  map (unit: {
    name = "${unit}.service";
    value = render units.${unit};
  }) (builtins.attrNames units)
)
