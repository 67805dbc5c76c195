"""Typed readers for the environment: every problem is collected, then reported at once.

The environment contract (keelson.contract.core) reads every variable through one `Env`,
then calls `Env.done()`; a bad configuration raises `ConfigError` holding one line per
problem, variable name first, with a hint. Entry points (the boot, manage.py, wsgi.py,
keelson.gunicorn_config) print those lines and exit with `EXIT_CONFIG` instead of showing a
traceback.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TextIO, TypeVar

# EX_CONFIG from sysexits.h: the documented exit code for an invalid configuration.
EXIT_CONFIG = 78

# Paths are shown whole up to this length: a cut path is no help to whoever must fix it.
PATH_LIMIT = 400

TRUE_WORDS = frozenset({"1", "true"})
FALSE_WORDS = frozenset({"0", "false"})
# Whole seconds, at least 1 (and below twelve days: a typo, not a wish).
SECONDS = re.compile(r"[1-9][0-9]{0,5}")

T = TypeVar("T")


class ConfigError(Exception):
    """The configuration is invalid; `lines` says why, one problem a line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def exit_on_config_error(error: ConfigError, stream: TextIO | None = None) -> NoReturn:
    """Print the problems, one line each, and exit 78: the one way entry points fail.

    A terminal gets plain lines; anything else (a container's log, a pipe) gets one JSON
    object per line with the same keys as the application's logs, so that every line a
    container prints is JSON.
    """
    stream = stream or sys.stderr
    as_text = stream.isatty()
    for line in error.lines:
        print(line if as_text else config_error_json(line), file=stream)
    stream.flush()
    raise SystemExit(EXIT_CONFIG)


def config_error_json(line: str) -> str:
    """The problem as a JSON line of the logger "config", from the one JSON formatter."""
    from keelson.logging import KeelsonJsonFormatter

    record = logging.LogRecord("config", logging.ERROR, __file__, 0, line, None, None)
    record.variable = line.split(" ", 1)[0]
    record.exit_code = EXIT_CONFIG
    return KeelsonJsonFormatter().format(record)


