"""What the deployment files and documents promise each other: every variable they set
is a documented one, every exit code has a troubleshooting entry, every link resolves."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from deploy_support import (
    COMPOSE_ENV_EXAMPLE,
    DOCS,
    ENV_EXAMPLE,
    REPO,
    env_file_entries,
    kubernetes_manifest_files,
    load_all,
)

BOOT_AND_RUNTIME = DOCS / "BOOT_AND_RUNTIME.md"
TROUBLESHOOTING = DOCS / "TROUBLESHOOTING.md"
OPERATOR_DOCS = [
    "DEPLOYMENT.md",
    "TROUBLESHOOTING.md",
    "ROOT_FILES_MAP.md",
    "ADOPTING.md",
    "UPGRADING.md",
]
KEELSON_SERVICES = ("migrate", "web", "worker", "beat")

EXIT_SECTION = re.compile(r"^(#+)\s.*\bexit codes?\b", re.IGNORECASE)
HEADING = re.compile(r"^(#+)\s")
# A code where a table row or a list item starts: `| 69 |`, `| \`69\` |`, `- 69:`, `- **69**`.
CODE_AT_ROW_START = re.compile(r"^\s*(?:\||[-*])\s*[`*]*(\d{1,3})\b")
# The codes a row starts with: `130 / 143`, `130, 143`, `**69**` (not numbers in its text).
LEADING_CODES = re.compile(r"^[`*\s]*(\d{1,3}(?:[`*\s]*(?:/|,|or|and)[`*\s]*\d{1,3})*)")
TROUBLESHOOTING_ENTRY = re.compile(r"^#{2,4}\s+Exit\s+(\d+(?:\s*/\s*\d+)*)\b", re.MULTILINE)
DOCKER_ENV_FLAG = re.compile(r"(?:-e|--env)[ =]([A-Z][A-Z0-9_]*)=")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def deployment_variables() -> dict[str, set[str]]:
    """Variable name -> the deployment files that set it."""
    found: dict[str, set[str]] = {}

    def add(names, where: str) -> None:
        for name in names:
            found.setdefault(name, set()).add(where)

    compose = yaml.safe_load((DOCS / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    for service in KEELSON_SERVICES:
        add(compose["services"][service]["environment"], f"compose.yaml {service}")
    add(env_file_entries(COMPOSE_ENV_EXAMPLE), COMPOSE_ENV_EXAMPLE.name)
    for path in kubernetes_manifest_files():
        for doc in load_all(path):
            if doc["kind"] == "ConfigMap":
                add(doc["data"], path.name)
            pod = doc.get("spec", {}).get("template", {}).get("spec", {})
            for container in pod.get("containers", []):
                add((item["name"] for item in container.get("env", [])), path.name)
    add(
        DOCKER_ENV_FLAG.findall((DOCS / "DEPLOYMENT.md").read_text(encoding="utf-8")),
        "DEPLOYMENT.md",
    )
    return found


def exit_codes_in(document: Path) -> set[int]:
    """The codes listed in the document's exit-code section(s) (tables or lists)."""
    codes: set[int] = set()
    section_level = 0
    for line in document.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            if EXIT_SECTION.match(line):
                section_level = level
            elif section_level and level <= section_level:
                section_level = 0
            continue
        if section_level and CODE_AT_ROW_START.match(line):
            first_cell = line.strip().strip("|-* ").split("|")[0]
            leading = LEADING_CODES.match(first_cell)
            codes.update(int(code) for code in re.findall(r"\d+", leading.group(1)))
    return codes


def troubleshooting_entries() -> set[int]:
    text = TROUBLESHOOTING.read_text(encoding="utf-8")
    return {
        int(code)
        for match in TROUBLESHOOTING_ENTRY.findall(text)
        for code in re.findall(r"\d+", match)
    }


def test_every_variable_a_deployment_file_sets_is_in_env_example() -> None:
    documented = set(env_file_entries(ENV_EXAMPLE))
    unknown = {
        name: sorted(where)
        for name, where in deployment_variables().items()
        if name not in documented
    }
    assert not unknown, f"not in .env.example (typo, or document it there): {unknown}"


def test_the_variable_scan_sees_every_deployment_file() -> None:
    where = set().union(*deployment_variables().values())
    assert {
        "compose.yaml web",
        "compose.yaml migrate",
        "keelson.env.example",
        "configmap.yaml",
        "deployment.yaml",
        "job.yaml",
        "DEPLOYMENT.md",
    } <= where


def test_every_exit_code_of_the_runtime_contract_has_a_troubleshooting_entry() -> None:
    codes = exit_codes_in(BOOT_AND_RUNTIME)
    assert {64, 69, 70, 73, 78, 130, 143} <= codes, f"exit codes parsed: {sorted(codes)}"
    missing = codes - troubleshooting_entries()
    assert not missing, f"docs/TROUBLESHOOTING.md has no '### Exit N' entry for {sorted(missing)}"


@pytest.mark.parametrize(
    "failure",
    [
        "Database unreachable",
        "unapplied migrations",
        "Bad environment",
        "Disallowed host",
        "behind a proxy",
        "_LOG_TO_FILES=1",
    ],
)
def test_troubleshooting_covers_the_common_failures(failure: str) -> None:
    headings = [
        line
        for line in TROUBLESHOOTING.read_text(encoding="utf-8").splitlines()
        if line.startswith("###")
    ]
    assert any(failure.lower() in heading.lower() for heading in headings), failure


def test_every_troubleshooting_entry_has_symptom_log_line_and_fix() -> None:
    entries = re.split(r"^### ", TROUBLESHOOTING.read_text(encoding="utf-8"), flags=re.MULTILINE)[
        1:
    ]
    assert len(entries) >= 15
    for entry in entries:
        title = entry.splitlines()[0]
        for part in ("**Symptom**", "**Log line**", "**Fix**"):
            assert part in entry, f"'{title}' lacks {part}"


@pytest.mark.parametrize("name", OPERATOR_DOCS)
def test_relative_links_in_operator_docs_resolve(name: str) -> None:
    document = DOCS / name
    for target in MARKDOWN_LINK.findall(document.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        if target == "BOOT_AND_RUNTIME.md" and not BOOT_AND_RUNTIME.exists():
            continue  # written with the boot script; the exit-code test requires it
        assert (document.parent / target).resolve().exists(), f"{name}: broken link {target}"


def tracked_top_level_entries() -> set[str]:
    """Every top-level file and folder in git, committed or staged (not ignored junk)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip(
            "no git repository here (a copy without .git, as in Nix's build sandbox): "
            "the tracked files cannot be listed"
        )
    listed = subprocess.run(
        ["git", "ls-files", "--cached"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return {line.split("/", 1)[0] for line in listed.splitlines() if line}


def test_root_files_map_names_every_top_level_entry() -> None:
    text = (DOCS / "ROOT_FILES_MAP.md").read_text(encoding="utf-8")
    missing = {name for name in tracked_top_level_entries() if f"`{name}" not in text}
    assert not missing, f"docs/ROOT_FILES_MAP.md does not describe {sorted(missing)}"


@pytest.mark.parametrize(
    "artifact", ["*.sqlite3", "logs/", "media/", "staticfiles/", ".env", "result"]
)
def test_root_files_map_says_what_never_belongs_in_the_repository(artifact: str) -> None:
    text = (DOCS / "ROOT_FILES_MAP.md").read_text(encoding="utf-8")
    never = text[text.index("## Never in the repository") :]
    assert f"`{artifact}`" in never
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert artifact in ignored, f"{artifact} is documented as never committed but not ignored"
