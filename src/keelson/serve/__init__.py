"""The serving stack: gunicorn, the front (nginx), liveness, the drain, metrics."""
