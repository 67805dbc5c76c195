"""The environment contract: every variable the image reads, declared once.

Each `Variable` says how it is read (a kind built on keelson.contract.env's typed readers), its
default, whether it is required or secret, the hint of its error line and a short doc.
Everything else comes from this list: the boot's validation of all layers at once
(`validate`), the masked configuration line (`Values.shown`), the settings module and
gunicorn's configuration (`validated`), and the variable tables of `.env.example` and
docs/BOOT_AND_RUNTIME.md (keelson.contract.render, kept equal by a test).

To add a variable: one `Variable(...)` in `CONTRACT`, in its layer, with its doc; a
secret kind brings its `NAME_FILE` twin. To add a layer: one `Layer` in `LAYERS`.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from keelson.contract.bind_address import BindAddress, BindAddressError, parse_bind
from keelson.contract.broker_url import mask_url, url_problem
from keelson.contract.cache_url import cache_url_problem
from keelson.contract.content_security_policy import PolicyError, parse_extra
from keelson.contract.email_url import EmailUrlError, mask_email_url, parse_email_url
from keelson.contract.env import (
    ConfigError,
    Env,
    exit_on_config_error,
    is_utf8,
    one_line,
    origin_problem,
)
from keelson.contract.secret_url import MASK
from keelson.contract.sentry_dsn import dsn_problem, mask_dsn
from keelson.logging import (
    DJANGO_LOG_FILE,
    GUNICORN_ACCESS_LOG_FILE,
    GUNICORN_ERROR_LOG_FILE,
    writable_log_file,
)

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
KNOWN_SETTINGS = "config.settings.production (the image) or config.settings.local (development)"
DEFAULT_SETTINGS_HINT = (
    "set it to this project's production settings, e.g. "
    "DJANGO_SETTINGS_MODULE=mysite.settings_production, and run keelson in the directory "
    "of manage.py"
)


@dataclass(frozen=True)
class Layer:
    """A part of the image that reads variables: a table of its own in the docs."""

    title: str
    reader: str


BOOT = Layer("Boot", "`python -m keelson`, run by `nix/boot.sh`")
DJANGO = Layer("Django", "`keelson.settings.production`, which production settings call")
DATABASE = Layer("Database", "the settings' `DATABASES` and the boot's wait")
GUNICORN = Layer("gunicorn", "`src/keelson/serve/gunicorn_settings.py`")
LOGS = Layer("Logs", "the settings' `LOGGING` and gunicorn's log configuration")
OBSERVABILITY = Layer(
    "Observability", "`src/keelson/serve/observability.py` and `src/keelson/serve/drain.py`"
)
FRONT = Layer("Front", "nginx in front of gunicorn, `src/keelson/serve/front/`")
WORKERS = Layer("Workers", "`src/keelson/settings/celery.py` and `boot worker` / `boot beat`")
MAIL = Layer("Mail", "`src/keelson/settings/services.py` and `keelson.mail`")
MEDIA = Layer("Media", "Django's `default` storage, from `src/keelson/settings/services.py`")
CACHE = Layer("Cache", "Django's `default` cache, from `src/keelson/settings/services.py`")
ERROR_REPORTING = Layer(
    "Error reporting", "Sentry's SDK, started by `src/keelson/error_reporting.py`"
)
LAYERS = (
    BOOT,
    DJANGO,
    DATABASE,
    GUNICORN,
    LOGS,
    OBSERVABILITY,
    FRONT,
    WORKERS,
    MAIL,
    MEDIA,
    CACHE,
    ERROR_REPORTING,
)


# ---------------------------------------------------------------- kinds
# A kind reads one variable through Env (which records its problems) and writes a
# value back as the text an operator would set.
class Kind:
    """How a variable is read from the environment and written back as text; the base of
    every kind."""

    def read(self, env: Env, var: Variable) -> Any:
        raise NotImplementedError

    def text(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, list):
            return ",".join(value)
        return str(value)

    def shown(self, value: Any) -> str | None:
        """The value as the configuration line prints it."""
        return self.text(value)


class Text(Kind):
    """Any text, taken as it is set."""

    def read(self, env: Env, var: Variable) -> Any:
        return env.str(var.name, var.default_value(), required=var.required, hint=var.hint)


class Secret(Kind):
    """A secret from NAME or from the file NAME_FILE names; never shown."""

    def read(self, env: Env, var: Variable) -> Any:
        return env.secret(var.name, required=var.required, hint=var.hint)

    def shown(self, value: Any) -> str | None:
        return None if value is None else MASK


class _JudgedSecret(Secret):
    """A secret whose value has a shape: read as a secret, judged by `problem` without
    repeating it (one line naming the variable), shown through `mask`."""

    @staticmethod
    def problem(value: str) -> str | None:
        raise NotImplementedError

    @staticmethod
    def mask(value: str) -> str:
        raise NotImplementedError

    def read(self, env: Env, var: Variable) -> Any:
        value = super().read(env, var)
        if value is None:
            return None
        value = value.strip()
        if trouble := self.problem(value):
            env.problem(var.name, trouble, var.hint)
            return None
        return value

    def shown(self, value: Any) -> str | None:
        return None if value is None else self.mask(value)


def _email_url_problem(url: str) -> str | None:
    try:
        parse_email_url(url)
    except EmailUrlError as error:
        return str(error)
    return None


class SecretRedisUrl(_JudgedSecret):
    """A redis:// or rediss:// URL that may carry a password, shown with it masked."""

    problem = staticmethod(url_problem)
    mask = staticmethod(mask_url)


class SecretEmailUrl(_JudgedSecret):
    """An smtp:// or smtps:// URL (keelson.contract.email_url), shown with its password
    masked."""

    problem = staticmethod(_email_url_problem)
    mask = staticmethod(mask_email_url)


class SecretCacheUrl(_JudgedSecret):
    """A redis://, rediss:// or unix:// URL (keelson.contract.cache_url), shown with its
    password masked."""

    problem = staticmethod(cache_url_problem)
    mask = staticmethod(mask_url)


