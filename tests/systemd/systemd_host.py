"""A container of the test's own Docker engine with systemd as PID 1, started the way the
install guide's reader would on a workstation (no --privileged), and what tests ask it:
commands, unit properties, the journal, HTTP from inside."""

from __future__ import annotations

import json
import re
import secrets
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from dockerd import DockerEngine

T = TypeVar("T")

RUN_OPTIONS = (
    "--cap-add", "SYS_ADMIN",
    "--security-opt", "seccomp=unconfined",
    "--cgroupns=host",
    "--volume", "/sys/fs/cgroup:/sys/fs/cgroup",
    "--tmpfs", "/run",
    "--tmpfs", "/tmp",
    # Nothing leaves the container: PostgreSQL and gunicorn listen on its own loopback.
    "--network", "none",
)  # fmt: skip
BOOT_TIMEOUT = 90.0


def poll(what: str, check: Callable[[], T | None], timeout: float, interval: float = 0.2) -> T:
    """check() until it returns something other than None, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


class SystemdHost:
    def __init__(self, engine: DockerEngine, image: str) -> None:
        self.engine = engine
        self.image = image
        self.name = f"keelson-systemd-{secrets.token_hex(4)}"

    def start(self) -> SystemdHost:
        self.engine.docker("run", "--detach", "--name", self.name, *RUN_OPTIONS, self.image)
        state = poll("systemctl is-system-running", self.system_state, BOOT_TIMEOUT)
        assert state == "running", f"{state}: {self.run('systemctl --failed --no-legend').stdout}"
        # On a machine systemd boots, it makes every mount shared; in a container it leaves
        # the engine's private mounts alone, and credentials (mounted in a child namespace,
        # then moved to /run/credentials) would never reach the service.
        self.run("mount --make-rshared /")
        return self

    def system_state(self) -> str | None:
        result = self.run("systemctl is-system-running", check=False)
        state = result.stdout.strip()
        return None if state in ("", "initializing", "starting") else state

    def remove(self) -> None:
        self.engine.docker("rm", "--force", self.name, check=False)

    def run(
        self,
        script: str,
        *,
        check: bool = True,
        env: dict[str, str] | None = None,
        workdir: str = "/root",
        timeout: float = 300,
    ) -> subprocess.CompletedProcess:
        """A bash script as root in the container (errexit, nounset, pipefail)."""
        options = [f"--env={name}={value}" for name, value in (env or {}).items()]
        result = self.engine.docker(
            "exec", *options, "--workdir", workdir, self.name,
            "bash", "-o", "errexit", "-o", "nounset", "-o", "pipefail", "-c", script,
            check=False, timeout=timeout,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(
                f"in the container, exit {result.returncode}: {script}\n{result.stdout}{result.stderr}"
            )
        return result

    def copy_in(self, source: Path, destination: str) -> None:
        self.engine.docker("cp", str(source), f"{self.name}:{destination}", timeout=300)

    def write_file(self, path: str, text: str, mode: str = "0600") -> None:
        self.run(
            f"install -m {mode} /dev/stdin {shlex.quote(path)} <<'KEELSON_EOF'\n{text}KEELSON_EOF"
        )

    def read_file(self, path: str) -> str:
        return self.run(f"cat {shlex.quote(path)}").stdout

    def show(self, unit: str, prop: str) -> str:
        return self.run(f"systemctl show --property={prop} --value {unit}").stdout.strip()

    def journal_cursor(self) -> str:
        output = self.run("journalctl --lines=0 --show-cursor --quiet").stdout
        match = re.search(r"-- cursor: (\S+)", output)
        assert match, output
        return match.group(1)

    def journal(self, *, unit: str | None = None, after: str | None = None) -> list[str]:
        """Message lines the unit's own processes wrote (not systemd's lines about it).

        The unit is picked here, not by a journalctl match: with a match, systemd 252's
        `--after-cursor` also skips the first matching entry (it assumes the cursor's own
        entry matched), which loses a unit's only line."""
        args = ["journalctl", "--output=json", "--no-pager", "--quiet"]
        if after:
            args.append(f"--after-cursor={after}")
        self.run("journalctl --flush --sync", check=False)
        entries = [json.loads(line) for line in self.run(shlex.join(args)).stdout.splitlines()]
        return [
            entry["MESSAGE"]
            for entry in entries
            if isinstance(entry.get("MESSAGE"), str)
            and (unit is None or entry.get("_SYSTEMD_UNIT") == unit)
        ]

    def journal_records(self, unit: str, after: str | None = None) -> list[dict]:
        return [json.loads(line) for line in self.journal(unit=unit, after=after)]

    def http(self, path: str, *headers: str, timeout: float = 10) -> tuple[int, str]:
        """GET http://127.0.0.1:8000<path> from inside: (status, body); 0 when refused."""
        header_args = " ".join(f"--header {shlex.quote(h)}" for h in headers)
        result = self.run(
            f"curl --silent --max-time {timeout} --write-out '\\n%{{http_code}}' {header_args} "
            f"http://127.0.0.1:8000{path}",
            check=False,
            timeout=timeout + 10,
        )
        body, _, status = result.stdout.rpartition("\n")
        return int(status or 0), body
