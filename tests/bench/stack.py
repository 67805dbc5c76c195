"""The systems under test, started for real: our boot, the seed-style boot, bare Django.

Every process gets the same machine, the same PostgreSQL server and the same worker
count; only what each comparison is about differs.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from httpclient import request
from ports import free_port
from postgres import PostgresServer
from processes import BIN, REPO, Process, base_env, nginx

BENCH = Path(__file__).resolve().parent
BOOT_SCRIPT = REPO / "nix" / "boot.sh"
SEED_ENTRYPOINT = BENCH / "seed_entrypoint.sh"


def worker_count() -> int:
    """2 x CPU + 1 over the CPUs this process may use: what all three servers run."""
    return 2 * len(os.sched_getaffinity(0)) + 1


def boot_script_present() -> bool:
    return BOOT_SCRIPT.is_file()


@dataclass
class Setup:
    """One PostgreSQL server, one database, static files and logs in a temp dir."""

    postgres: PostgresServer
    database: str
    work_dir: Path

    @classmethod
    def create(cls) -> Setup:
        postgres = PostgresServer().init()
        log_timestamps_in_utc(postgres)
        postgres.start()
        work_dir = Path(tempfile.mkdtemp(prefix="keelson-bench-"))
        return cls(postgres, postgres.create_database(), work_dir)

    def destroy(self) -> None:
        self.postgres.destroy()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def production_env(self, port: int) -> dict[str, str]:
        static_root = self.work_dir / "static"
        log_dir = self.work_dir / "logs"
        static_root.mkdir(exist_ok=True)
        log_dir.mkdir(exist_ok=True)
        env = base_env(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "SECRET_KEY": secret_key(),
                "ALLOWED_HOSTS": "app.example.com,localhost,127.0.0.1",
                "STATIC_ROOT": str(static_root),
                "LOG_DIR": str(log_dir),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "SEED_BIND": f"127.0.0.1:{port}",
                **self.postgres.env(self.database),
            }
        )
        # nginx, the front the boot starts (Debian's is in /usr/sbin).
        front = nginx()
        if front is not None:
            env["PATH"] = f"{env['PATH']}:{os.path.dirname(front)}"
        return env

    def logs(self, name: str) -> Path:
        return self.work_dir / "runs" / name


def secret_key() -> str:
    return secrets.token_urlsafe(64)


def log_timestamps_in_utc(postgres: PostgresServer) -> None:
    """Millisecond UTC timestamps in the server log: when it accepted connections is
    read from there."""
    with open(postgres.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write("\nlog_timezone = 'UTC'\nlog_line_prefix = '%m [%p] '\n")


@dataclass
class Server:
    """A started server: its process (the gunicorn master once booted) and port."""

    name: str
    process: Process
    port: int


def start_ours(setup: Setup, run: str, extra: dict[str, str] | None = None) -> Server:
    """Our boot: nix/boot.sh from the backend directory, as the image runs it. Before
    the boot script exists, gunicorn with our configuration directly."""
    port = free_port()
    env = {**setup.production_env(port), **(extra or {})}
    if boot_script_present():
        argv = ["bash", str(BOOT_SCRIPT)]
    else:
        argv = [
            str(BIN / "gunicorn"),
            "--config",
            "python:keelson.gunicorn_config",
            "config.wsgi:application",
        ]
    return Server("ours", Process(argv, env, setup.logs(run), "ours"), port)


def start_app_server(setup: Setup, run: str, extra: dict[str, str] | None = None) -> Server:
    """gunicorn with our configuration (keelson.gunicorn_config: the contract, observability,
    the JSON access log) bound directly, without the front: the application server alone.
    The database must be migrated already (a boot of ours does it)."""
    port = free_port()
    env = {**setup.production_env(port), **(extra or {})}
    argv = [
        str(BIN / "gunicorn"),
        "--config",
        "python:keelson.gunicorn_config",
        "config.wsgi:application",
    ]
    return Server("app", Process(argv, env, setup.logs(run), "app"), port)


def metrics_env(setup: Setup, run: str) -> dict[str, str]:
    """Metrics on, as a production deployment would run: a listener and files of its own,
    on tmpfs as in the image (/dev/shm here: this machine's /tmp is a disk)."""
    memory = Path("/dev/shm")
    base = memory if memory.is_dir() else setup.work_dir
    return {
        "METRICS_BIND": f"127.0.0.1:{free_port()}",
        "METRICS_DIR": str(base / f"{setup.work_dir.name}-metrics-{run}"),
    }


def start_seed(setup: Setup, run: str) -> Server:
    port = free_port()
    env = setup.production_env(port)
    process = Process(["bash", str(SEED_ENTRYPOINT)], env, setup.logs(run), "seed")
    return Server("seed", process, port)


def start_bare(setup: Setup, run: str) -> Server:
    port = free_port()
    env = base_env()
    argv = [
        str(BIN / "gunicorn"),
        "--chdir",
        str(BENCH),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(worker_count()),
        "bare_django.wsgi:application",
    ]
    return Server("bare", Process(argv, env, setup.logs(run), "bare"), port)


def wait_for_200(server: Server, path: str, timeout: float = 60.0, interval: float = 0.01) -> float:
    """Poll `path` until it answers 200; the monotonic time it first did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.process.running():
            raise RuntimeError(
                f"{server.name} exited with {server.process.popen.returncode} before {path} "
                f"answered 200: {server.process.stderr()[-2000:]}"
            )
        try:
            if request(server.port, path, timeout=2.0).status == 200:
                return time.monotonic()
        except OSError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{server.name}: {path} did not answer 200 within {timeout}s")


def wait_for_workers(server: Server, count: int, timeout: float = 60.0) -> list[int]:
    """The master's worker pids once `count` of them run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = worker_pids(server)
        if len(workers) >= count:
            return workers
        time.sleep(0.05)
    raise TimeoutError(f"{server.name}: {count} workers did not start within {timeout}s")


def worker_pids(server: Server) -> list[int]:
    """gunicorn's workers: the children running gunicorn's master's own executable."""
    master = gunicorn_master(server.process.pid)
    try:
        executable = os.readlink(f"/proc/{master}/exe")
    except (FileNotFoundError, ProcessLookupError):
        return []
    found = []
    for child in children(master):
        try:
            if os.readlink(f"/proc/{child}/exe") == executable:
                found.append(child)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def gunicorn_master(pid: int) -> int:
    """The process gunicorn's arbiter runs in: `pid` itself (gunicorn started by hand),
    or, when `pid` is the boot supervising nginx and gunicorn, its child that is not
    nginx."""
    kids = children(pid)
    comms = {}
    for child in kids:
        try:
            comms[child] = Path(f"/proc/{child}/comm").read_text().strip()
        except (FileNotFoundError, ProcessLookupError):
            continue
    if "nginx" not in comms.values():
        return pid
    return next((child for child, comm in comms.items() if comm != "nginx"), pid)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return []
    return [int(child) for child in text.split()]


def rss_kib(pid: int) -> int | None:
    """VmRSS of a process in KiB (None once it is gone)."""
    return status_field(pid, "VmRSS")


def uss_kib(pid: int) -> int | None:
    """Memory only this process holds (private pages): what one more worker costs."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return sum(int(fields[key].split()[0]) for key in ("Private_Clean", "Private_Dirty"))


def status_field(pid: int, name: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return None


def stop(server: Server, timeout: float = 35.0) -> tuple[int, float]:
    """SIGTERM the server; its exit code and how long it took to exit."""
    started = time.monotonic()
    code = server.process.stop(timeout=timeout)
    return code, time.monotonic() - started
