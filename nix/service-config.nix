# The Keelson service as systemd units: the one description that the NixOS module
# (./module.nix) and the unit files for hosts without NixOS (./host-units.nix, rendered
# into docs/deploy/systemd/) both come from. A pure function of strings, without nixpkgs,
# so tests evaluate it with nix-instantiate.
#
# Returns { "keelson-migrate" = unit; "keelson-<role>" = unit; ... } where a unit is
# { Unit = { ... }; Service = { ... }; Install = { ... }; } and a value is a string, an
# integer, a boolean or a list of them (the key repeated).
{
  # The command that runs the boot, as a list of words: [ "/nix/store/...-boot/bin/boot" ].
  boot,
  # The backend root: the boot's working directory.
  workingDirectory,
  # Non-secret environment, NAME = value (string, integer or boolean). Not judged here:
  # `boot check` and the boot itself validate it when a unit starts (exit 78, one line).
  settings ? { },
  # Files of NAME=value lines read into the environment when a unit starts (hosts
  # without NixOS keep their settings there). A leading "-" makes one optional.
  environmentFiles ? [ ],
  # Secrets, NAME = path of a file only root needs to read. Each becomes a systemd
  # credential (LoadCredential=): systemd copies it for the service, and the boot reads it
  # through the *_FILE support, NAME_FILE=$CREDENTIALS_DIRECTORY/<name in lower case>.
  # The value is never in the environment, the unit, `systemctl show` or the journal.
  secretFiles ? { },
  # Long-running roles, one unit each beside keelson-migrate: names of `roleUnits` below
  # (a new role, e.g. a task worker, is one entry there and one in module.nix's enum).
  roles ? [ "web" ],
  # A declared system user (not DynamicUser): PostgreSQL's peer authentication needs a
  # user name that resolves whenever the server asks, and log files keep one owner.
  user ? "keelson",
  group ? user,
  # Static files: a directory collected at build time (the Nix store), or null to
  # collect them at start into the state directory.
  staticRoot ? null,
  # PATH for a boot that takes its tools from PATH (hosts without Nix); null keeps
  # systemd's default (the Nix boot sets its own).
  path ? null,
  # Units that must be up first, e.g. a local PostgreSQL: [ "postgresql.target" ].
  requires ? [ ],
}:
let
  name = "keelson";

  # Defaults of the contract that the unit's timeouts depend on
  # (src/keelson/contract/core.py, rendered into docs/BOOT_AND_RUNTIME.md; a test keeps
  # them equal, and fails when the contract gains a variable that lengthens a stop).
  contractDefaults = {
    POSTGRES_WAIT_TIMEOUT = 60;
    DRAIN_SECONDS = 10;
    GUNICORN_GRACEFUL_TIMEOUT = 30;
  };

  # A setting's number, or its default when it is unset or not a number (the boot then
  # refuses it with its own line; the unit must still evaluate).
  seconds =
    setting:
    let
      text = toString (settings.${setting} or "");
    in
    if builtins.match "[0-9]{1,6}" text != null then
      builtins.fromJSON text
    else
      contractDefaults.${setting};

  lowerCase = builtins.replaceStrings upperLetters lowerLetters;
  upperLetters = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  lowerLetters = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  stringToCharacters =
    text: builtins.genList (index: builtins.substring index 1 text) (builtins.stringLength text);

  # systemd reads `%` as a specifier and `\` and `"` inside quotes: a setting's value
  # reaches the boot exactly as written.
  escapeValue = builtins.replaceStrings [ "%" "\\" "\"" ] [ "%%" "\\\\" "\\\"" ];
  showSetting = value: if builtins.isBool value then (if value then "1" else "0") else toString value;
  # One Environment= line; `value` may use specifiers (%d, %L, %S).
  assignment = variable: value: "\"${variable}=${value}\"";
  settingAssignment = variable: assignment variable (escapeValue (showSetting settings.${variable}));

  credentialName = lowerCase;
  secretAssignments = map (variable: assignment "${variable}_FILE" "%d/${credentialName variable}") (
    builtins.attrNames secretFiles
  );
  credentials = map (variable: "${credentialName variable}:${secretFiles.${variable}}") (
    builtins.attrNames secretFiles
  );

  bootCommand = command: builtins.concatStringsSep " " (boot ++ [ command ]);

  environment = [
    (assignment "DJANGO_SETTINGS_MODULE" "config.settings.production")
    (assignment "PYTHONUNBUFFERED" "1")
    # The code is read-only: bytecode is compiled ahead or not at all.
    (assignment "PYTHONDONTWRITEBYTECODE" "1")
    (assignment "HOME" "%S/${name}")
    (assignment "LOG_DIR" "%L/${name}")
    (assignment "STATIC_ROOT" (if staticRoot == null then "%S/${name}/static" else staticRoot))
  ]
  ++ (if path == null then [ ] else [ (assignment "PATH" path) ])
  ++ map settingAssignment (builtins.attrNames settings)
  ++ secretAssignments;

  # What every unit of the service shares: who it runs as, where it may write, its
  # secrets, and a sandbox that leaves it the network and its own directories only.
  common = {
    User = user;
    Group = group;
    WorkingDirectory = workingDirectory;
    Environment = environment;
    EnvironmentFile = environmentFiles;
    LoadCredential = credentials;
    # systemd creates these owned by the service user: log files can always be written.
    LogsDirectory = name;
    LogsDirectoryMode = "0750";
    StateDirectory = name;
    StateDirectoryMode = "0750";
    # Files the service creates: group-readable (a log shipper in the group), never world.
    UMask = "0027";

    CapabilityBoundingSet = "";
    AmbientCapabilities = "";
    NoNewPrivileges = true;
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    PrivateIPC = true;
    PrivateMounts = true;
    ProtectHostname = true;
    ProtectClock = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectProc = "invisible";
    ProcSubset = "pid";
    RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6";
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    RemoveIPC = true;
    LockPersonality = true;
    MemoryDenyWriteExecute = true;
    DevicePolicy = "closed";
    KeyringMode = "private";
    SystemCallArchitectures = "native";
    SystemCallFilter = [
      "@system-service"
      "~@privileged @resources"
    ];
    SystemCallErrorNumber = "EPERM";
  };

  waitSeconds = seconds "POSTGRES_WAIT_TIMEOUT";

  migrate = {
    Unit = {
      Description = "Keelson database migrations (boot migrate)";
      Wants = [ "network-online.target" ];
      After = [ "network-online.target" ] ++ requires;
      Requires = requires;
    };
    Service = common // {
      # Runs to the end before any role starts; again before each start of a role
      # (a no-op when nothing is left to migrate: the boot migrates under a lock).
      Type = "oneshot";
      ExecStart = bootCommand "migrate";
      # The wait for PostgreSQL, then the migrations themselves.
      TimeoutStartSec = waitSeconds + 1800;
    };
  };

  # The long-running roles. A role is one entry: `boot <command>` with its own settings.
  roleUnits = {
    web = {
      description = "Keelson web server (nginx in front of gunicorn)";
      command = "serve";
      environment = [
        # keelson-migrate has migrated before this unit starts.
        (assignment "RUN_MIGRATIONS" "0")
        (assignment "RUN_COLLECTSTATIC" (if staticRoot == null then "1" else "0"))
      ];
      # The boot's process (the unit's main process) supervises gunicorn and the front
      # and tells systemd once the front listens: sd_notify READY=1 on $NOTIFY_SOCKET.
      type = "notify";
      # SIGTERM: /ready/ answers draining while requests are served for DRAIN_SECONDS, then
      # the front (nginx) and gunicorn stop accepting and in-flight requests finish within
      # the graceful timeout (the front's stop and gunicorn's share it: once the front has
      # stopped, every request it passed on has completed); systemd waits for that plus a
      # margin before SIGKILL.
      stopSeconds = seconds "DRAIN_SECONDS" + seconds "GUNICORN_GRACEFUL_TIMEOUT" + 10;
      # The wait for PostgreSQL, static files, then gunicorn loading the application.
      startSeconds = waitSeconds + 120;
    };
  };

  roleUnit =
    role:
    let
      known = builtins.concatStringsSep ", " (builtins.attrNames roleUnits);
      spec = roleUnits.${role} or (throw "service-config: unknown role '${role}'. Hint: one of ${known}");
    in
    {
      Unit = {
        Description = spec.description;
        Requires = [ "${name}-migrate.service" ] ++ requires;
        Wants = [ "network-online.target" ];
        After = [
          "${name}-migrate.service"
          "network-online.target"
        ]
        ++ requires;
      };
      Service = common // {
        Type = spec.type;
        NotifyAccess = "main";
        Environment = environment ++ spec.environment;
        # Everything the boot would refuse, judged before it starts: one line, exit 78.
        ExecStartPre = bootCommand "check";
        ExecStart = bootCommand spec.command;
        # Restart after a crash (a signal, a timeout) or when PostgreSQL was still away at
        # the deadline (69), never on a configuration (78), usage (64) or migration (70)
        # error: the same start would fail the same way. Not Restart=on-failure, because
        # RestartPreventExitStatus= does not cover ExecStartPre=: a bad setting found by
        # `boot check` would restart in a loop.
        Restart = "on-abnormal";
        RestartForceExitStatus = "69";
        RestartPreventExitStatus = "64 78";
        RestartSec = 5;
        # SIGTERM to the main process only (the boot, which supervises gunicorn and the
        # front): it stops both gracefully itself; what is left at the timeout gets SIGKILL.
        KillMode = "mixed";
        TimeoutStartSec = spec.startSeconds;
        TimeoutStopSec = spec.stopSeconds;
        # A place for a unix socket (GUNICORN_BIND=unix:/run/keelson/web.sock).
        RuntimeDirectory = name;
        RuntimeDirectoryMode = "0750";
      };
      Install.WantedBy = [ "multi-user.target" ];
    };
in
{
  "${name}-migrate" = migrate;
}
// builtins.listToAttrs (
  map (role: {
    name = "${name}-${role}";
    value = roleUnit role;
  }) roles
)
