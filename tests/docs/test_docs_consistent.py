"""The README and docs/ agree with the code and with each other: the README stays a short
product page, every relative link and #anchor resolves as GitHub renders it, every
repository path named exists, no page repeats a heading, every variable named in prose
is one the contract declares, the prose lists of layers and secrets are the contract's,
and a figure shown in two places is the same in both (docs/PERFORMANCE.md is the one
source of the benchmark's figures)."""

from __future__ import annotations

import re
import tomllib
from urllib.parse import unquote

import django.conf.global_settings
import pytest
from markdown_page import Page
from processes import REPO

from keelson.contract.core import project_contract

README = Page(REPO / "README.md")
PERFORMANCE = Page(REPO / "docs" / "PERFORMANCE.md")
BOOT_AND_RUNTIME = Page(REPO / "docs" / "BOOT_AND_RUNTIME.md")
DOCS = [README, *(Page(path) for path in sorted((REPO / "docs").rglob("*.md")))]
LINKED = [*DOCS, Page(REPO / "CHANGELOG.md"), Page(REPO / "templates" / "default" / "README.md")]

# The example project's contract: Keelson's variables (backend/ declares none of its own).
CONTRACT = project_contract("config.settings.production")
VARIABLES = set(CONTRACT.every_name())

# Names of environment variables (upper case with an underscore) that prose may name
# beside the contract's, and why each is there.
NOT_CONTRACT = {
    "NAME_FILE": "the pattern of a secret's file twin",
    "KEELSON_USE_PATH": "read by scripts/bootstrap, scripts/serve and scripts/test, not the image",
    "KEELSON_CACHE": "read by scripts/image-offline and the tests, not the image",
    "DOCKER_HOST": "Docker's own, which scripts/image-offline follows",
    "BASH_ENV": "bash's own: how the boot tests run bash like the image's",
    "CREDENTIALS_DIRECTORY": "systemd's own: where the units find their credentials",
    "DATABASE_URL": "what a project may read before adopting Keelson (docs/ADOPTING.md)",
    "DB_*": "likewise",
    "BASE_DIR": "the setting django-admin startproject writes",
    "ERR_TOO_MANY_REDIRECTS": "a browser's error, in docs/TROUBLESHOOTING.md",
    "AWS_*": "boto3's credential chain, which S3 media falls back on without keys",
    "XDG_RUNTIME_DIR": "where gunicorn would put its control socket (turned off)",
}
# Settings Keelson's settings functions write (Django's, Celery's and its own), and the
# variables the image's config sets for the interpreter: named in prose, not variables
# of the contract.
KEELSON_SETTINGS = set(
    re.findall(
        r"""["']([A-Z][A-Z0-9_]+)["']""",
        "".join(path.read_text() for path in (REPO / "src/keelson/settings").glob("*.py")),
    )
)
IMAGE_ENV = set(re.findall(r'"([A-Z][A-Z0-9_]+)=', (REPO / "nix/image-config.nix").read_text()))
# An environment variable's name (or a pattern: `GUNICORN_*`), alone or as `NAME=value`.
UPPER_NAME = re.compile(r"^\$?\{?([A-Z*][A-Z0-9]*_[A-Z0-9_*]*[A-Z0-9*])\}?(?:=.*)?$")
# A variable a page declares in its own example contract: Variable("PAYMENTS_API_KEY", ...).
DECLARED_IN_EXAMPLE = re.compile(r"""Variable\(\s*["']([A-Z][A-Z0-9_]*)["']""")
SCHEMES = ("http://", "https://", "mailto:")
# A path of the repository named in prose: it starts at one of the tracked top-level folders.
REPO_PATH_STARTS = ("src/", "backend/", "nix/", "tests/", "scripts/", "docs/", "templates/", ".ci/")
# What a repository path may be followed by in prose, and what makes it a pattern.
PATH_SEPARATORS = re.compile(r"[\s,;:()`]+")
PATTERN_CHARS = set("*{<$[")
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
README_MAX_LINES = 150
README_MAX_WORDS = 1500
BENCH_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s*(?:s|min|minutes|seconds)\b")


def page_id(page: Page) -> str:
    return str(page.path.relative_to(REPO))


def is_django_setting(name: str) -> bool:
    return hasattr(django.conf.global_settings, name)


def heading_name(text: str) -> str:
    """What a heading names, for finding repeats: `### Logs (the settings' LOGGING)` and
    `### The logs` both name "logs"."""
    name = re.sub(r"\s*\(.*\)$", "", text.replace("`", "")).lower()
    return name.removeprefix("the ")


def names_a_variable(name: str) -> bool:
    """A contract's name, or a pattern (`GUNICORN_*`, `*_LOG_TO_FILES`) some name fits."""
    if "*" not in name:
        return name in VARIABLES
    pattern = re.compile(re.escape(name).replace(r"\*", "[A-Z0-9_]+") + "$")
    return any(pattern.match(variable) for variable in VARIABLES)


