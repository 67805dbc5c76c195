"""A collector of error events for the tests, run as its own process:

    python event_collector_main.py PORT DIRECTORY

Every POST is answered 200 and its body (gunzipped when sent compressed) is written to
DIRECTORY as NNNN.body, with the request's path and headers beside it in NNNN.head.
"""

from __future__ import annotations

import gzip
import itertools
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COUNTER = itertools.count()


def main() -> None:
    port, directory = int(sys.argv[1]), Path(sys.argv[2])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            number = next(COUNTER)
            (directory / f"{number:04}.head").write_text(f"{self.path}\n{self.headers}")
            (directory / f"{number:04}.body").write_bytes(body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    (directory / "ready").touch()
    server.serve_forever()


if __name__ == "__main__":
    main()
