"""What the reliability suite really did, counted as it happens, printed at the end.

Tests record faults they inject, requests they send, errors by kind and bad inputs they
try; every process output and HTTP answer they see is scanned for tracebacks and for the
real values of the secrets the processes were given. The summary table is built from
these counters only.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

TRACEBACK_MARKER = "Traceback (most recent call last)"


@dataclass
class Ledger:
    faults: Counter = field(default_factory=Counter)
    requests_sent: int = 0
    errors: Counter = field(default_factory=Counter)
    bad_inputs: Counter = field(default_factory=Counter)
    lines_scanned: int = 0
    deliberate_exceptions: int = 0
    tracebacks: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fault(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1

    def sent(self, count: int = 1) -> None:
        with self.lock:
            self.requests_sent += count

    def error(self, kind: str, count: int = 1) -> None:
        with self.lock:
            self.errors[kind] += count

    def bad_input(self, kind: str, count: int = 1) -> None:
        with self.lock:
            self.bad_inputs[kind] += count

    # ------------------------------------------------------------ scanning
    def scan_text(self, where: str, text: str, secrets: Iterable[str]) -> list[str]:
        """Tracebacks and secret values in `text` (an HTTP body, a whole output).

        Returns what was found, already recorded, so the test can fail on it.
        """
        found = []
        if TRACEBACK_MARKER in text:
            found.append(f"traceback in {where}")
        for secret in secrets:
            if secret and secret in text:
                found.append(f"secret leaked in {where}")
        self._record(found)
        return found

    def scan_lines(
        self, where: str, lines: Iterable[str], secrets: Iterable[str], *, allowed_exception
    ) -> list[str]:
        """Process output: every line must be JSON; a logged exception counts as a traceback
        unless `allowed_exception(record)` says the test caused it on purpose."""
        secrets = [secret for secret in secrets if secret]
        found = []
        count = 0
        for line in lines:
            count += 1
            for secret in secrets:
                if secret in line:
                    found.append(f"secret leaked in {where}: {line[:200]}")
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if TRACEBACK_MARKER in line or line.startswith("  File "):
                    found.append(f"traceback in {where}: {line[:200]}")
                continue
            if not (isinstance(record, dict) and record.get("exception")):
                continue
            if allowed_exception(record):
                with self.lock:
                    self.deliberate_exceptions += 1
            else:
                found.append(f"traceback in {where}: {record.get('message', '')[:200]}")
        with self.lock:
            self.lines_scanned += count
        self._record(found)
        return found

    def _record(self, found: list[str]) -> None:
        with self.lock:
            for item in found:
                (self.tracebacks if item.startswith("traceback") else self.leaks).append(item)

    # ------------------------------------------------------------ report
    def table(self) -> list[str]:
        def breakdown(counter: Counter) -> str:
            return ", ".join(f"{kind} {n}" for kind, n in sorted(counter.items())) or "-"

        rows = [
            ("faults injected", sum(self.faults.values()), breakdown(self.faults)),
            ("requests sent", self.requests_sent, ""),
            ("errors (all kinds)", sum(self.errors.values()), breakdown(self.errors)),
            ("bad inputs tried", sum(self.bad_inputs.values()), breakdown(self.bad_inputs)),
            ("output lines scanned", self.lines_scanned, ""),
            ("deliberate 500s logged", self.deliberate_exceptions, "JSON line with exception"),
            ("tracebacks seen (must be 0)", len(self.tracebacks), ""),
            ("secrets leaked (must be 0)", len(self.leaks), ""),
        ]
        width = max(len(name) for name, _, _ in rows)
        lines = [f"{name:<{width}}  {value:>8}  {detail}".rstrip() for name, value, detail in rows]
        lines.extend(f"  ! {item}" for item in self.tracebacks + self.leaks)
        return lines


LEDGER = Ledger()
