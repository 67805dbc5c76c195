"""The front: nginx in front of gunicorn, its limits, and liveness answered by the boot's process."""
