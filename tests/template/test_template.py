"""The flake template's project, templates/default: what `nix flake init -t` gives a new
site. With Keelson taken from this checkout instead of its release's git tag, uv locks and
syncs it; its `keelson check` accepts a production environment and refuses a bad one with
one JSON line per problem (exit 78), its own variable among them; `keelson serve` migrates
its app against a real PostgreSQL and serves it behind the front; its own tests pass. Its
.env.example is what the contract renders, and it pins this checkout's version."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trixie
from boot_support import pg_isready, wait_for_exit
from httpclient import request, wait_for_status
from ports import free_port
from postgres import connect_as_backend
from processes import BIN, REPO, Process, base_env, nginx_or_skip

TEMPLATE = REPO / "templates" / "default"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
# Where the template takes Keelson from: this repository, at the release's tag.
SOURCE_URL = "https://github.com/keelson/keelson"
PRODUCTION = "config.settings.production"
# The template's own variable (config/contract.py).
VARIABLE = "PAGES_PER_LISTING"
HTTPS = {"Host": "mysite.example", "X-Forwarded-Proto": "https"}


def uv_or_skip() -> str:
    try:
        return trixie.uv_command()
    except RuntimeError:
        # Nix's sandbox (checks.pytest) has no uv and no network to resolve with.
        pytest.skip("uv (the template's locker and installer) is neither on PATH nor in .state/uv")


def uv(*args: str, cwd: Path) -> None:
    """uv on this interpreter, with the default cache, outside this checkout's venv."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT")
    }
    result = subprocess.run(
        [uv_or_skip(), *args],
        cwd=cwd,
        env={**env, "UV_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"uv {' '.join(args)}:\n{result.stderr}"


@dataclass(frozen=True)
class Site:
    """The template copied as `nix flake init` copies it, synced with uv."""

    root: Path
    # pg_isready and nginx, as the image puts them on PATH.
    tools: Path

    @property
    def bin(self) -> Path:
        return self.root / ".venv" / "bin"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Nothing of the checkout's: no PYTHONPATH, no settings module, the site's venv
        first on PATH."""
        return {
            "PATH": f"{self.bin}:{self.tools}",
            "HOME": str(self.root),
            "PYTHONDONTWRITEBYTECODE": "1",
            **(extra or {}),
        }

    def run(
        self, *argv: str | Path, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(arg) for arg in argv],
            cwd=self.root,
            env=self.env(extra),
            capture_output=True,
            text=True,
            timeout=180,
        )


def from_this_checkout(pyproject: Path) -> None:
    """[tool.uv.sources]: keelson from this checkout's path instead of the release's tag;
    uv builds it from there."""
    text = pyproject.read_text(encoding="utf-8")
    edited, count = re.subn(
        r"(?m)^keelson = \{ git = .* \}$", f'keelson = {{ path = "{REPO}" }}', text
    )
    assert count == 1, "the template's pyproject.toml names one source for keelson"
    pyproject.write_text(edited, encoding="utf-8")
    assert tomllib.loads(edited)["tool"]["uv"]["sources"]["keelson"] == {"path": str(REPO)}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The template in a directory of its own, locked and synced (its default groups)."""
    uv_or_skip()
    root = tmp_path_factory.mktemp("template") / "mysite"
    shutil.copytree(
        TEMPLATE,
        root,
        ignore=shutil.ignore_patterns(
            ".venv", ".state", "staticfiles", "__pycache__", ".ruff_cache"
        ),
    )
    from_this_checkout(root / "pyproject.toml")
    uv("lock", "--quiet", cwd=root)
    # Rebuilt from the checkout as it is now: uv would otherwise reuse a build it cached
    # for an earlier state of the same path.
    uv("sync", "--locked", "--quiet", "--reinstall-package", "keelson", cwd=root)
    tools = root.parent / "tools"
    tools.mkdir()
    (tools / "pg_isready").symlink_to(pg_isready())
    return Site(root, tools)


def production(**extra: str) -> dict[str, str]:
    """A valid production environment for the site (DJANGO_SETTINGS_MODULE unset: the
    boot's default, config.settings.production)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "mysite.example,127.0.0.1,localhost",
        "POSTGRES_PASSWORD": "check-needs-no-database",
        **extra,
    }


def json_lines(result: subprocess.CompletedProcess) -> list[dict]:
    """Every line printed, on stdout and stderr, parsed as JSON."""
    parsed = []
    for line in (result.stdout + result.stderr).splitlines():
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise AssertionError(f"not a JSON line: {line!r}") from error
    return parsed


# ---------------------------------------------------------------- uv
@pytest.mark.slow
def test_uv_locks_and_syncs_the_template_with_keelson_from_this_checkout(site) -> None:
    shown = site.run(
        site.bin / "python",
        "-c",
        "import json, keelson; from importlib.metadata import distribution as d; "
        "print(json.dumps([keelson.__file__, d('keelson').version, "
        "json.loads(d('keelson').read_text('direct_url.json'))['url']]))",
    )
    assert shown.returncode == 0, shown.stderr
    module, version, url = json.loads(shown.stdout)
    assert (version, url) == (VERSION, REPO.as_uri()), "keelson built from this checkout"
    # Installed into the site's venv, not imported from the checkout (not editable).
    assert Path(module).is_relative_to(site.root / ".venv")


# ---------------------------------------------------------------- keelson check
@pytest.mark.slow
def test_check_accepts_a_production_environment(site) -> None:
    result = site.run(site.bin / "keelson", "check", extra=production())
    assert result.returncode == 0, result.stdout + result.stderr
    lines = json_lines(result)
    assert lines[-1]["message"] == "configuration valid"
    (config,) = [line["config"] for line in lines if line.get("step") == "config"]
    assert config[VARIABLE] == "20", "the site's own variable, at its default"


@pytest.mark.slow
def test_check_names_a_missing_secret_key_and_a_bad_site_variable_and_exits_78(site) -> None:
    env = production(**{VARIABLE: "lots"})
    del env["SECRET_KEY"]
    result = site.run(site.bin / "keelson", "check", extra=env)
    assert result.returncode == 78, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = json_lines(result)
    assert [(line["logger"], line["level"], line["exit_code"]) for line in lines] == [
        ("config", "ERROR", 78)
    ] * len(lines)
    # Keelson's variables first, then the site's, each on a line of its own.
    assert [line["variable"] for line in lines] == ["SECRET_KEY", VARIABLE]
    assert lines[1]["message"] == (
        f"{VARIABLE} must be a whole number, not 'lots'. Hint: e.g. {VARIABLE}=20"
    )


# ---------------------------------------------------------------- keelson serve
@pytest.fixture
def serving(site, database, tmp_path: Path) -> Iterator[tuple[Process, int]]:
    """`keelson serve` in the site's directory against a fresh database, behind nginx."""
    if not (site.tools / "nginx").exists():
        (site.tools / "nginx").symlink_to(nginx_or_skip())
    port = free_port()
    env = site.env(
        production(
            **database,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="1",
            POSTGRES_WAIT_TIMEOUT="20",
            DRAIN_SECONDS="0",
            STATIC_ROOT=str(tmp_path / "staticfiles"),
            METRICS_DIR=str(tmp_path / "metrics"),
            **{VARIABLE: "5"},
        )
    )
    process = Process([str(site.bin / "keelson"), "serve"], env, tmp_path, "serve", cwd=site.root)
    yield process, port
    process.stop(timeout=15)
    process.kill_group()


@pytest.mark.slow
def test_serve_migrates_the_app_and_serves_it_then_stops_cleanly(serving, database) -> None:
    process, port = serving
    ready = wait_for_status(port, "/ready/", 200, timeout=60)
    assert ready.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}
    with connect_as_backend(database) as conn:
        applied = conn.execute("SELECT name FROM django_migrations WHERE app = 'pages'").fetchall()
        assert applied == [("0001_initial",)]
        conn.execute("INSERT INTO pages_page (title, body, published) VALUES ('Hello', '', now())")
    listing = request(port, "/", headers=HTTPS)
    assert listing.status == 200, listing.body
    assert b"<h2>Hello</h2>" in listing.body

    process.signal(signal.SIGTERM)
    code, _ = wait_for_exit(process, timeout=30)
    assert code == 0, "\n".join(process.output_lines())
    # Every line the boot, gunicorn and the site printed is JSON (raises on one that is not).
    assert process.json_lines()


# ---------------------------------------------------------------- the site's tests
@pytest.mark.slow
def test_the_templates_own_tests_pass(site) -> None:
    result = site.run(
        site.bin / "python", "manage.py", "test", "--settings", "config.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # unittest's summary: some tests ran, and all passed.
    assert re.search(r"^Ran [1-9]\d* tests? in .*\n\nOK$", result.stderr, re.MULTILINE), (
        result.stderr
    )


# ---------------------------------------------------------------- files that must not drift
def test_env_example_is_what_the_contract_renders() -> None:
    """`keelson contract env-example` in the template's directory, the site's variable
    included (this checkout's keelson: no sync needed)."""
    result = subprocess.run(
        [str(BIN / "keelson"), "contract", "env-example"],
        cwd=TEMPLATE,
        env=base_env({"DJANGO_SETTINGS_MODULE": PRODUCTION}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    assert f"# {VARIABLE}=20\n" in result.stdout
    assert (TEMPLATE / ".env.example").read_text(encoding="utf-8") == result.stdout, (
        "render it again: keelson contract env-example > templates/default/.env.example"
    )


def test_the_template_pins_this_version_of_keelson() -> None:
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = (
        pyproject["project"]["dependencies"],
        pyproject["tool"]["uv"]["sources"]["keelson"],
    )
    assert pinned == ([f"keelson=={VERSION}"], {"git": SOURCE_URL, "tag": f"v{VERSION}"}), (
        "the template's keelson version and tag are this pyproject.toml's version"
    )


def test_the_templates_lock_and_flake_input_name_this_version_too() -> None:
    # The Nix library refuses a lock whose keelson is not the flake input's: both are
    # this release, as scripts/lock-template writes the lock.
    lock = tomllib.loads((TEMPLATE / "uv.lock").read_text(encoding="utf-8"))
    locked = [package for package in lock["package"] if package["name"] == "keelson"]
    assert [package["version"] for package in locked] == [VERSION]
    assert locked[0]["source"]["git"].startswith(f"{SOURCE_URL}?tag=v{VERSION}#")
    flake = (TEMPLATE / "flake.nix").read_text(encoding="utf-8")
    inputs = re.findall(r'inputs\.keelson\.url = "([^"]+)";', flake)
    assert inputs == [f"github:keelson/keelson/v{VERSION}"]