def one_line(value: str, limit: int = 60) -> str:
    """A value as it may appear inside an error line: no line breaks, bounded length."""
    flat = value.encode("unicode_escape").decode("ascii")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class Env:
    """Reads variables from `environ`, remembering every problem instead of raising."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []
        self.undecodable: set[str] = set()

    def problem(self, name: str, what: str, hint: str) -> None:
        self.problems.append(f"{name} {what}. Hint: {hint}")

    def done(self) -> None:
        """Raise ConfigError if any variable read so far was invalid."""
        if self.problems:
            raise ConfigError(list(self.problems))

    def raw(self, name: str) -> str | None:
        """The value, or None when unset, empty or blank (each means 'use the default';
        a blank required value is as missing as an absent one).

        Bytes that are not UTF-8 reach os.environ as lone surrogates: such a value would
        be accepted here and crash later (a SECRET_KEY cannot be encoded to sign a
        cookie), so it is a problem now.
        """
        value = self.environ.get(name)
        if value is None or not value.strip():
            return None
        if not is_utf8(value):
            if name not in self.undecodable:
                self.undecodable.add(name)
                self.problem(name, "is not valid UTF-8 text", f"write {name} in UTF-8")
            return None
        return value

    def str(
        self,
        name: str,
        default: str | None = None,
        *,
        required: bool = False,
        hint: str = "see .env.example",
    ) -> str | None:
        value = self.raw(name)
        if value is None:
            if required and name not in self.undecodable:
                self.problem(name, "is missing", hint)
            return default
        return value

    def secret(self, name: str, *, required: bool = False, hint: str) -> str | None:
        """A secret from NAME or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
        file_name = f"{name}_FILE"
        value, path = self.raw(name), self.raw(file_name)
        if value is not None and path is not None:
            self.problem(name, f"and {file_name} are both set", f"set only one of them ({hint})")
            return None
        if path is not None:
            try:
                with open(path, encoding="utf-8") as handle:
                    value = handle.read()
            except (OSError, UnicodeDecodeError) as error:
                reason = getattr(error, "strerror", None) or "not valid UTF-8"
                self.problem(
                    file_name,
                    f"names {one_line(path, PATH_LIMIT)}, which cannot be read ({reason})",
                    "mount the secret file there, readable by the service user",
                )
                return None
            # Secret files usually end with a newline that is not part of the secret.
            value = value.removesuffix("\n").removesuffix("\r")
            if not value:
                self.problem(file_name, f"names an empty file {one_line(path, PATH_LIMIT)}", hint)
                return None
        if value is None and required and not {name, file_name} & self.undecodable:
            self.problem(name, f"is missing (set {name} or {file_name})", hint)
        return value

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.problem(name, f"must be 0, 1, true or false, not {one_line(value)!r}", "use 0 or 1")
        return default

    def flag(self, name: str, default: bool) -> bool:
        """A switch of the boot: exactly 0 or 1, nothing else (no spaces, no words)."""
        value = self.raw(name)
        if value is None:
            return default
        if value in ("0", "1"):
            return value == "1"
        self.problem(
            name,
            f"must be 0 or 1, not {one_line(value)!r}",
            f"set {name}=0 or {name}=1 (see .env.example)",
        )
        return default

    @staticmethod
    def example_hint(name: str, default: Any, example: Any = None) -> str:
        """`e.g. NAME=VALUE` with the default, else the declared example: a valid value."""
        shown = default if default is not None else example
        return "see .env.example" if shown is None else f"e.g. {name}={shown}"

    def seconds(self, name: str, default: int, *, example: Any = None) -> int:
        """A duration in whole seconds, at least 1, written as digits only."""
        value = self.raw(name)
        if value is None:
            return default
        if SECONDS.fullmatch(value):
            return int(value)
        self.problem(
            name,
            f"must be a whole number of seconds, at least 1, not {one_line(value)!r}",
            self.example_hint(name, default, example),
        )
        return default

    def int(
        self,
        name: str,
        default: int,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        example: Any = None,
    ) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value.strip(), 10)
        except ValueError:
            self.problem(
                name,
                f"must be a whole number, not {one_line(value)!r}",
                self.example_hint(name, default, example),
            )
            return default
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            bounds = describe_range(minimum, maximum)
            self.problem(
                name, f"must be {bounds}, not {number}", self.example_hint(name, default, example)
            )
            return default
        return number

    def port(self, name: str, default: int) -> int:
        return self.int(name, default, minimum=1, maximum=65535)

    def list(
        self,
        name: str,
        default: list[str] | None = None,
        *,
        required: bool = False,
        hint: str = "a comma-separated list",
        item: Callable[[str], str | None] | None = None,
    ) -> list[str]:
        """A comma-separated list; `item` returns a problem text for a bad entry, or None."""
        value = self.raw(name)
        items = [part.strip() for part in value.split(",")] if value else []
        items = [part for part in items if part]
        if not items:
            if required and name not in self.undecodable:
                self.problem(name, "is empty", hint)
            return list(default or [])
        for entry in items:
            trouble = item(entry) if item else None
            if trouble:
                self.problem(name, f"entry {one_line(entry)!r} {trouble}", hint)
        return items

    def origins(self, name: str) -> list[str]:
        """Origins such as https://example.com: a scheme and a host, nothing after."""
        return self.list(
            name,
            hint=f"write full origins, e.g. {name}=https://example.com,https://www.example.com",
            item=origin_problem,
        )

    def choice(
        self, name: str, default: str, choices: tuple[str, ...], *, example: Any = None
    ) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if value.strip().lower() not in choices:
            self.problem(
                name,
                f"must be one of {', '.join(choices)}, not {one_line(value)!r}",
                self.example_hint(name, default, example),
            )
            return default
        return value.strip().lower()


def is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def describe_range(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}"
    if minimum is not None:
        return f"at least {minimum}"
    return f"at most {maximum}"


def origin_problem(entry: str) -> str | None:
    scheme, sep, rest = entry.partition("://")
    if not sep or scheme not in ("http", "https"):
        return "has no scheme (http:// or https://)"
    if not rest or "/" in rest.rstrip("/") or any(c.isspace() for c in rest):
        return "is not an origin (scheme and host only, no path)"
    return None
