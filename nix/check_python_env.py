"""Checks that a Python environment holds exactly what uv.lock puts in it: every package
the project's runtime dependencies and the given dependency groups resolve to (markers
evaluated for the interpreter running this script), at the lock's version, and nothing
else. Optionally, which implementation psycopg loads there. Nix runs it on the built
environments (checks.python-env-*); one line per problem, exit 1.

usage: python check_python_env.py UV_LOCK ENV_DIR [--group NAME]... [--psycopg-impl IMPL]

IMPL is c, binary or python; `auto` expects the one the lock puts in the environment
(psycopg-c: c, psycopg-binary: binary) and checks nothing when it puts neither.

ENV_DIR is a virtualenv (or any prefix with lib/python3.*/site-packages and bin/python).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker

EXIT_USAGE = 64


def normalized(name: str) -> str:
    """PEP 503: the name uv.lock writes for a distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def applies(dependency: dict, environment: dict[str, str] | None = None) -> bool:
    """Whether the dependency's marker holds for `environment` (marker variables over
    those of the interpreter running this script)."""
    marker = dependency.get("marker")
    return marker is None or Marker(marker).evaluate({"extra": "", **(environment or {})})


class Lock:
    def __init__(self, text: str) -> None:
        self.packages: dict[str, list[dict]] = {}
        for package in tomllib.loads(text).get("package", []):
            self.packages.setdefault(package["name"], []).append(package)

    def project(self) -> dict:
        """The workspace's own package: its source is the lock's directory."""
        for entries in self.packages.values():
            for package in entries:
                source = package.get("source", {})
                if source.get("virtual") == "." or source.get("editable") == ".":
                    return package
        raise ValueError("no package with source '.' (the project itself)")

    def entry(self, dependency: dict) -> dict:
        entries = self.packages[dependency["name"]]
        wanted = dependency.get("version")
        matching = [p for p in entries if wanted is None or p["version"] == wanted]
        if len(matching) != 1:
            raise ValueError(f"uv.lock: cannot tell which {dependency['name']} is meant")
        return matching[0]

    def expected(
        self, groups: list[str], environment: dict[str, str] | None = None
    ) -> dict[str, str]:
        """Every distribution the runtime plus `groups` resolve to: name -> version;
        markers evaluated for `environment` (see `applies`)."""
        project = self.project()
        available = project.get("dev-dependencies", {})
        unknown = [group for group in groups if group not in available]
        if unknown:
            raise ValueError(f"uv.lock has no dependency group {', '.join(unknown)}")
        pending = list(project.get("dependencies", []))
        found: dict[str, str] = {}
        # A project that is a package (not virtual) is installed into its environment too.
        if "virtual" not in project.get("source", {}):
            found[project["name"]] = project["version"]
        for group in groups:
            pending += available[group]
        seen: set[tuple[str, str]] = set()
        while pending:
            dependency = pending.pop()
            if not applies(dependency, environment):
                continue
            package = self.entry(dependency)
            found[package["name"]] = package["version"]
            extras = dependency.get("extra", [])
            for key in ["", *extras]:
                if (package["name"], key) in seen:
                    continue
                seen.add((package["name"], key))
                if key:
                    pending += package.get("optional-dependencies", {}).get(key, [])
                else:
                    pending += package.get("dependencies", [])
        return found


def site_packages(env: Path) -> Path:
    found = sorted(env.glob("lib/python3*/site-packages"))
    if len(found) != 1:
        raise ValueError(f"{env}: no single lib/python3.*/site-packages")
    return found[0]


def installed(env: Path) -> dict[str, str]:
    return {
        normalized(dist.metadata["Name"]): dist.version
        for dist in distributions(path=[str(site_packages(env))])
    }


def version_problems(expected: dict[str, str], present: dict[str, str]) -> list[str]:
    problems = []
    for name, version in sorted(expected.items()):
        if name not in present:
            problems.append(f"{name} {version} (uv.lock) is not installed")
        elif present[name] != version:
            problems.append(f"{name} is {present[name]}, uv.lock says {version}")
    problems += [
        f"{name} {present[name]} is installed but uv.lock does not put it here"
        for name in sorted(set(present) - set(expected))
    ]
    return problems


def psycopg_problems(env: Path, wanted: str) -> list[str]:
    python = env / "bin" / "python"
    result = subprocess.run(
        [str(python), "-c", "import psycopg; print(psycopg.pq.__impl__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"psycopg does not import in {env}: {last}"]
    impl = result.stdout.strip()
    if impl != wanted:
        return [f"psycopg uses its {impl!r} implementation, not {wanted!r}"]
    return []


def expected_psycopg_impl(expected: dict[str, str]) -> str | None:
    """The implementation psycopg loads when the environment holds `expected`."""
    if "psycopg-c" in expected:
        return "c"
    if "psycopg-binary" in expected:
        return "binary"
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="check_python_env.py")
    parser.add_argument("lock", type=Path)
    parser.add_argument("env", type=Path)
    parser.add_argument("--group", action="append", default=[])
    parser.add_argument("--psycopg-impl")
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit:
        return EXIT_USAGE
    try:
        expected = Lock(args.lock.read_text(encoding="utf-8")).expected(args.group)
        present = installed(args.env)
    except (OSError, ValueError, KeyError, tomllib.TOMLDecodeError) as error:
        print(f"check_python_env: {error}", file=sys.stderr)
        return EXIT_USAGE
    problems = version_problems(expected, present)
    impl = args.psycopg_impl
    if impl == "auto":
        impl = expected_psycopg_impl(expected)
    if impl:
        problems += psycopg_problems(args.env, impl)
    for problem in problems:
        print(f"{problem}. Hint: rebuild the environment from uv.lock", file=sys.stderr)
    if problems:
        return 1
    print(f"{args.env}: the {len(expected)} packages of uv.lock, at its versions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
