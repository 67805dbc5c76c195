#!/usr/bin/env bash
# Keelson's boot: the container's entrypoint. nix/boot.nix wraps this file with
# writeShellApplication, which pins PATH to the Python environment and pg_isready; on a
# machine without Nix, `cd backend && bash ../nix/boot.sh`.
#
#   boot [serve]         validate the environment, wait for PostgreSQL, migrate,
#                        collectstatic, then serve with gunicorn in the same process
#   boot migrate         one-shot migration job: deploy checks, locked migrate, exit
#   boot check           everything `boot` would refuse, without a database
#   boot worker          the Celery worker in the same process (after PostgreSQL, the
#                        broker and the schema); boot beat: Celery beat, one at a time
#   boot healthcheck     GET /health/ on the local bind port (Docker HEALTHCHECK);
#                        `healthcheck worker | beat` check those roles
#   boot manage ARGS...  any management command, same environment and settings
#
# The working directory is the backend root (the image's WorkingDir). All of the boot is
# Python (src/keelson/boot); `exec` keeps one process, PID 1 in the container, so
# it gets the signals. The contract is docs/BOOT_AND_RUNTIME.md.
set -o errexit -o nounset -o pipefail

exec python -m keelson "$@"