class SecretDsn(_JudgedSecret):
    """A Sentry DSN (keelson.contract.sentry_dsn), shown with its key masked."""

    problem = staticmethod(dsn_problem)
    mask = staticmethod(mask_dsn)


class Fraction(Kind):
    """A number from 0 to 1 (`0.25`), such as a sampling rate."""

    def read(self, env: Env, var: Variable) -> Any:
        value = env.raw(var.name)
        if value is None:
            return var.default_value()
        try:
            number = float(value.strip())
        except ValueError:
            number = -1.0
        if not 0.0 <= number <= 1.0:  # also refuses nan
            env.problem(
                var.name,
                f"must be a number from 0 to 1, not {one_line(value)!r}",
                env.example_hint(var.name, var.default_value(), var.example),
            )
            return var.default_value()
        return number


class UrlPath(Kind):
    """A relative URL path ending with `/` (`admin/`, `staff/admin/`): set but empty,
    absolute, or holding anything but path characters is a problem."""

    def read(self, env: Env, var: Variable) -> Any:
        value = env.environ.get(var.name)
        if value is None:
            return var.default_value()
        if not value.strip():
            env.problem(var.name, "is set but empty", var.hint)
            return var.default_value()
        if not is_utf8(value) or not URL_PATH.fullmatch(value):
            env.problem(
                var.name,
                f"must be a relative path of segments ending with /, not {one_line(value)!r}",
                var.hint,
            )
            return var.default_value()
        return value


class PolicySources(Kind):
    """Sources added to the Content-Security-Policy's directives
    (keelson.contract.content_security_policy), read as {directive: sources}."""

    def read(self, env: Env, var: Variable) -> Any:
        value = env.raw(var.name)
        if value is None:
            return {}
        try:
            return parse_extra(value)
        except PolicyError as error:
            env.problem(var.name, str(error), var.hint)
            return {}

    def text(self, value: Any) -> str | None:
        if not value:
            return None
        return "; ".join(f"{name} {' '.join(sources)}" for name, sources in value.items())


class Flag(Kind):
    """A switch of the boot: exactly 0 or 1."""

    def read(self, env: Env, var: Variable) -> Any:
        return env.flag(var.name, var.default_value())


class Bool(Kind):
    """0, 1, true or false."""

    def read(self, env: Env, var: Variable) -> Any:
        return env.bool(var.name, var.default_value())


class Seconds(Kind):
    """A duration in whole seconds, at least 1, written as digits only."""

    def read(self, env: Env, var: Variable) -> Any:
        return env.seconds(var.name, var.default_value(), example=var.example)


@dataclass(frozen=True)
class Int(Kind):
    """A whole number, within `minimum` and `maximum` when they are given."""

    minimum: int | None = None
    maximum: int | None = None

    def read(self, env: Env, var: Variable) -> Any:
        return env.int(
            var.name,
            var.default_value(),
            minimum=self.minimum,
            maximum=self.maximum,
            example=var.example,
        )


@dataclass(frozen=True)
class Choice(Kind):
    """One of `choices`, in any case (read in lower case)."""

    choices: tuple[str, ...]

    def read(self, env: Env, var: Variable) -> Any:
        return env.choice(var.name, var.default_value(), self.choices, example=var.example)


@dataclass(frozen=True)
class Items(Kind):
    """A comma-separated list; `item` returns what is wrong with one entry, or None."""

    item: Callable[[str], str | None] | None = None

    def read(self, env: Env, var: Variable) -> Any:
        return env.list(
            var.name, var.default_value(), required=var.required, hint=var.hint, item=self.item
        )


class Origins(Kind):
    """A comma-separated list of origins such as https://example.com: a scheme and a host."""

    def read(self, env: Env, var: Variable) -> Any:
        return env.origins(var.name)


class SettingsModule(Kind):
    """A Python module that exists here (looked up, not imported)."""

    def read(self, env: Env, var: Variable) -> Any:
        name = env.str(var.name, var.default_value())
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found and name == var.default_value():
            # The default is the example's module: a project of another name (the boot
            # sets the default when the variable is unset) is told to name its own, not
            # to use the default that is missing.
            env.problem(
                var.name,
                f"names {name!r} (the default when unset), which does not exist here",
                DEFAULT_SETTINGS_HINT,
            )
        elif not found:
            env.problem(var.name, f"names {name!r}, which does not exist here", var.hint)
        return name


# ---------------------------------------------------------------- variables
Problems = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class RequiredUnless:
    """Required, except when `exempt` holds for the values read before this variable;
    `when` says that case in words (the docs and .env.example print it)."""

    exempt: Callable[[Mapping[str, Any]], bool]
    when: str


@dataclass(frozen=True)
class Variable:
    """One environment variable of the contract: its name, kind, layer and doc, its
    default, whether it is required (or `RequiredUnless`), the hint of its error line,
    what .env.example shows, and the rules it must also pass (`check`)."""

    name: str
    kind: Kind
    layer: Layer
    doc: str
    default: Any = None
    required: bool | RequiredUnless = False
    hint: str = "see .env.example"
    # The default as the docs say it, when the value depends on the machine.
    shown_default: str | None = None
    # The value .env.example shows (required variables, or none by default).
    example: str | None = None
    # Rules that need the value or earlier ones: (what is wrong, hint) for each problem.
    check: Callable[[Any, Mapping[str, Any]], Problems] | None = None
    # Boot commands that refuse to start without it, though the others do not need it.
    required_for: tuple[str, ...] = ()

    @property
    def secret(self) -> bool:
        return isinstance(self.kind, Secret)

    @property
    def file_name(self) -> str | None:
        """NAME_FILE, the secret's file twin."""
        return f"{self.name}_FILE" if self.secret else None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.file_name) if self.file_name else (self.name,)

    @property
    def exemption(self) -> str | None:
        """When a conditionally required variable is not needed, in words."""
        return self.required.when if isinstance(self.required, RequiredUnless) else None

    def deciding(self, values: Mapping[str, Any]) -> Variable:
        """This variable with `required` decided by the values read before it."""
        if isinstance(self.required, RequiredUnless):
            return replace(self, required=not self.required.exempt(values))
        return self

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default

    def default_text(self) -> str | None:
        if self.shown_default is not None:
            return self.shown_default
        return self.kind.text(self.default_value())


