"""Prometheus metrics that add up across gunicorn's workers (prometheus-client's
multiprocess mode).

Each worker writes its values to files in one directory (`directory.prepare`, before
prometheus_client is imported and before any worker forks); the master merges them when
scraped, on a listener of its own (`listener`), and folds a dead worker's files into one
archive so the directory stays small however often workers are recycled (`retire`).

    directory.py    prepare the files' directory; is collection on in this process?
    definitions.py  the metrics, their names and labels
    middleware.py   HTTP requests: counter, histogram, in flight, /ready/'s answer
    boot.py         keelson_boot_step_seconds: the boot records how long each step took
    retire.py       a dead worker's files folded into the archive
    listener.py     the master's metrics listener (METRICS_BIND)

The worker role plugs in the same way once it exists: its parent process calls
`directory.prepare` before forking its pool, runs a `listener.MetricsServer` on the worker
role's own METRICS_BIND and reports each dead pool process to `MetricsServer.worker_died`;
its task counters and durations are declared in `definitions.py` next to the HTTP ones.

Nothing here imports prometheus_client at import time: with METRICS_BIND empty it is never
imported and the middleware removes itself.
"""
