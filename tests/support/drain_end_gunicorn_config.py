"""keelson.gunicorn_config plus one drain-end step, as a front server would register: it asks
the application for /health/ (it must still be served) and writes the status and the
time to the file DRAIN_END_RECORD names."""

import http.client
import os
import runpy
import time

_config = runpy.run_module("keelson.gunicorn_config")
globals().update({name: value for name, value in _config.items() if not name.startswith("__")})

from keelson.serve import drain  # noqa: E402 - after the configuration prepared the drain


def record_drain_end() -> None:
    port = int(_config["values"]["GUNICORN_BIND"][0].rpartition(":")[2])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/health/")
    status = connection.getresponse().status
    with open(os.environ["DRAIN_END_RECORD"], "w", encoding="ascii") as record:
        record.write(f"{status} {time.time()}\n")


drain.at_drain_end(record_drain_end)