# ---------------------------------------------------------------- rules
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
SECRET_KEY_HINT = "set 50+ random characters, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(50))'` (see .env.example)"  # noqa: S105 - a hint, not a key
PLACEHOLDER_MARKERS = ("change-me", "changeme")
LOG_DIR_HINT = "create LOG_DIR writable by the service user (uid 10001 in the image), or set {name}=0 to log to stdout"


def secret_key_problems(key: str | None, _: Mapping[str, Any]) -> Problems:
    if key is None:
        return
    if len(key) < SECRET_KEY_MIN_LENGTH:
        yield f"is too short ({len(key)} characters)", SECRET_KEY_HINT
    elif len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        yield f"has fewer than {SECRET_KEY_MIN_DISTINCT} distinct characters", SECRET_KEY_HINT
    if key.startswith("django-insecure-"):
        yield "starts with 'django-insecure-' (a generated development key)", SECRET_KEY_HINT
    elif any(marker in key.lower() for marker in PLACEHOLDER_MARKERS):
        yield "is the placeholder from .env.example", SECRET_KEY_HINT


def debug_problems(debug: bool, _: Mapping[str, Any]) -> Problems:
    if debug:
        yield (
            "is true, which production refuses (it shows settings and stack traces)",
            "set DEBUG=0",
        )


def host_problem(entry: str) -> str | None:
    if "://" in entry or "/" in entry:
        return "is not a host name (no scheme, no path)"
    return None


def bind_problem(entry: str) -> str | None:
    try:
        parse_bind(entry)
    except BindAddressError as error:
        return str(error)
    return None


def log_files_problems(name: str, *filenames: str) -> Callable[[bool, Mapping[str, Any]], Problems]:
    """A *_LOG_TO_FILES flag: when on, each file in LOG_DIR must take lines now."""

    def problems(on: bool, values: Mapping[str, Any]) -> Problems:
        if not on:
            return
        for filename in filenames:
            _, trouble = writable_log_file(values["LOG_DIR"], filename)
            if trouble:
                # One bad directory is one problem line.
                yield f"is 1 but {trouble}", LOG_DIR_HINT.format(name=name)
                return

    return problems


METRICS_BIND_HINT = "give metrics a port of their own, e.g. METRICS_BIND=0.0.0.0:9100, or leave it empty to serve no metrics"
# Kubernetes removes a terminating pod from its Service's endpoints at once, but
# kube-proxy on every node and the ingress controllers learn it a few seconds later; until
# then they keep sending requests. Ten seconds covers that propagation with a margin.
DEFAULT_DRAIN_SECONDS = 10
DEFAULT_METRICS_DIR = "/tmp/keelson-metrics"  # noqa: S108 - tmpfs in the image


def metrics_bind_problems(bind: str | None, values: Mapping[str, Any]) -> Problems:
    """METRICS_BIND is one HOST:PORT, never one of the application's own (GUNICORN_BIND):
    a wildcard on either side takes the port on every interface."""
    if bind is None:
        return
    try:
        address = parse_bind(bind, unix=False)
    except BindAddressError as error:
        yield str(error), METRICS_BIND_HINT
        return
    if any(address.shares_listener(app) for app in bind_addresses(values["GUNICORN_BIND"])):
        yield f"is {bind}, the application's own address (GUNICORN_BIND)", METRICS_BIND_HINT


def bind_addresses(entries: list[str]) -> Iterator[BindAddress]:
    """The entries that parse; the others are GUNICORN_BIND's own problems."""
    for entry in entries:
        try:
            yield parse_bind(entry)
        except BindAddressError:
            continue


def absolute_path_problems(path: str, values: Mapping[str, Any]) -> Problems:
    if not path.startswith("/"):
        yield (
            f"must be an absolute path, not {one_line(path)!r}",
            f"e.g. METRICS_DIR={DEFAULT_METRICS_DIR} (on tmpfs)",
        )


def is_socket_directory(values: Mapping[str, Any]) -> bool:
    """POSTGRES_HOST names the directory of a unix socket (libpq: a leading `/`)."""
    return str(values.get("POSTGRES_HOST", "")).startswith("/")


def soft_limit_problems(soft: int, values: Mapping[str, Any]) -> Problems:
    hard = values["CELERY_TASK_TIME_LIMIT"]
    if soft >= hard:
        yield (
            f"({soft} s) must be below CELERY_TASK_TIME_LIMIT ({hard} s)",
            "the soft limit warns the task before the hard limit kills it, e.g. 240 and 300",
        )


def default_concurrency() -> int:
    """The CPUs this process may run on (its affinity, a container's cpuset), not the host's."""
    return len(os.sched_getaffinity(0))


BROKER_HINT = "e.g. CELERY_BROKER_URL=redis://:PASSWORD@redis:6379/0, or CELERY_BROKER_URL_FILE naming a file that holds it (see .env.example)"
RESULT_HINT = "e.g. CELERY_RESULT_BACKEND=redis://:PASSWORD@redis:6379/1, or leave it unset (no results stored)"
WORKER_ROLES = ("worker", "beat")


def default_workers() -> int:
    """2 x CPU + 1, counting the CPUs this process may run on (not the host's)."""
    return 2 * len(os.sched_getaffinity(0)) + 1


