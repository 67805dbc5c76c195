"""A project made by `django-admin startproject`, changed only as docs/ADOPTING.md says,
passes `check --deploy --fail-level WARNING`, migrates under the boot and answers
`/ready/` 200.

The changes come from the page itself, never from a copy here: every fenced block that
follows a marker line `<!-- adopting: KIND [PATH] -->` is applied, in the page's order,
to a fresh `startproject mysite`:

- `setup`: shell commands run in manage.py's directory (uv). The one liberty taken:
  `uv add keelson` installs this checkout instead, since no index publishes Keelson;
- `file PATH`: a new file with the block's content;
- `diff PATH`: a change to a file, as unified-diff hunks separated by `@@` lines, without
  line numbers. Context and `-` lines must match exactly one place in the file; in them
  `...` stands for any text (the secret key startproject drew);
- `environment`: `NAME=VALUE` lines of the production environment;
- `check`: shell commands run in manage.py's directory with that environment.

So a page that drifts from Django's startproject, or from what Keelson accepts, fails
here."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trixie
from boot_support import pg_isready
from httpclient import wait_for_status
from ports import free_port
from postgres import connect_as_backend
from processes import BIN, REPO, Process, base_env, nginx_or_skip

PAGE = REPO / "docs" / "ADOPTING.md"
PROJECT = "mysite"
MARKER = re.compile(r"<!-- adopting: (?P<kind>[a-z]+)(?: (?P<path>\S+))? -->")
# Each kind, and whether it names a file.
KINDS = {"setup": False, "file": True, "diff": True, "environment": False, "check": False}
UV_ADD_KEELSON = re.compile(r"^uv add keelson\b", re.MULTILINE)
WILDCARD = "..."


# ---------------------------------------------------------------- the page's blocks
@dataclass(frozen=True)
class Block:
    kind: str
    path: str | None
    text: str
    # Where the marker is, for the messages: "docs/ADOPTING.md:42".
    where: str


def marked_blocks() -> list[Block]:
    """Every block of the page that follows a marker, in the page's order."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        marker = MARKER.fullmatch(line.strip())
        if marker is None:
            continue
        where = f"docs/ADOPTING.md:{number + 1}"
        kind, path = marker["kind"], marker["path"]
        assert kind in KINDS, f"{where}: unknown kind {kind!r} (known: {sorted(KINDS)})"
        assert (path is not None) == KINDS[kind], (
            f"{where}: {kind} {'needs' if KINDS[kind] else 'takes no'} PATH"
        )
        opening = next(n for n in range(number + 1, len(lines)) if lines[n].strip())
        assert lines[opening].startswith("```"), (
            f"{where}: the marker is not followed by a code block"
        )
        closing = next(
            (n for n in range(opening + 1, len(lines)) if lines[n].startswith("```")), None
        )
        assert closing is not None, f"{where}: the code block is never closed"
        text = "".join(f"{line}\n" for line in lines[opening + 1 : closing])
        blocks.append(Block(kind, path, text, where))
    return blocks


def same_line(actual: str, pattern: str) -> bool:
    if WILDCARD not in pattern:
        return actual == pattern
    before, _, after = pattern.partition(WILDCARD)
    return (
        len(actual) >= len(before) + len(after)
        and actual.startswith(before)
        and actual.endswith(after)
    )


def hunks(diff: str) -> Iterator[list[tuple[str, str]]]:
    """(operation, line) pairs of each hunk; an empty line is an empty context line."""
    hunk: list[tuple[str, str]] = []
    for line in diff.splitlines():
        if line.startswith("@@"):
            yield hunk
            hunk = []
            continue
        operation, text = (line[0], line[1:]) if line else (" ", "")
        assert operation in " -+", f"not a diff line: {line!r}"
        hunk.append((operation, text))
    yield hunk


def apply_diff(text: str, block: Block) -> str:
    lines = text.splitlines()
    for hunk in hunks(block.text):
        old = [line for operation, line in hunk if operation != "+"]
        assert old, f"{block.where}: a hunk without context or removed lines"
        found = [
            start
            for start in range(len(lines) - len(old) + 1)
            if all(same_line(lines[start + n], line) for n, line in enumerate(old))
        ]
        assert len(found) == 1, (
            f"{block.where}: a hunk's context and removed lines are found {len(found)} "
            f"times in {block.path}, not once:\n" + "\n".join(old)
        )
        start = end = found[0]
        new = []
        for operation, line in hunk:
            if operation == " ":
                new.append(lines[end])
            if operation == "+":
                new.append(line)
            else:
                end += 1
        lines[start:end] = new
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------- the project
@dataclass
class Project:
    root: Path
    # The page's production environment (`environment` blocks) and checks (`check`).
    environment: dict[str, str] = field(default_factory=dict)
    checks: list[Block] = field(default_factory=list)

    @property
    def bin(self) -> Path:
        """The project's own virtualenv, as uv made it."""
        return self.root / ".venv" / "bin"


