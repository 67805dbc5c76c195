"""Containers of the engine under test, seen as a user sees them: exit code, log lines,
health, HTTP."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dockerd import DockerEngine

REPO = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = REPO / ".env.example"
COMPOSE_FILE = REPO / "docs" / "deploy" / "compose.yaml"
COMPOSE_ENV_EXAMPLE = REPO / "docs" / "deploy" / "keelson.env.example"


class Container:
    def __init__(self, engine: DockerEngine, container_id: str) -> None:
        self.engine = engine
        self.id = container_id

    @classmethod
    def run(
        cls,
        engine: DockerEngine,
        image: str,
        args: Sequence[str],
        command: Sequence[str] = (),
    ) -> Container:
        name = f"keelson-test-{secrets.token_hex(4)}"
        result = engine.docker(
            "run", "--detach", "--name", name, *args, image, *command, timeout=300
        )
        return cls(engine, result.stdout.strip())

    def inspect(self) -> dict[str, Any]:
        return self.engine.inspect(self.id)

    def state(self) -> dict[str, Any]:
        return self.inspect()["State"]

    def logs(self) -> list[str]:
        """Every line it printed, stdout and stderr."""
        result = self.engine.docker("logs", self.id)
        return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]

    def json_lines(self) -> list[dict[str, Any]]:
        return json_lines(self.logs())

    def wait_for_line(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 120
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(predicate(line) for line in self.json_lines()):
                return
            if not self.state()["Running"]:
                raise AssertionError(f"exited before the line came: {self.logs()}")
            time.sleep(0.2)
        raise TimeoutError(f"no such line within {timeout} s: {self.logs()}")

    def wait_for_health(self, status: str = "healthy", timeout: float = 180) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state.get("Health", {}).get("Status") == status:
                return state["Health"]
            if not state["Running"]:
                raise AssertionError(f"exited {state['ExitCode']}: {self.logs()}")
            time.sleep(0.5)
        raise TimeoutError(f"not {status} within {timeout} s: {self.state().get('Health')}")

    def wait_exit(self, timeout: float = 120) -> int:
        result = self.engine.docker("wait", self.id, timeout=timeout)
        return int(result.stdout.strip())

    def exec(self, *argv: str) -> Any:
        return self.engine.docker("exec", self.id, *argv, check=False)

    def remove(self) -> None:
        self.engine.docker("rm", "--force", "--volumes", self.id, check=False)


def json_lines(lines: Sequence[str]) -> list[dict[str, Any]]:
    """Every line parsed as JSON; fails naming the first line that is not."""
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise AssertionError(f"not a JSON line: {line!r}") from error
    return parsed


def write_secrets(directory: Path, postgres_password: str) -> Path:
    """The secret files of docs/DEPLOYMENT.md section 2, readable by uid 10001."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    for name, value in (
        ("secret_key", secrets.token_urlsafe(50)),
        ("postgres_password", postgres_password),
    ):
        path = directory / name
        path.write_text(value + "\n")
        path.chmod(0o644)
    return directory


def env_args(env: dict[str, str]) -> list[str]:
    return [part for name, value in env.items() for part in ("--env", f"{name}={value}")]