# ---------------------------------------------------------------- services
# Segments of letters, digits and `._~-`, each followed by `/`; no `..` segment.
URL_PATH = re.compile(r"(?:(?!\.\.?/)[A-Za-z0-9._~-]+/)+")
ADMIN_URL_HINT = "a relative path ending with /, e.g. ADMIN_URL=staff-7f3a/ (see .env.example)"
EMAIL_URL_HINT = "e.g. EMAIL_URL=smtp://USER:PASSWORD@smtp.example.com:587 (STARTTLS) or smtps://...:465, or EMAIL_URL_FILE naming a file that holds it"
ADDRESS_HINT = "an address such as noreply@example.com or 'Shop <noreply@example.com>'"
MEDIA_ROOT_HINT = "create MEDIA_ROOT (a volume) writable by the service user (uid 10001 in the image), or set MEDIA_STORAGE=s3"
CACHE_URL_HINT = "e.g. CACHE_URL=redis://:PASSWORD@redis:6379/2, or CACHE_URL_FILE naming a file that holds it; unset: a per-process memory cache"
SENTRY_DSN_HINT = "the DSN of the project's settings, e.g. SENTRY_DSN=https://KEY@o1.ingest.sentry.io/42, or SENTRY_DSN_FILE"
S3_KEYS_HINT = "set both MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY (or their _FILE twins), or neither to use the platform's credentials (instance role, service account)"
MEDIA_STORAGES = ("s3", "filesystem")
S3_ADDRESSING_STYLES = ("auto", "virtual", "path")


def address_problems(address: str | None, _: Mapping[str, Any]) -> Problems:
    """An email address, alone or as `Name <address>`."""
    if address is None:
        return
    _, found = parseaddr(address)
    local, at, domain = found.partition("@")
    if not (local and at and domain) or any(c.isspace() for c in found) or "@" in domain:
        yield f"is not an email address: {one_line(address)!r}", ADDRESS_HINT


def sender_problems(address: str | None, values: Mapping[str, Any]) -> Problems:
    """DEFAULT_FROM_EMAIL: an address, needed when mail is on (Django's default,
    webmaster@localhost, is refused by most relays)."""
    if address is None and values["EMAIL_URL"] is not None:
        yield "is missing (EMAIL_URL is set: mail needs a sender)", ADDRESS_HINT
    yield from address_problems(address, values)


def needed_with(name: str, value: str, hint: str) -> Callable[[Any, Mapping[str, Any]], Problems]:
    """A variable that is optional unless the earlier `name` is `value`."""

    def problems(own: Any, values: Mapping[str, Any]) -> Problems:
        if own is None and values[name] == value:
            yield f"is missing ({name}={value} needs it)", hint

    return problems


def media_root_problems(root: str | None, values: Mapping[str, Any]) -> Problems:
    """MEDIA_ROOT, when media are files: an existing directory the service user may
    write, judged by writing a file there now."""
    if values["MEDIA_STORAGE"] != "filesystem":
        return
    if root is None:
        yield "is missing (MEDIA_STORAGE=filesystem needs it)", MEDIA_ROOT_HINT
        return
    if not root.startswith("/"):
        yield f"must be an absolute path, not {one_line(root)!r}", MEDIA_ROOT_HINT
        return
    if not os.path.isdir(root):
        yield f"names {one_line(root, 400)}, which is no directory", MEDIA_ROOT_HINT
        return
    try:
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as error:
        yield (
            f"names {one_line(root, 400)}, which cannot be written ({error.strerror})",
            MEDIA_ROOT_HINT,
        )


def media_url_problems(url: str, _: Mapping[str, Any]) -> Problems:
    if not url.endswith("/") or any(c.isspace() for c in url):
        yield (
            f"must be a URL path or URL ending with /, not {one_line(url)!r}",
            "e.g. MEDIA_URL=/media/ or MEDIA_URL=https://media.example.com/",
        )


REGION = re.compile(r"[a-z]{2}(?:-[a-z0-9]+)+|[a-z0-9-]{1,40}")


def region_problems(region: str | None, _: Mapping[str, Any]) -> Problems:
    if region is not None and not REGION.fullmatch(region):
        yield f"is not a region name: {one_line(region)!r}", "e.g. MEDIA_S3_REGION=eu-west-1"


def environment_problems(name: str, _: Mapping[str, Any]) -> Problems:
    """Sentry's rules for an environment's name."""
    if len(name) > 64 or "/" in name or any(c.isspace() for c in name) or name == "None":
        yield (
            f"must be up to 64 characters without spaces or /, not {one_line(name)!r}",
            "e.g. SENTRY_ENVIRONMENT=staging",
        )


def endpoint_problems(url: str | None, _: Mapping[str, Any]) -> Problems:
    if url is not None and origin_problem(url.rstrip("/")):
        yield (
            f"must be an http(s) origin, not {one_line(url)!r}",
            "e.g. MEDIA_S3_ENDPOINT_URL=https://minio.internal:9000 (no path)",
        )


def s3_keys_problems(secret: str | None, values: Mapping[str, Any]) -> Problems:
    """Both keys or neither: one without the other is a half-configured secret."""
    if (secret is None) != (values["MEDIA_S3_ACCESS_KEY_ID"] is None):
        yield "and MEDIA_S3_ACCESS_KEY_ID must be set together", S3_KEYS_HINT


def custom_domain_problems(domain: str | None, _: Mapping[str, Any]) -> Problems:
    if domain is not None and ("://" in domain or not domain.strip("/") or " " in domain):
        yield (
            f"must be a host name without scheme, not {one_line(domain)!r}",
            "e.g. MEDIA_S3_CUSTOM_DOMAIN=media.example.com",
        )


