"""The master's metrics listener: Prometheus text on METRICS_BIND, never the app's port.

Served by a thread of gunicorn's master (prometheus_client's WSGI server), so it answers
while workers are busy, recycled or killed. Each scrape merges the workers' files and the
archive (`retire`) under the lock the retiring thread takes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from keelson.contract.bind_address import parse_bind

from .retire import HEADER_BYTES, Retirer

# A file shorter than its header (`retire.HEADER_BYTES`): a worker is creating it this
# instant (prometheus_client creates it empty, then sizes it); it holds no values yet, and
# reading it would fail.


class LockedCollector(MultiProcessCollector):
    """Merges the files while no dead worker is being folded into the archive."""

    def __init__(self, directory: Path, lock: threading.Lock) -> None:
        super().__init__(None, str(directory))
        self.directory = directory
        self.lock = lock

    def collect(self) -> Any:
        with self.lock:
            files = [str(path) for path in self.directory.glob("*.db") if has_values(path)]
            return list(self.merge(files, accumulate=True))


def has_values(path: Path) -> bool:
    try:
        return path.stat().st_size >= HEADER_BYTES
    except FileNotFoundError:
        return False


class MetricsServer:
    """What the master runs when METRICS_BIND is set: the listener and the retirer."""

    def __init__(self, directory: Path) -> None:
        self.lock = threading.Lock()
        self.retirer = Retirer(directory, self.lock)
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(LockedCollector(directory, self.lock))
        self.httpd: Any = None

    def start(self, bind: str) -> None:
        """Listen on `bind` (HOST:PORT, validated as METRICS_BIND); OSError when the
        address cannot be bound."""
        address = parse_bind(bind, unix=False)
        self.retirer.start()
        self.httpd, _thread = start_http_server(
            address.port, addr=address.bind_host, registry=self.registry
        )

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def worker_died(self, pid: int) -> None:
        self.retirer.worker_died(pid)
