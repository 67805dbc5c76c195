#!/usr/bin/env bash
# The seed-style baseline, as the seed documents describe the container's startup: wait
# for PostgreSQL with pg_isready up to 30 times, two seconds apart; then `migrate` and
# `collectstatic` as two separate Django processes; then exec gunicorn with 2 x CPU + 1
# sync workers and gunicorn's plain-text logs. Run from the backend directory with the
# production environment; SEED_BIND replaces the seed's fixed 0.0.0.0:8000 so the
# benchmark can use a free port. Kept faithful on purpose: do not speed it up.
set -o errexit -o nounset -o pipefail

wait_for_postgres() {
  local attempt
  for attempt in $(seq 1 30); do
    if pg_isready -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" >/dev/null 2>&1; then
      echo "PostgreSQL is up"
      return 0
    fi
    echo "Waiting for PostgreSQL... ($attempt/30)"
    sleep 2
  done
  echo "PostgreSQL did not come up" >&2
  exit 1
}

main() {
  wait_for_postgres
  python manage.py migrate
  python manage.py collectstatic --noinput
  exec gunicorn config.wsgi:application \
    --bind "${SEED_BIND:-0.0.0.0:8000}" \
    --workers "$((2 * $(nproc) + 1))" \
    --access-logfile - \
    --error-logfile -
}

main "$@"