# ---------------------------------------------------------------- the contract
CONTRACT: tuple[Variable, ...] = (
    # ------------------------------------------------------------ boot
    Variable(
        "DJANGO_SETTINGS_MODULE",
        SettingsModule(),
        BOOT,
        "settings module of the boot and of gunicorn (the image carries only production)",
        default="config.settings.production",
        hint=f"use {KNOWN_SETTINGS}",
    ),
    Variable(
        "RUN_MIGRATIONS",
        Flag(),
        BOOT,
        "migrate at boot; `0` on web replicas when a `boot migrate` job migrates",
        default=True,
    ),
    Variable(
        "MIGRATIONS_STRICT",
        Flag(),
        BOOT,
        "`1`: a failed migrate (70) or collectstatic (73) stops the boot. `0`: emergency mode, serve anyway",
        default=True,
    ),
    Variable(
        "RUN_COLLECTSTATIC",
        Flag(),
        BOOT,
        "collect static files at boot (the image sets `0`: collected at build time)",
        default=True,
    ),
    Variable(
        "POSTGRES_WAIT_TIMEOUT",
        Seconds(),
        BOOT,
        "seconds the boot waits for PostgreSQL before exit 69",
        default=60,
    ),
    # ------------------------------------------------------------ Django
    Variable(
        "SECRET_KEY",
        Secret(),
        DJANGO,
        "signing key: 50+ characters, 5+ distinct, not `django-insecure-*` or a placeholder",
        required=True,
        hint=SECRET_KEY_HINT,
        example='change-me-to-50-random-characters-$ecret=with"quotes"-like-this-one',
        check=secret_key_problems,
    ),
    Variable(
        "DEBUG",
        Bool(),
        DJANGO,
        "must stay `0`: production refuses `1`",
        default=False,
        check=debug_problems,
    ),
    Variable(
        "ALLOWED_HOSTS",
        Items(host_problem),
        DJANGO,
        "host names this service answers to, comma-separated, no scheme or path",
        required=True,
        hint="list the host names this service answers to, e.g. ALLOWED_HOSTS=api.example.com",
        example="localhost,127.0.0.1",
    ),
    Variable(
        "CSRF_TRUSTED_ORIGINS",
        Origins(),
        DJANGO,
        "full origins (`https://host`) trusted for CSRF, comma-separated",
        default=[],
        example="https://app.example.com",
    ),
    Variable(
        "CORS_ALLOWED_ORIGINS",
        Origins(),
        DJANGO,
        "full origins allowed by CORS, comma-separated",
        default=[],
        example="https://app.example.com",
    ),
    Variable(
        "SECURE_SSL_REDIRECT",
        Bool(),
        DJANGO,
        "redirect http to https (probes excepted); `0` only when TLS ends upstream and the proxy redirects, or for plain-http local runs",
        default=True,
    ),
    Variable(
        "SECURE_PROXY_SSL_HEADER",
        Bool(),
        DJANGO,
        "trust `X-Forwarded-Proto: https` from the proxy in front (it must set or strip it)",
        default=True,
    ),
    Variable(
        "SECURE_HSTS_SECONDS",
        Int(minimum=0),
        DJANGO,
        "HSTS max-age; `0` turns HSTS off",
        default=31_536_000,
    ),
    Variable(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", Bool(), DJANGO, "HSTS includeSubDomains", default=True
    ),
    Variable("SECURE_HSTS_PRELOAD", Bool(), DJANGO, "HSTS preload", default=True),
    Variable(
        "CONTENT_SECURITY_POLICY_EXTRA",
        PolicySources(),
        DJANGO,
        "sources added to the strict default Content-Security-Policy of HTML responses, `DIRECTIVE SOURCE...; ...` (e.g. `img-src https://cdn.example.com`)",
        hint="e.g. CONTENT_SECURITY_POLICY_EXTRA='img-src https://cdn.example.com; script-src https://js.example.com'",
        example="img-src https://cdn.example.com",
    ),
    Variable(
        "ADMIN_URL",
        UrlPath(),
        DJANGO,
        "path of Django's admin, relative, ending with `/`",
        "admin/",
        hint=ADMIN_URL_HINT,
    ),
    Variable(
        "STATIC_ROOT",
        Text(),
        DJANGO,
        "where collected static files are, relative to the project's directory (the boot's working directory); the image: a store path, collected at build time",
        default=lambda: str(Path.cwd() / "staticfiles"),
        shown_default="staticfiles",
    ),
    # ------------------------------------------------------------ database
    Variable(
        "POSTGRES_HOST",
        Text(),
        DATABASE,
        "host of PostgreSQL (the boot's wait and Django), or the directory of its unix socket (starts with `/`)",
        "db",
    ),
    Variable("POSTGRES_PORT", Int(1, 65535), DATABASE, "port, 1-65535", 5432),
    Variable("POSTGRES_DB", Text(), DATABASE, "database name", "keelson"),
    Variable("POSTGRES_USER", Text(), DATABASE, "role", "keelson"),
    Variable(
        "POSTGRES_PASSWORD",
        Secret(),
        DATABASE,
        "password of `POSTGRES_USER`",
        # Peer authentication over a unix socket has no password; over TCP one is needed.
        required=RequiredUnless(
            is_socket_directory,
            "`POSTGRES_HOST` is a unix socket directory (e.g. `/run/postgresql`) with peer authentication",
        ),
        hint="the password of POSTGRES_USER (see .env.example)",
        example="change-me",
    ),
    Variable(
        "POSTGRES_CONNECT_TIMEOUT",
        Int(1, 300),
        DATABASE,
        "seconds per connection attempt (1-300); probes use at most 3",
        5,
    ),
    Variable(
        "POSTGRES_SSLMODE",
        Choice(SSL_MODES),
        DATABASE,
        "libpq sslmode: " + ", ".join(SSL_MODES),
        "prefer",
    ),
    Variable(
        "CONN_MAX_AGE",
        Int(minimum=0),
        DATABASE,
        "seconds a connection is kept for reuse; `0`: a new one per request",
        60,
    ),
    # ------------------------------------------------------------ gunicorn
    Variable(
        "GUNICORN_BIND",
        Items(bind_problem),
        GUNICORN,
        "`HOST:PORT` or `unix:PATH`, comma-separated; `boot healthcheck` uses the first",
        default=["0.0.0.0:8000"],
        hint="e.g. GUNICORN_BIND=0.0.0.0:8000",
    ),
    Variable(
        "GUNICORN_WORKERS",
        Int(1, 256),
        GUNICORN,
        "worker processes, 1-256 (default: 2 x the CPUs this process may run on + 1)",
        default=default_workers,
        shown_default="2 x CPUs + 1",
        example="5",
    ),
    Variable("GUNICORN_THREADS", Int(1, 256), GUNICORN, "threads per worker, 1-256", 1),
    Variable(
        "GUNICORN_TIMEOUT",
        Int(minimum=1),
        GUNICORN,
        "seconds before a silent worker is killed and replaced",
        140,
    ),
    Variable(
        "GUNICORN_GRACEFUL_TIMEOUT",
        Int(minimum=1),
        GUNICORN,
        "seconds in-flight requests get after SIGTERM",
        30,
    ),
    Variable(
        "GUNICORN_KEEPALIVE",
        Int(minimum=0),
        GUNICORN,
        "seconds a keep-alive connection waits",
        5,
    ),
    Variable(
        "GUNICORN_MAX_REQUESTS",
        Int(minimum=0),
        GUNICORN,
        "requests before a worker is recycled (`0`: never)",
        1000,
    ),
    Variable(
        "GUNICORN_MAX_REQUESTS_JITTER",
        Int(minimum=0),
        GUNICORN,
        "random extra requests, so workers do not recycle together",
        100,
    ),
    Variable(
        "GUNICORN_FORWARDED_ALLOW_IPS",
        Text(),
        GUNICORN,
        "proxies whose `X-Forwarded-*` headers are trusted (comma-separated IPs, or `*`)",
        "127.0.0.1",
    ),
    Variable(
        "GUNICORN_LOG_LEVEL", Choice(LOG_LEVELS), GUNICORN, "gunicorn's own log level", "info"
    ),
    # ------------------------------------------------------------ logs
    Variable(
        "DJANGO_LOG_LEVEL",
        Choice(LOG_LEVELS),
        LOGS,
        "Django's log level: " + ", ".join(LOG_LEVELS),
        "info",
    ),
    Variable(
        "LOG_DIR",
        Text(),
        LOGS,
        "must exist and be writable (uid 10001 in the image) when a `*_LOG_TO_FILES` flag is `1`, else exit 78",
        "/app/logs",
    ),
    Variable(
        "DJANGO_LOG_TO_FILES",
        Bool(),
        LOGS,
        f"`1`: Django logs to `LOG_DIR/{DJANGO_LOG_FILE}` instead of stdout",
        default=False,
        check=log_files_problems("DJANGO_LOG_TO_FILES", DJANGO_LOG_FILE),
    ),
    Variable(
        "GUNICORN_LOG_TO_FILES",
        Bool(),
        LOGS,
        f"`1`: gunicorn logs to `LOG_DIR/{GUNICORN_ACCESS_LOG_FILE}` and `{GUNICORN_ERROR_LOG_FILE}`",
        default=False,
        check=log_files_problems(
            "GUNICORN_LOG_TO_FILES", GUNICORN_ACCESS_LOG_FILE, GUNICORN_ERROR_LOG_FILE
        ),
    ),
    # ------------------------------------------------------------ observability
    Variable(
        "METRICS_BIND",
        Text(),
        OBSERVABILITY,
        "`HOST:PORT` of the Prometheus metrics listener, served by gunicorn's master, never on `GUNICORN_BIND`; empty: no metrics",
        hint=METRICS_BIND_HINT,
        example="0.0.0.0:9100",
        check=metrics_bind_problems,
    ),
    Variable(
        "METRICS_DIR",
        Text(),
        OBSERVABILITY,
        "absolute path of the workers' metric files, emptied at boot; on tmpfs (written on every request)",
        DEFAULT_METRICS_DIR,
        check=absolute_path_problems,
    ),
    Variable(
        "DRAIN_SECONDS",
        Int(0, 300),
        OBSERVABILITY,
        "after SIGTERM, seconds `/ready/` answers 503 while every other request is served, before the graceful stop (0-300; `0`: stop at once); covers Kubernetes' endpoint propagation",
        DEFAULT_DRAIN_SECONDS,
    ),
    # ------------------------------------------------------------ front
    # The defaults hold 200 connections dripping headers and 50 dripping bodies beside
    # ordinary traffic (tests/reliability/test_slow_clients.py).
    Variable(
        "FRONT_MAX_HEADER_BYTES",
        Int(1024, 65536),
        FRONT,
        "largest request line or single header line, 1024-65536 bytes; larger: 431 (header) or 414 (request line)",
        8192,
    ),
    Variable(
        "FRONT_MAX_HEADERS",
        Int(10, 1000),
        FRONT,
        "most request headers, 10-1000; more: 431 (counted by gunicorn, which allows 4 more for the headers the front adds)",
        100,
    ),
    Variable(
        "FRONT_MAX_BODY_BYTES",
        Int(1024, 2**40),
        FRONT,
        "largest request body in bytes; larger: 413 before any of it reaches gunicorn",
        10 * 1024 * 1024,
    ),
    Variable(
        "FRONT_HEADER_TIMEOUT",
        Int(1, 3600),
        FRONT,
        "seconds a client may take to send its whole request head; then the connection is closed",
        10,
    ),
    Variable(
        "FRONT_BODY_TIMEOUT",
        Int(1, 3600),
        FRONT,
        "seconds a client may pause between two reads of its body; then 408",
        10,
    ),
    Variable(
        "FRONT_MAX_CONNECTIONS",
        Int(64, 65536),
        FRONT,
        "connections the front holds at once (clients and its connections to gunicorn), 64-65536",
        4096,
    ),
    Variable(
        "FRONT_MAX_CONNECTIONS_PER_CLIENT",
        Int(0, 65536),
        FRONT,
        "requests in progress from one client address; more: 429. `0`: no limit. Behind a proxy every client has the proxy's address: raise it or set `0` there",
        256,
    ),
    # ------------------------------------------------------------ workers
    Variable(
        "CELERY_BROKER_URL",
        SecretRedisUrl(),
        WORKERS,
        "the broker, `redis://` or `rediss://`; the web role enqueues there when set. Printed with its password masked",
        hint=BROKER_HINT,
        example="redis://:change-me@redis:6379/0",
        required_for=WORKER_ROLES,
    ),
    Variable(
        "CELERY_RESULT_BACKEND",
        SecretRedisUrl(),
        WORKERS,
        "where task results are stored (`redis://`); unset: none stored",
        hint=RESULT_HINT,
        example="redis://:change-me@redis:6379/1",
    ),
    Variable(
        "CELERY_BROKER_WAIT_TIMEOUT",
        Int(1, 3600),
        WORKERS,
        "seconds `boot worker` and `boot beat` wait for the broker before exit 69",
        60,
    ),
    Variable(
        "CELERY_WORKER_CONCURRENCY",
        Int(1, 256),
        WORKERS,
        "pool processes of `boot worker`, 1-256 (default: the CPUs this process may run on)",
        default=default_concurrency,
        shown_default="CPUs",
        example="2",
    ),
    Variable(
        "CELERY_WORKER_MAX_TASKS_PER_CHILD",
        Int(minimum=1),
        WORKERS,
        "tasks before a pool process is replaced",
        1000,
    ),
    Variable(
        "CELERY_WORKER_PREFETCH_MULTIPLIER",
        Int(1, 1000),
        WORKERS,
        "messages each pool process reserves ahead, 1-1000",
        1,
    ),
    Variable(
        "CELERY_TASK_TIME_LIMIT",
        Int(1, 86_400),
        WORKERS,
        "hard limit: seconds before a running task's process is killed (the grace period must exceed it)",
        300,
    ),
    Variable(
        "CELERY_TASK_SOFT_TIME_LIMIT",
        Int(1, 86_400),
        WORKERS,
        "soft limit: seconds before `SoftTimeLimitExceeded` is raised in the task; below the hard limit",
        240,
        check=soft_limit_problems,
    ),
    # ------------------------------------------------------------ mail
    Variable(
        "EMAIL_URL",
        SecretEmailUrl(),
        MAIL,
        "the SMTP server: `smtp://USER:PASSWORD@HOST:PORT` (STARTTLS, port 587 by default) or `smtps://` (TLS from the start, 465); unset: mail is off, each message is dropped with one WARNING line. Printed with its password masked",
        hint=EMAIL_URL_HINT,
        example="smtp://mailer:change-me@smtp.example.com:587",
    ),
    Variable(
        "DEFAULT_FROM_EMAIL",
        Text(),
        MAIL,
        "the sender of the site's mail (password resets), `addr` or `Name <addr>`; needed with `EMAIL_URL`",
        hint=ADDRESS_HINT,
        example="noreply@example.com",
        check=sender_problems,
    ),
    Variable(
        "SERVER_EMAIL",
        Text(),
        MAIL,
        "the sender of mail to the site's admins (default: `DEFAULT_FROM_EMAIL`)",
        hint=ADDRESS_HINT,
        example="alerts@example.com",
        check=address_problems,
    ),
    # ------------------------------------------------------------ media
    Variable(
        "MEDIA_STORAGE",
        Choice(MEDIA_STORAGES),
        MEDIA,
        "where uploaded files go: `s3` (any S3-compatible store) or `filesystem` (`MEDIA_ROOT`); unset: no media storage, saving a file raises an error naming this variable",
        example="s3",
    ),
    Variable(
        "MEDIA_URL",
        Text(),
        MEDIA,
        "URL prefix of media files with `filesystem` (served by whatever reads the volume), ending with `/`; `s3` makes its own URLs",
        "/media/",
        check=media_url_problems,
    ),
    Variable(
        "MEDIA_ROOT",
        Text(),
        MEDIA,
        "absolute path of the media directory with `filesystem`: must exist and be writable by the service user (uid 10001 in the image), else exit 78",
        hint=MEDIA_ROOT_HINT,
        example="/app/media",
        check=media_root_problems,
    ),
    Variable(
        "MEDIA_S3_BUCKET",
        Text(),
        MEDIA,
        "the bucket; needed with `s3`",
        hint="the bucket's name, e.g. MEDIA_S3_BUCKET=shop-media",
        example="shop-media",
        check=needed_with(
            "MEDIA_STORAGE", "s3", "the bucket's name, e.g. MEDIA_S3_BUCKET=shop-media"
        ),
    ),
    Variable(
        "MEDIA_S3_REGION",
        Text(),
        MEDIA,
        "the bucket's region (unset: the platform's, else `us-east-1`)",
        example="eu-west-1",
        check=region_problems,
    ),
    Variable(
        "MEDIA_S3_ENDPOINT_URL",
        Text(),
        MEDIA,
        "the S3 API's origin for other stores (MinIO, Cloudflare R2, Ceph): `https://host:port`; unset: AWS",
        example="https://minio.internal:9000",
        check=endpoint_problems,
    ),
    Variable(
        "MEDIA_S3_ADDRESSING_STYLE",
        Choice(S3_ADDRESSING_STYLES),
        MEDIA,
        "`virtual` (`bucket.host`), `path` (`host/bucket`, most self-hosted stores) or `auto`",
        "auto",
    ),
    Variable(
        "MEDIA_S3_CUSTOM_DOMAIN",
        Text(),
        MEDIA,
        "host name that serves the bucket's files publicly (a CDN): URLs name it, unsigned; unset: signed URLs of the endpoint, valid one hour",
        example="media.example.com",
        check=custom_domain_problems,
    ),
    Variable(
        "MEDIA_S3_ACCESS_KEY_ID",
        Secret(),
        MEDIA,
        "access key; with its secret, or neither: the platform's credential chain (instance role, Kubernetes service account)",
        hint=S3_KEYS_HINT,
        example="change-me",
    ),
    Variable(
        "MEDIA_S3_SECRET_ACCESS_KEY",
        Secret(),
        MEDIA,
        "the access key's secret",
        hint=S3_KEYS_HINT,
        example="change-me",
        check=s3_keys_problems,
    ),
    # ------------------------------------------------------------ cache
    Variable(
        "CACHE_URL",
        SecretCacheUrl(),
        CACHE,
        "Django's cache on Redis: `redis://`, `rediss://` or `unix:///path?db=N`; unset: a memory cache per process (each worker its own). Not part of `/ready/`. Printed with its password masked",
        hint=CACHE_URL_HINT,
        example="redis://:change-me@redis:6379/2",
    ),
    # ------------------------------------------------------------ error reporting
    Variable(
        "SENTRY_DSN",
        SecretDsn(),
        ERROR_REPORTING,
        "where errors are reported (Sentry or a compatible collector); unset: none. Printed with its key masked",
        hint=SENTRY_DSN_HINT,
        example="https://change-me@o1.ingest.sentry.io/42",
    ),
    Variable(
        "SENTRY_ENVIRONMENT",
        Text(),
        ERROR_REPORTING,
        "the environment events are filed under (up to 64 characters, no spaces or `/`)",
        "production",
        check=environment_problems,
    ),
    Variable(
        "SENTRY_TRACES_SAMPLE_RATE",
        Fraction(),
        ERROR_REPORTING,
        "share of requests and tasks traced for performance, 0-1 (`0`: none)",
        0.0,
        example="0.1",
    ),
)

