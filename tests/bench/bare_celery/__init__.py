"""A bare Celery worker for the task benchmark: no Django, no settings, no logging or
signal handlers of ours, the same knobs and the same no-op task name as ours."""
