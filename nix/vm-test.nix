# A NixOS VM that loads the image into podman next to a PostgreSQL service and checks what
# an operator sees: /ready/ answers 200, every log line is JSON, the server runs as uid
# 10001, and a missing SECRET_KEY exits 78.
{
  testers,
  image,
  version,
}:
testers.runNixOSTest {
  name = "keelson-image";

  nodes.machine =
    { pkgs, ... }:
    {
      virtualisation.memorySize = 2048;
      virtualisation.diskSize = 4096;
      virtualisation.podman.enable = true;
      services.postgresql.enable = true;
      environment.systemPackages = [ pkgs.curl ];
    };

  testScript = ''
    import json

    password = "vm-test-password"
    common = (
        "--network host "
        "-e ALLOWED_HOSTS=localhost "
        "-e POSTGRES_HOST=127.0.0.1 "
        "-e POSTGRES_USER=keelson "
        "-e POSTGRES_DB=keelson "
        f"-e POSTGRES_PASSWORD={password} "
        "-e SECURE_SSL_REDIRECT=0 "
    )

    machine.wait_for_unit("postgresql.service")
    machine.succeed(
        "sudo -u postgres psql -v ON_ERROR_STOP=1 "
        f"-c \"CREATE ROLE keelson LOGIN PASSWORD '{password}'\" "
        "-c 'CREATE DATABASE keelson OWNER keelson'"
    )
    machine.succeed("podman load < ${image}")

    with subtest("a missing SECRET_KEY exits 78"):
        status, output = machine.execute(f"podman run --rm {common} keelson:${version} 2>&1")
        assert status == 78, f"exit {status}: {output}"
        assert "SECRET_KEY" in output, output

    with subtest("the image serves /ready/ as uid 10001"):
        machine.succeed(
            f"podman run -d --name app {common} -e SECRET_KEY=$(head -c 48 /dev/urandom | base64) "
            "keelson:${version}"
        )
        machine.wait_until_succeeds("curl -fsS http://127.0.0.1:8000/ready/", timeout=120)
        pid = machine.succeed("podman inspect --format '{{.State.Pid}}' app").strip()
        uid = machine.succeed(f"ps -o uid= -p {pid}").strip()
        assert uid == "10001", f"gunicorn runs as uid {uid}"

    with subtest("boot is on the image's PATH for docker exec"):
        machine.succeed("podman exec app boot healthcheck")

    with subtest("every log line is JSON"):
        lines = machine.succeed("podman logs app 2>&1").strip().splitlines()
        assert lines, "no log lines"
        for line in lines:
            json.loads(line)
  '';
}
