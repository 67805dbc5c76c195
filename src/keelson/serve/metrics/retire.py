"""A dead worker's metric files, folded into one archive per type.

prometheus_client keeps a dead worker's counter and histogram files so totals do not
drop; with workers recycled every GUNICORN_MAX_REQUESTS requests the directory would gain
files without end, and every scrape would read them all. Instead the master adds a dead
worker's values into `counter_archive.db` / `histogram_archive.db` and removes its files;
its live gauges are removed (prometheus_client's mark_process_dead).

gunicorn calls child_exit from its SIGCHLD handler: `Retirer.worker_died` only queues the
pid, and a thread of the master does the work under the lock every scrape also takes, so
a scrape never sees a value both in the archive and in the worker's file.
"""

from __future__ import annotations

import collections
import logging
import threading
from pathlib import Path

from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import mark_process_dead

logger = logging.getLogger("gunicorn.error")

# The used-bytes header every sized file starts with.
HEADER_BYTES = 8
# File types whose values must outlive the worker (they only ever add up).
ADDED_UP = ("counter", "histogram")


class Retirer:
    def __init__(self, directory: Path, lock: threading.Lock) -> None:
        self.directory = directory
        self.lock = lock
        self.pending: collections.deque[int] = collections.deque()
        self.wake = threading.Event()
        self.archives = {
            kind: MmapedDict(str(directory / f"{kind}_archive.db")) for kind in ADDED_UP
        }
        self.thread = threading.Thread(target=self.run, name="metrics-retire", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def worker_died(self, pid: int) -> None:
        """Safe in a signal handler: append and set, no lock."""
        self.pending.append(pid)
        self.wake.set()

    def run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            self.retire_pending()

    def retire_pending(self) -> None:
        while self.pending:
            pid = self.pending.popleft()
            try:
                with self.lock:
                    self.retire(pid)
            except Exception:  # the thread must outlive one unreadable file
                logger.exception("metrics of worker %s could not be archived", pid)

    def retire(self, pid: int) -> None:
        for kind, archive in self.archives.items():
            path = self.directory / f"{kind}_{pid}.db"
            if not path.exists():
                continue
            # A worker killed while creating its file left it without a header: no values.
            if path.stat().st_size >= HEADER_BYTES:
                for key, value, _ts, _pos in MmapedDict.read_all_values_from_file(str(path)):
                    if value:
                        archive.write_value(key, archive.read_value(key)[0] + value, 0.0)
            path.unlink()
        mark_process_dead(pid, str(self.directory))
        # Gauges of other modes and anything else the worker left.
        for leftover in self.directory.glob(f"*_{pid}.db"):
            leftover.unlink(missing_ok=True)
