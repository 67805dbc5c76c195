"""The test PostgreSQL image's entrypoint: the variables of the official `postgres`
image that docs/deploy/compose.yaml uses (POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD
or POSTGRES_PASSWORD_FILE, PGDATA), on Debian trixie's PostgreSQL. Runs in the image's
own python3 (standard library only)."""

import os
import pwd
import subprocess
import sys
from pathlib import Path

DATA = Path(os.environ.get("PGDATA", "/var/lib/postgresql/data"))
RUN_DIR = Path("/run/postgresql")


def password() -> str:
    if os.environ.get("POSTGRES_PASSWORD_FILE"):
        return Path(os.environ["POSTGRES_PASSWORD_FILE"]).read_text().rstrip("\n")
    return os.environ["POSTGRES_PASSWORD"]


def become_postgres() -> None:
    user = pwd.getpwnam("postgres")
    for path in (DATA, RUN_DIR):
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, user.pw_uid, user.pw_gid)
    DATA.chmod(0o700)
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)


def initialise(user: str, database: str) -> None:
    pwfile = Path("/tmp/pwfile")
    pwfile.write_text(password() + "\n")
    subprocess.run(
        ["initdb", "-D", str(DATA), "-U", user, f"--pwfile={pwfile}", "--auth-local=trust",
         "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    pwfile.unlink()
    with open(DATA / "pg_hba.conf", "a") as hba:
        hba.write("host all all all scram-sha-256\n")
    if database != "postgres":
        # As the official image: a server on the socket only, while the database is made.
        subprocess.run(
            ["pg_ctl", "-D", str(DATA), "-o", "-c listen_addresses=''", "-w", "start"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", "postgres",
             "-c", f'CREATE DATABASE "{database}"'],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        subprocess.run(["pg_ctl", "-D", str(DATA), "-m", "fast", "-w", "stop"], check=True)


def main() -> None:
    user = os.environ.get("POSTGRES_USER", "postgres")
    database = os.environ.get("POSTGRES_DB", user)
    if os.geteuid() == 0:
        become_postgres()
    if not (DATA / "PG_VERSION").exists():
        initialise(user, database)
    print("database initialised; starting postgres", file=sys.stderr, flush=True)
    os.execvp("postgres", ["postgres", "-D", str(DATA), "-c", "listen_addresses=*"])  # noqa: S606


if __name__ == "__main__":
    main()
