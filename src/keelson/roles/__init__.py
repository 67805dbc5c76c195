"""The Celery roles: the app, the worker, beat (one at a time), their health checks."""