BY_NAME: dict[str, Variable] = {var.name: var for var in CONTRACT}


class Contract:
    """The variables one project reads: Keelson's, then the project's own (`extend`), in
    the order they are validated and rendered. Layers come in the order of their first
    variable."""

    def __init__(self, variables: Iterable[Variable]) -> None:
        self.variables: tuple[Variable, ...] = tuple(variables)
        names = [name for var in self.variables for name in var.names]
        if repeated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"the contract declares {', '.join(repeated)} more than once")
        self.by_name: dict[str, Variable] = {var.name: var for var in self.variables}

    def extend(self, *variables: Variable) -> Contract:
        """This contract and `variables` after it; a name declared twice is an error."""
        return Contract((*self.variables, *variables))

    @property
    def layers(self) -> tuple[Layer, ...]:
        return tuple(dict.fromkeys(var.layer for var in self.variables))

    def every_name(self) -> list[str]:
        """Every name of the contract, secrets' file twins included."""
        return [name for var in self.variables for name in var.names]

    def validate(
        self, environ: Mapping[str, str] | None = None, command: str | None = None
    ) -> Values:
        """Read every variable of every layer; raise ConfigError with one line per
        problem. `command`: the boot command about to run, which may require more
        (`required_for`)."""
        env = Env(environ)
        values: dict[str, Any] = {}
        for var in self.variables:
            before = len(env.problems)
            decided = var.deciding(values)
            values[var.name] = var.kind.read(env, decided)
            if len(env.problems) > before:
                continue
            if values[var.name] is None and decided.required:
                # Text, Secret and Items judge `required` as they read; the other kinds
                # fall back to their default, which a required variable does not have.
                env.problem(var.name, "is missing", var.hint)
            elif values[var.name] is None and command in var.required_for:
                names = " or ".join(var.names)
                env.problem(
                    var.name, f"is missing (set {names}): boot {command} needs it", var.hint
                )
            elif var.check:
                for what, hint in var.check(values[var.name], values):
                    env.problem(var.name, what, hint)
        env.done()
        return Values(self, values, env.environ, command)


