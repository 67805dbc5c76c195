"""The background roles, run in the process that starts them (PID 1 in the image):
`worker` and `beat`, and their health checks. `python -m apps.core.roles --help`.

Exit codes (sysexits.h, as the web boot's): 0 stopped cleanly; 1 a health check found
no live worker or beat; 64 usage; 69 PostgreSQL or the broker unavailable at the
deadline, or the beat lost its lock; 75 migrations not applied yet (retry after the
migration job); 78 configuration invalid; 130/143 interrupted before the role started.
"""

EXIT_OK = 0
EXIT_UNHEALTHY = 1
EXIT_USAGE = 64
EXIT_UNAVAILABLE = 69
EXIT_NOT_MIGRATED = 75
EXIT_CONFIG = 78
