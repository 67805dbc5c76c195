"""The boot's lines: one JSON object each on stdout, from the backend's one formatter
(keelson.logging), with the boot's elapsed time. Configuration problems come as lines of
the logger "config", the boot's story as lines of the logger "boot"."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from keelson.contract.env import EXIT_CONFIG
from keelson.logging import KeelsonJsonFormatter

BOX_WIDTH = 78


def stdout_logger(name: str) -> logging.Logger:
    """A logger writing JSON lines to stdout, whatever the log settings say later."""
    logger = logging.getLogger(name)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(KeelsonJsonFormatter())
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


class BootLog:
    def __init__(self, started: float) -> None:
        self.started = started
        self.boot = stdout_logger("boot")
        self.config = stdout_logger("config")

    def elapsed_ms(self) -> int:
        return round((time.time() - self.started) * 1000)

    def line(self, level: int, step: str, message: str, **fields: Any) -> None:
        self.boot.log(
            level, message, extra={"step": step, "elapsed_ms": self.elapsed_ms(), **fields}
        )

    def info(self, step: str, message: str, **fields: Any) -> None:
        self.line(logging.INFO, step, message, **fields)

    def warning(self, step: str, message: str, **fields: Any) -> None:
        self.line(logging.WARNING, step, message, **fields)

    def error(self, step: str, message: str, exit_code: int, **fields: Any) -> None:
        self.line(logging.ERROR, step, message, exit_code=exit_code, **fields)

    def failed(self, step: str, error: BaseException, exit_code: int) -> int:
        """One ERROR line with the exception inside it (never a raw traceback)."""
        self.boot.error(
            f"{step} failed: {type(error).__name__}: {error}",
            exc_info=error,
            extra={"step": step, "elapsed_ms": self.elapsed_ms(), "exit_code": exit_code},
        )
        return exit_code

    def problems(self, lines: list[str]) -> None:
        """Configuration problems: one line each, the variable's name first."""
        for line in lines:
            self.config.error(
                line,
                extra={
                    "step": "config",
                    "elapsed_ms": self.elapsed_ms(),
                    "variable": line.split(" ", 1)[0],
                    "exit_code": EXIT_CONFIG,
                },
            )

    def boxed(self, *rows: str) -> None:
        """A loud warning nobody can miss: one WARNING line per row of a box."""
        border = "*" * BOX_WIDTH
        self.warning("emergency", border)
        for row in rows:
            self.warning("emergency", f"* {row:<{BOX_WIDTH - 4}} *")
        self.warning("emergency", border)