KEELSON = Contract(CONTRACT)

# Where a project declares its own variables: the module `contract` of the top-level
# package of its settings module (`config.contract` for `config.settings.production`),
# as a sequence named VARIABLES.
PROJECT_CONTRACT_MODULE = "contract"
PROJECT_VARIABLES = "VARIABLES"


def project_contract(settings_module: str | None = None) -> Contract:
    """Keelson's contract, extended with the variables of the project whose settings
    module is `settings_module` (default: DJANGO_SETTINGS_MODULE, or its default)."""
    name = (
        settings_module
        or os.environ.get("DJANGO_SETTINGS_MODULE")
        or BY_NAME["DJANGO_SETTINGS_MODULE"].default_value()
    )
    return _contract_of(f"{name.partition('.')[0]}.{PROJECT_CONTRACT_MODULE}")


@functools.cache
def _contract_of(module_name: str) -> Contract:
    try:
        found = importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return KEELSON
    variables = getattr(importlib.import_module(module_name), PROJECT_VARIABLES, None)
    if variables is None or not all(isinstance(var, Variable) for var in variables):
        raise TypeError(
            f"{module_name}.{PROJECT_VARIABLES} must be a sequence of keelson.contract.Variable"
        )
    return KEELSON.extend(*variables)


def every_name() -> list[str]:
    """Every name of the project's contract, secrets' file twins included."""
    return project_contract().every_name()


