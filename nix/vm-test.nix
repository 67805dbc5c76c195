# A NixOS VM that loads the image into podman next to a PostgreSQL service and checks what
# an operator sees: /ready/ answers 200, every log line is JSON, the server runs as uid
# 10001, and a missing SECRET_KEY exits 78. Next to a Redis service, a worker from the
# same image round-trips a task (`boot healthcheck worker`: the ping task through the
# broker and back), a beat holds its lock, and SIGTERM stops the worker with exit 0.
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
      services.redis.servers.keelson = {
        enable = true;
        # A named server listens on a socket only unless given a port.
        port = 6379;
        requirePass = "vm-redis-password";
      };
      environment.systemPackages = [ pkgs.curl ];
    };

  testScript = ''
    import json

    password = "vm-test-password"
    broker = "redis://:vm-redis-password@127.0.0.1:6379/0"
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
    machine.wait_for_unit("redis-keelson.service")
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

    with subtest("a worker from the image round-trips a task through Redis"):
        # The web container migrated the database; the worker refuses an older schema.
        machine.succeed(
            f"podman run -d --name worker {common} -e CELERY_BROKER_URL={broker} "
            "-e CELERY_WORKER_CONCURRENCY=1 -e SECRET_KEY=$(head -c 48 /dev/urandom | base64) "
            "keelson:${version} worker"
        )
        machine.wait_until_succeeds(
            "podman exec worker boot healthcheck worker --timeout 5", timeout=120
        )

    with subtest("beat from the image holds the beat lock"):
        machine.succeed(
            f"podman run -d --name beat {common} -e CELERY_BROKER_URL={broker} "
            "-e SECRET_KEY=$(head -c 48 /dev/urandom | base64) keelson:${version} beat"
        )
        machine.wait_until_succeeds("podman exec beat boot healthcheck beat", timeout=120)
        machine.wait_until_succeeds(
            "podman logs beat 2>&1 | grep -q 'holding the beat lock'", timeout=60
        )

    with subtest("SIGTERM: the worker shuts down warm and exits 0"):
        machine.succeed("podman stop --time 60 worker beat")
        for name in ("worker", "beat"):
            code = machine.succeed(f"podman inspect --format '{{{{.State.ExitCode}}}}' {name}")
            assert code.strip() == "0", f"{name} exited {code.strip()}"

    with subtest("every log line is JSON, the broker's password never printed"):
        for name in ("app", "worker", "beat"):
            output = machine.succeed(f"podman logs {name} 2>&1")
            assert "vm-redis-password" not in output, f"{name} printed the broker password"
            lines = output.strip().splitlines()
            assert lines, f"no log lines from {name}"
            for line in lines:
                json.loads(line)
  '';
}
