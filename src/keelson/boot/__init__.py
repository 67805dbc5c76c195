"""The container's boot, in one Python process (`python -m keelson`, the image's
entrypoint through nix/boot.sh): validate the whole environment contract, wait for
PostgreSQL, set Django up once, migrate and collect static files under advisory locks,
then serve with gunicorn in this same process. docs/BOOT_AND_RUNTIME.md is the contract.

One job per module: cli (commands), log (its JSON lines), interrupt (signals before
serving), postgres (the wait), django_setup (Django in the background), steps (checks,
migrate, collectstatic), server (gunicorn), healthcheck, exits (exit codes).
"""
