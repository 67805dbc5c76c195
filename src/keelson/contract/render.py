"""A project's environment contract (Keelson's variables and its own) written out for
people: its `.env.example` and the variable tables of its docs. In the project's
directory, after changing the contract:

    keelson contract env-example > .env.example
    keelson contract tables docs/BOOT_AND_RUNTIME.md   # between the two markers below
"""

from __future__ import annotations

import re
import textwrap

from keelson.contract.core import Contract, Layer, Variable, project_contract

TABLES_START = (
    "<!-- variable tables: rendered from the contract by `keelson contract tables FILE` -->"
)
TABLES_END = "<!-- end of the variable tables -->"
WIDTH = 88

ENV_EXAMPLE_HEADER = """\
# Keelson environment: every variable the service reads, and only those. Rendered from
# the contract (`keelson contract env-example > .env.example`).
# Valid both for `set -a; . ./.env.example; set +a` in bash and for dotenv parsers
# (Compose's env_file, python-dotenv), which read it alike: one NAME=value per line,
# values that hold `$`, `=`, spaces or quotes are single-quoted, no `export`, no inline
# comments. `docker run --env-file` is not a dotenv parser: it keeps quotes as part of
# the value, so give it a file without quotes (see docs/DEPLOYMENT.md).
# Optional variables are commented out at their default: uncomment to change one.
#
# Production checklist
#   [ ] SECRET_KEY: 50+ random characters, never the placeholder below
#       (python -c 'import secrets; print(secrets.token_urlsafe(50))')
#   [ ] ALLOWED_HOSTS: the host names clients use
#   [ ] POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) and POSTGRES_HOST
#   [ ] CSRF_TRUSTED_ORIGINS when the admin is served over https from another origin
#   [ ] SECURE_SSL_REDIRECT=0 only when the proxy in front already redirects to https
#   [ ] RUN_MIGRATIONS=0 on web replicas when a one-shot `boot migrate` job migrates
#   [ ] MIGRATIONS_STRICT=1 (never leave emergency mode on)
#   [ ] logs on stdout (DJANGO_LOG_TO_FILES=0, GUNICORN_LOG_TO_FILES=0) unless something
#       collects LOG_DIR
#   [ ] mail (EMAIL_URL_FILE, DEFAULT_FROM_EMAIL), media (MEDIA_STORAGE), cache
#       (CACHE_URL_FILE), error reporting (SENTRY_DSN_FILE): set, or knowingly off
"""
SECTION = "# ============================================================ "
NEEDS_QUOTES = re.compile(r"[$=\"' \t\\`#]")


# ---------------------------------------------------------------- .env.example
def quoted(value: str) -> str:
    return f"'{value}'" if NEEDS_QUOTES.search(value) else value


def comment(text: str) -> list[str]:
    return textwrap.wrap(
        text.replace("`", ""), WIDTH - 2, initial_indent="# ", subsequent_indent="# "
    )


def example_value(var: Variable) -> str:
    return var.example if var.example is not None else (var.default_text() or "")


def env_example_entry(var: Variable, *, commented: bool) -> list[str]:
    line = f"{var.name}={quoted(example_value(var))}"
    doc = f"{var.doc}; not needed when {var.exemption}" if var.exemption else var.doc
    return [*comment(doc), f"# {line}" if commented else line]


def env_example(contract: Contract | None = None) -> str:
    """`.env.example` for `contract` (default: the project's, `project_contract`)."""
    contract = contract or project_contract()
    lines = [ENV_EXAMPLE_HEADER, f"{SECTION}REQUIRED"]
    for var in contract.variables:
        if var.required:
            lines += env_example_entry(var, commented=False)
    secrets = [var for var in contract.variables if var.file_name]
    lines += [
        "",
        f"{SECTION}OPTIONAL: secrets as files",
        "# Docker/Kubernetes secrets: a file whose content is the value (one trailing newline is",
        "# dropped). Never set together with the variable itself.",
    ]
    lines += [f"# {var.file_name}=/run/secrets/{var.name.lower()}" for var in secrets]
    for layer in contract.layers:
        optional = [var for var in contract.variables if var.layer == layer and not var.required]
        if not optional:
            continue
        lines += ["", f"{SECTION}OPTIONAL: {layer.title}"]
        for var in optional:
            lines += env_example_entry(var, commented=True)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- docs tables
def default_cell(var: Variable) -> str:
    if var.exemption:
        return f"required unless {var.exemption}"
    if var.required:
        return "required"
    if var.required_for:
        return "required for " + ", ".join(f"`boot {command}`" for command in var.required_for)
    text = var.default_text()
    if not text:
        return "empty"
    return text if " " in text else f"`{text}`"


def variable_cell(var: Variable) -> str:
    return " / ".join(f"`{name}`" for name in var.names)


def meaning_cell(var: Variable) -> str:
    if var.file_name:
        return f"{var.doc}; or `{var.file_name}`, a file holding it (never both)"
    return var.doc


def table(contract: Contract, layer: Layer) -> str:
    rows = [
        f"| {variable_cell(var)} | {default_cell(var)} | {meaning_cell(var)} |"
        for var in contract.variables
        if var.layer == layer
    ]
    return "\n".join(
        [
            f"### {layer.title} ({layer.reader})",
            "",
            "| variable | default | meaning |",
            "| --- | --- | --- |",
            *rows,
        ]
    )


def markdown_tables(contract: Contract | None = None) -> str:
    """One table per layer of `contract` (default: the project's)."""
    contract = contract or project_contract()
    return "\n\n".join(table(contract, layer) for layer in contract.layers)


def tables_block(document: str) -> str:
    """The rendered part of the document, markers excluded."""
    start = document.index(TABLES_START) + len(TABLES_START)
    return document[start : document.index(TABLES_END)].strip("\n")


def with_tables(document: str, contract: Contract | None = None) -> str:
    """`document` with the tables between its two markers rendered anew."""
    start = document.index(TABLES_START) + len(TABLES_START)
    end = document.index(TABLES_END)
    return f"{document[:start]}\n\n{markdown_tables(contract)}\n\n{document[end:]}"