# ---------------------------------------------------------------- validation
class Values(Mapping[str, Any]):
    """The contract's values, defaults filled in: read by name, like a dict."""

    def __init__(
        self,
        contract: Contract,
        values: dict[str, Any],
        environ: Mapping[str, str],
        command: str | None = None,
    ) -> None:
        self.contract = contract
        self._values = values
        self._environ = environ
        # The command whose requirements were judged too (None: only every role's).
        self.command = command

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def shown(self) -> dict[str, str | None]:
        """Every variable's effective value as text, secrets (and their files) masked."""
        shown: dict[str, str | None] = {}
        for var in self.contract.variables:
            shown[var.name] = var.kind.shown(self._values[var.name])
            if var.file_name and self._environ.get(var.file_name):
                shown[var.file_name] = MASK
        return shown


def read_one(var: Variable, environ: Mapping[str, str] | None = None) -> Any:
    """One variable alone (its value, or its default when it is bad): for commands such
    as the healthcheck that need one value and must not judge the rest."""
    return var.kind.read(Env(environ), var.deciding({}))


def validate(environ: Mapping[str, str] | None = None, command: str | None = None) -> Values:
    """The project's contract (`project_contract`) validated against `environ`."""
    return project_contract().validate(environ, command)


# The last validation of the process environment, and the contract's part of it.
_validated: tuple[tuple[tuple[str, str | None], ...], Values] | None = None


def validated(command: str | None = None) -> Values:
    """The process environment, validated once while it stays the same: the boot
    validates it before anything else (with its command's requirements); the settings
    and gunicorn's configuration then read the same values instead of judging the
    environment again."""
    global _validated
    contract = project_contract()
    seen = tuple((name, os.environ.get(name)) for name in contract.every_name())
    if (
        _validated is None
        or _validated[1].contract is not contract
        or _validated[0] != seen
        or (command is not None and _validated[1].command != command)
    ):
        _validated = (seen, contract.validate(command=command))
    return _validated[1]


def validated_or_exit() -> Values:
    """validated(), or the problems on stderr and exit 78 (entry points without a logger)."""
    try:
        return validated()
    except ConfigError as error:
        exit_on_config_error(error)
