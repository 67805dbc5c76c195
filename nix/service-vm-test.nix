# A NixOS VM running services.keelson (./module.nix) with a local PostgreSQL reached by
# peer authentication: keelson-migrate runs, keelson-web answers /ready/ 200, its journal
# is JSON lines, and a bad setting fails the unit once with the boot's one-line error.
{
  testers,
  nixosModule,
}:
testers.runNixOSTest {
  name = "keelson-service";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ nixosModule ];
      virtualisation.memorySize = 2048;
      environment.systemPackages = [ pkgs.curl ];
      # A test-only key: a real one never goes through the world-readable store.
      environment.etc."keelson/secret_key".text =
        "vm-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz";
      services.keelson = {
        enable = true;
        database.createLocally = true;
        secretFiles.SECRET_KEY = "/etc/keelson/secret_key";
        settings = {
          ALLOWED_HOSTS = "localhost";
          SECURE_SSL_REDIRECT = false;
        };
      };
    };

  testScript = ''
    import json

    machine.wait_for_unit("keelson-web.service")

    with subtest("migrate ran once, then /ready/ answers 200"):
        machine.wait_until_succeeds("curl -fsS http://127.0.0.1:8000/ready/", timeout=120)
        assert machine.succeed("systemctl show -P Result keelson-migrate").strip() == "success"

    with subtest("the journal holds JSON lines, and no secret"):
        lines = machine.succeed("journalctl _SYSTEMD_UNIT=keelson-web.service -o cat").strip().splitlines()
        assert lines, "no log lines"
        for line in lines:
            json.loads(line)
        secret = machine.succeed("cat /etc/keelson/secret_key").strip()
        machine.fail(f"journalctl -o cat | grep -F {secret}")
        pid = machine.succeed("systemctl show -P MainPID keelson-web").strip()
        machine.fail(f"grep -F {secret} /proc/{pid}/environ")

    with subtest("a bad setting fails the unit once with one line"):
        # The seed's `NAME==value` typo: the value becomes "=1".
        machine.succeed(
            "mkdir -p /run/systemd/system/keelson-web.service.d",
            "printf '[Service]\\nEnvironment=DJANGO_LOG_TO_FILES==1\\n' > /run/systemd/system/keelson-web.service.d/bad.conf",
            "systemctl daemon-reload",
        )
        machine.fail("systemctl restart keelson-web")
        # Longer than RestartSec (5 s): a restart would have happened by now.
        machine.sleep(8)
        assert machine.succeed("systemctl show -P NRestarts keelson-web").strip() == "0"
        assert machine.succeed("systemctl is-failed keelson-web").strip() == "failed"
        machine.succeed(
            "journalctl _SYSTEMD_UNIT=keelson-web.service -o cat "
            "| grep -F \"DJANGO_LOG_TO_FILES must be 0, 1, true or false, not '=1'\""
        )
  '';
}