def uv_or_skip() -> str:
    try:
        return trixie.uv_command()
    except RuntimeError:
        # Nix's sandbox (checks.pytest) has no uv and no network to install with.
        pytest.skip("uv (the page's installer) is neither on PATH nor in .state/uv")


def uv_env() -> dict[str, str]:
    """This machine's environment for uv: its cache (HOME), this test run's Python, no
    virtualenv or project of the checkout's."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT")
        and not name.startswith("DJANGO_")
    }
    env["PATH"] = f"{Path(uv_or_skip()).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env["UV_PYTHON"] = sys.executable
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def run_shell(block: Block, script: str, cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"{block.where}: exit {result.returncode}\n{script}\n{result.stdout}\n{result.stderr}"
    )


def adopt(parent: Path, *, setup: bool) -> Project:
    """`django-admin startproject mysite` in `parent`, then the page's blocks: with
    `setup`, its uv commands too (else the project runs on this test run's Python)."""
    result = subprocess.run(
        [str(BIN / "django-admin"), "startproject", PROJECT],
        cwd=parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    project = Project(parent / PROJECT)
    for block in marked_blocks():
        target = project.root / block.path if block.path else None
        if block.kind == "setup" and setup:
            script, replaced = UV_ADD_KEELSON.subn(
                f"uv add --reinstall-package keelson {REPO}", block.text
            )
            assert replaced == 1, f"{block.where}: no `uv add keelson` line to install from here"
            run_shell(block, script, project.root, uv_env())
        elif block.kind == "file":
            assert not target.exists(), f"{block.where}: {block.path} exists already"
            target.write_text(block.text, encoding="utf-8")
        elif block.kind == "diff":
            assert target.is_file(), f"{block.where}: {block.path} does not exist"
            target.write_text(apply_diff(target.read_text(encoding="utf-8"), block))
        elif block.kind == "environment":
            for line in block.text.splitlines():
                name, _, value = line.partition("=")
                project.environment[name] = value
        elif block.kind == "check":
            project.checks.append(block)
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The adopted project, installed with uv into its own virtualenv."""
    uv_or_skip()
    return adopt(tmp_path_factory.mktemp("adopting"), setup=True)


def production_env(project: Project, database: dict[str, str], work: Path) -> dict[str, str]:
    """A production environment for the project: the page's variables, the required
    ones, a fresh database; PATH with the project's virtualenv, uv, pg_isready and nginx."""
    tools = work / "tools"
    tools.mkdir(exist_ok=True)
    for tool in (pg_isready(), nginx_or_skip()):
        (tools / Path(tool).name).symlink_to(tool)
    uv_dir = Path(uv_or_skip()).parent
    return {
        "PATH": f"{project.bin}:{tools}:{uv_dir}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(work)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
        **project.environment,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "app.example.com,localhost,127.0.0.1",
        "STATIC_ROOT": str(work / "static"),
        # A stopped server would first drain for the default 10 s.
        "DRAIN_SECONDS": "0",
        **database,
    }


def keelson(project: Project, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(project.bin / "keelson"), *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---------------------------------------------------------------- the page alone
def test_the_page_marks_each_kind_of_step() -> None:
    kinds = [block.kind for block in marked_blocks()]
    assert set(kinds) == set(KINDS), f"the page's marked blocks: {kinds}"
    paths = {block.path for block in marked_blocks() if block.path}
    assert {f"{PROJECT}/settings.py", f"{PROJECT}/urls.py", f"{PROJECT}/wsgi.py"} <= paths
    assert "manage.py" in paths


def test_the_pages_changes_apply_to_a_fresh_startproject(tmp_path: Path) -> None:
    """Every diff finds its place in what this Django's startproject writes, and the
    result is Python that manage.py runs on its development default, no environment."""
    project = adopt(tmp_path, setup=False)
    # What the setup block's `uv init --bare` writes, and settings.py reads the version of.
    (project.root / "pyproject.toml").write_text('[project]\nname = "mysite"\nversion = "0.1.0"\n')
    for path in sorted(project.root.rglob("*.py")):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    settings = (project.root / PROJECT / "settings.py").read_text(encoding="utf-8")
    for name in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASES"):
        assert not re.search(rf"^{name} =", settings, re.MULTILINE), f"{name} is Keelson's"
    ruff = BIN / "ruff"
    if ruff.exists():
        # As a project's own linting would see it: no unused import left behind, sorted.
        lint = subprocess.run(
            [str(ruff), "check", "--isolated", "--target-version", "py311",
             "--select", "E,F,W,I,UP,B,SIM", "--line-length", "100", "."],
            cwd=project.root, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert lint.returncode == 0, lint.stdout + lint.stderr
    # This test run's interpreter has Keelson installed; the environment names no settings.
    env = base_env()
    assert "DJANGO_SETTINGS_MODULE" not in env
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_pages_flake_names_the_projects_own_files(tmp_path: Path) -> None:
    """The flake.nix the page writes is Nix, its settings module is the project's, and the
    files it keeps out of the image are the development and test settings the page made."""
    nix_instantiate = shutil.which("nix-instantiate")
    if not nix_instantiate:
        pytest.skip("nix-instantiate is not installed (scripts/bootstrap installs nix-bin)")
    project = adopt(tmp_path, setup=False)
    flake = project.root / "flake.nix"
    parsed = subprocess.run(
        [nix_instantiate, "--parse", str(flake)], capture_output=True, text=True, timeout=60
    )
    assert parsed.returncode == 0, parsed.stderr
    text = flake.read_text(encoding="utf-8")
    module = re.search(r'settingsModule = "([\w.]+)";', text)
    assert module, "the page's flake names no settingsModule"
    assert (project.root / (module[1].replace(".", "/") + ".py")).is_file(), module[1]
    listed = re.search(r"developmentFiles = \[(.*?)\];", text, re.DOTALL)
    assert listed, "the page's flake keeps no development settings out of the image"
    kept_out = set(re.findall(r'"([^"]+)"', listed[1]))
    made = {
        str(path.relative_to(project.root))
        for path in (project.root / PROJECT).glob("settings_*.py")
        if path.stem != "settings_production"
    }
    assert made, "the page made no development or test settings"
    assert kept_out == made


# ---------------------------------------------------------------- installed with uv
@pytest.mark.slow
def test_the_pages_checks_pass_with_a_production_environment(
    project: Project, database: dict[str, str], tmp_path: Path
) -> None:
    env = production_env(project, database, tmp_path)
    assert project.checks, "the page has no check block"
    for block in project.checks:
        run_shell(block, block.text, project.root, env)
    example = (project.root / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^SECRET_KEY=", example, re.MULTILINE), "Keelson's variables"
    assert "PAYMENTS_API_URL" in example, "the project's own variables (mysite/contract.py)"


@pytest.mark.slow
def test_check_deploy_finds_nothing_even_at_warning_level(
    project: Project, database: dict[str, str], tmp_path: Path
) -> None:
    env = production_env(project, database, tmp_path)
    result = keelson(project, env, "manage", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout


@pytest.mark.slow
def test_without_its_settings_module_the_project_is_told_to_name_it(
    project: Project, database: dict[str, str], tmp_path: Path
) -> None:
    env = production_env(project, database, tmp_path)
    del env["DJANGO_SETTINGS_MODULE"]
    result = keelson(project, env, "check")
    assert result.returncode == 78, result.stdout + result.stderr
    # The boot's own lines are JSON on stdout.
    messages = [json.loads(line)["message"] for line in result.stdout.splitlines()]
    assert messages == [
        "DJANGO_SETTINGS_MODULE names 'config.settings.production' (the default when unset), "
        "which does not exist here. Hint: set it to this project's production settings, "
        "e.g. DJANGO_SETTINGS_MODULE=mysite.settings_production, and run keelson in the "
        "directory of manage.py"
    ]


@pytest.mark.slow
def test_the_boot_migrates_serves_ready_and_stops_cleanly(
    project: Project, database: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **production_env(project, database, tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "POSTGRES_WAIT_TIMEOUT": "20",
    }
    boot = Process(
        [str(project.bin / "keelson"), "serve"], env, tmp_path / "logs", "serve", project.root
    )
    try:
        ready = wait_for_status(port, "/ready/", 200, timeout=90)
        assert ready.json() == {
            "status": "ready",
            "checks": {"database": True, "migrations": True},
        }
        with connect_as_backend(database) as conn:
            applied = {app for (app,) in conn.execute("SELECT app FROM django_migrations")}
            admin_table = conn.execute("SELECT to_regclass('django_admin_log')").fetchone()[0]
        assert {"admin", "auth", "contenttypes", "sessions"} <= applied, applied
        assert admin_table is not None, "the admin's table was not created"
        assert boot.stop() == 0, "\n".join(boot.output_lines())
    finally:
        boot.kill_group()
    # Every line it printed is JSON (json_lines fails on the first that is not).
    said = [line["message"] for line in boot.json_lines()]
    assert any(message.startswith("applying ") for message in said), said
    assert "starting gunicorn behind the front" in said
