# services.keelson: the service description (./service-config.nix) as NixOS units, a
# declared system user, and optionally a local PostgreSQL reached by peer authentication.
# keelson.lib.nixosModule { packagesFor }: `packagesFor system` gives a project's packages
# for a system (at least boot, source and static, as keelson.lib.mkProject builds them),
# the options' defaults.
{ packagesFor }:
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    mkEnableOption
    mkIf
    mkOption
    types
    ;
  cfg = config.services.keelson;
  packages = packagesFor pkgs.stdenv.hostPlatform.system;
  db = cfg.database;

  # Set by the module or by secretFiles: never in `settings`.
  reservedSettings = [
    "SECRET_KEY"
    "SECRET_KEY_FILE"
    "POSTGRES_PASSWORD"
    "POSTGRES_PASSWORD_FILE"
    "GUNICORN_BIND"
  ];

  databaseSettings = {
    POSTGRES_HOST = db.host;
    POSTGRES_PORT = db.port;
    POSTGRES_DB = db.name;
    POSTGRES_USER = db.user;
  };

  units = import ./service-config.nix {
    boot = [ (lib.getExe cfg.package) ];
    workingDirectory = "${cfg.source}";
    staticRoot = "${cfg.staticFiles}";
    settings = databaseSettings // { GUNICORN_BIND = cfg.listen; } // cfg.settings;
    inherit (cfg) secretFiles roles user;
    requires = lib.optional db.createLocally "postgresql.target";
  };

  # service-config's sections onto the options of systemd.services.<name> (the
  # dependency lists through their own options, which other modules extend).
  nixosService = unit: {
    description = unit.Unit.Description;
    after = unit.Unit.After or [ ];
    wants = unit.Unit.Wants or [ ];
    requires = unit.Unit.Requires or [ ];
    unitConfig = removeAttrs unit.Unit [
      "Description"
      "After"
      "Wants"
      "Requires"
    ];
    serviceConfig = unit.Service;
    wantedBy = unit.Install.WantedBy or [ ];
  };
in
{
  options.services.keelson = {
    enable = mkEnableOption "Keelson, the Django backend (keelson-migrate, then one unit per role)";

    package = mkOption {
      type = types.package;
      default = packages.boot;
      defaultText = lib.literalExpression "(packagesFor system).boot";
      description = "The boot (`boot serve`, `boot migrate`, `boot check`).";
    };

    source = mkOption {
      type = types.package;
      default = packages.source;
      defaultText = lib.literalExpression "(packagesFor system).source";
      description = "The project's production files: the boot's working directory.";
    };

    staticFiles = mkOption {
      type = types.package;
      default = packages.static;
      defaultText = lib.literalExpression "(packagesFor system).static";
      description = "Static files collected at build time (STATIC_ROOT; nothing is collected at start).";
    };

    settings = mkOption {
      type = types.attrsOf (
        types.oneOf [
          types.str
          types.int
          types.bool
        ]
      );
      default = { };
      example = {
        ALLOWED_HOSTS = "app.example.com";
        CSRF_TRUSTED_ORIGINS = "https://app.example.com";
        GUNICORN_WORKERS = 5;
      };
      description = ''
        Non-secret environment of every unit (docs/BOOT_AND_RUNTIME.md lists each
        variable). Judged by the boot when a unit starts: a bad value fails the unit once
        with one line in the journal (exit 78). Secrets go in `secretFiles`.
      '';
    };

    secretFiles = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        SECRET_KEY = "/run/keys/keelson/secret_key";
        POSTGRES_PASSWORD = "/run/keys/keelson/postgres_password";
      };
      description = ''
        Secrets as files only root can read, by variable name. Each becomes a systemd
        credential, read by the boot as NAME_FILE; the value never enters the Nix store,
        the environment or the journal.
      '';
    };

    database = {
      createLocally = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Create the database and its role in a local PostgreSQL (services.postgresql)
          and connect through its unix socket with peer authentication: no password.
        '';
      };
      host = mkOption {
        type = types.str;
        default = if db.createLocally then "/run/postgresql" else "localhost";
        defaultText = lib.literalExpression ''if createLocally then "/run/postgresql" else "localhost"'';
        description = "POSTGRES_HOST: a host name, or the directory of PostgreSQL's unix socket.";
      };
      port = mkOption {
        type = types.port;
        default = 5432;
        description = "POSTGRES_PORT.";
      };
      name = mkOption {
        type = types.str;
        default = "keelson";
        description = "POSTGRES_DB.";
      };
      user = mkOption {
        type = types.str;
        default = cfg.user;
        defaultText = lib.literalExpression "config.services.keelson.user";
        description = "POSTGRES_USER.";
      };
    };

    listen = mkOption {
      type = types.str;
      default = "127.0.0.1:8000";
      example = "unix:/run/keelson/web.sock";
      description = "GUNICORN_BIND: HOST:PORT or unix:PATH (/run/keelson is the service's).";
    };

    roles = mkOption {
      type = types.listOf (types.enum [ "web" ]);
      default = [ "web" ];
      description = "Long-running roles, one unit each (keelson-<role>), after keelson-migrate.";
    };

    user = mkOption {
      type = types.str;
      default = "keelson";
      description = "The system user (and group) every unit runs as.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.secretFiles ? SECRET_KEY;
        message = "services.keelson.secretFiles.SECRET_KEY is missing. Hint: a root-only file of 50+ random characters.";
      }
      {
        assertion = db.createLocally || cfg.secretFiles ? POSTGRES_PASSWORD;
        message = "services.keelson.secretFiles.POSTGRES_PASSWORD is missing. Hint: set it, or database.createLocally = true (peer authentication).";
      }
      {
        assertion = builtins.all (name: !(cfg.settings ? ${name})) reservedSettings;
        message = "services.keelson.settings must not set ${lib.concatStringsSep ", " reservedSettings}. Hint: secrets go in secretFiles, the bind address in listen.";
      }
      {
        assertion = !db.createLocally || (db.user == cfg.user && db.name == db.user);
        message = "services.keelson.database.createLocally needs database.user = database.name = services.keelson.user. Hint: peer authentication maps the service user to the role of the same name, which owns the database of that name.";
      }
    ];

    users.users.${cfg.user} = {
      isSystemUser = true;
      group = cfg.user;
      description = "Keelson service user";
    };
    users.groups.${cfg.user} = { };

    services.postgresql = mkIf db.createLocally {
      enable = true;
      ensureDatabases = [ db.name ];
      ensureUsers = [
        {
          name = db.user;
          ensureDBOwnership = true;
        }
      ];
    };

    systemd.services = builtins.mapAttrs (_: nixosService) units;
  };
}