@pytest.mark.parametrize("page", LINKED, ids=page_id)
def test_every_relative_link_and_anchor_resolves(page: Page) -> None:
    broken = []
    for number, target in page.links:
        if target.startswith(SCHEMES):
            continue
        path_part, _, anchor = target.partition("#")
        linked = (page.path.parent / unquote(path_part)).resolve() if path_part else page.path
        if not linked.exists():
            broken.append(f"{page_id(page)}:{number}: {target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in Page(linked).anchors:
            broken.append(f"{page_id(page)}:{number}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def never_committed() -> set[str]:
    """The paths docs/ROOT_FILES_MAP.md's "Never in the repository" names: prose may name
    them though no checkout has them."""
    text = Page(REPO / "docs" / "ROOT_FILES_MAP.md").text
    return set(re.findall(r"`([^`]+)`", text[text.index("## Never in the repository") :]))


@pytest.mark.parametrize("page", DOCS, ids=page_id)
def test_every_repository_path_named_in_prose_exists(page: Page) -> None:
    ignored = never_committed()
    missing = []
    for number, span in page.code_spans:
        for word in PATH_SEPARATORS.split(span):
            if not word.startswith(REPO_PATH_STARTS) or PATTERN_CHARS & set(word):
                continue
            path = word.partition("#")[0].rstrip(".")
            if not (REPO / path).exists() and path not in ignored:
                missing.append(f"line {number}: {path}")
    assert not missing, f"{page_id(page)} names paths that do not exist: {missing}"


@pytest.mark.parametrize("page", DOCS, ids=page_id)
def test_no_page_repeats_a_heading(page: Page) -> None:
    seen: dict[str, int] = {}
    repeated = []
    for heading in page.headings:
        key = heading_name(heading.text)
        if key in seen:
            repeated.append(f"line {heading.line} repeats line {seen[key]}: {heading.text}")
        seen.setdefault(key, heading.line)
    assert not repeated, f"{page_id(page)}: " + "; ".join(repeated)


@pytest.mark.parametrize("page", DOCS, ids=page_id)
def test_every_variable_named_in_prose_is_the_contracts(page: Page) -> None:
    declared_here = set(DECLARED_IN_EXAMPLE.findall(page.text))
    unknown = set()
    for number, span in page.code_spans:
        match = UPPER_NAME.match(span.strip())
        if not match:
            continue
        name = match.group(1)
        if (
            names_a_variable(name)
            or name in NOT_CONTRACT
            or name.removesuffix("_FILE") in declared_here
            or is_django_setting(name)
            or name in KEELSON_SETTINGS
            or name in IMAGE_ENV
        ):
            continue
        unknown.add(f"line {number}: {name}")
    assert not unknown, (
        f"{page_id(page)} names variables the contract does not declare (a typo, a removed "
        f"variable, or a name to add to NOT_CONTRACT with the reason): {sorted(unknown)}"
    )


def test_the_variable_check_sees_the_contract_and_rejects_a_stranger() -> None:
    assert names_a_variable("SECRET_KEY_FILE")
    assert names_a_variable("GUNICORN_*")
    assert not names_a_variable("SECRET_KEYS")
    assert not names_a_variable("NO_SUCH_*")


def test_the_boot_page_lists_every_layer_of_the_contract() -> None:
    listed = re.search(r"Every\s+variable\s+of\s+every\s+layer\s+\(([^:]+):", BOOT_AND_RUNTIME.text)
    assert listed, "docs/BOOT_AND_RUNTIME.md: 'Every variable of every layer (...:' not found"
    names = [name.strip().lower() for name in listed.group(1).split(",")]
    assert names == [layer.title.lower() for layer in CONTRACT.layers]


def test_the_boot_page_lists_every_secret_of_the_contract() -> None:
    listed = re.search(
        r"Secrets\s+\(([^)]*)\)\s+and\s+their\s+`_FILE`\s+twins", BOOT_AND_RUNTIME.text
    )
    assert listed, "docs/BOOT_AND_RUNTIME.md: 'Secrets (...) and their `_FILE` twins' not found"
    names = re.findall(r"`([A-Z][A-Z0-9_]*)`", listed.group(1))
    assert names == [variable.name for variable in CONTRACT.variables if variable.secret]


def test_the_readmes_figures_are_the_performance_pages() -> None:
    ours = README.table(after="## Performance")
    source = PERFORMANCE.table(after="## Latest full run")
    header, rows = ours[0], ours[1:]
    by_figure = {row[0]: dict(zip(source[0], row, strict=True)) for row in source[1:]}
    assert rows, "README.md: no table under '## Performance'"
    for row in rows:
        assert row[0] in by_figure, f"README.md's figure {row[0]!r} is not in docs/PERFORMANCE.md"
        for column, cell in zip(header, row, strict=True):
            assert cell == by_figure[row[0]].get(column), (
                f"README.md's {row[0]!r}, column {column!r}: {cell!r}, "
                f"docs/PERFORMANCE.md says {by_figure[row[0]].get(column)!r}"
            )


def test_the_readme_is_a_one_minute_read_that_starts_with_both_commands() -> None:
    lines = README.text.splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    words = len(README.text.split())
    assert words <= README_MAX_WORDS, f"README.md has {words} words"
    first_screen = [line for number, line in enumerate(lines, start=1) if number <= 40]
    assert any(line.startswith("nix ") for line in first_screen), "no Nix command in 40 lines"
    assert any(line.startswith("scripts/") for line in first_screen), "no no-Nix command"
    assert "Apache License 2.0" in README.text
    assert "(LICENSE)" in README.text


def test_the_readmes_status_is_pyprojects() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"version {project['version']}" in README.text
    lowest, below = re.fullmatch(r">=3\.(\d+),<3\.(\d+)", project["requires-python"]).groups()
    assert f"Python 3.{lowest} to 3.{int(below) - 1}" in README.text


def test_the_readme_holds_no_dated_run() -> None:
    dated = [f"line {number}" for number, line in README.prose_lines if DATE.search(line)]
    assert not dated, f"README.md: dated lines belong in CHANGELOG.md: {dated}"


@pytest.mark.parametrize("page", [page for page in DOCS if page != PERFORMANCE], ids=page_id)
def test_only_the_performance_page_says_how_long_the_benchmark_takes(page: Page) -> None:
    lines = [
        f"line {number}"
        for number, line in page.prose_lines
        if "scripts/bench" in line and BENCH_DURATION.search(line)
    ]
    assert not lines, f"{page_id(page)}: the benchmark's duration is docs/PERFORMANCE.md's: {lines}"
