"""Slow and hostile HTTP clients, and what a server does while they attack it.

The attack of the reliability tests and of the benchmark: connections that send their
headers one byte a second and never finish them, uploads that announce a body and send
it one byte a second; meanwhile `/health/` is probed and ordinary requests are sent, and
every answer is kept. Loopback only. One asyncio loop in one thread holds every slow
connection, so the client side costs almost no CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from httpclient import request

SLOW_HEADER_HEAD = b"GET /health/ HTTP/1.1\r\nHost: localhost\r\n"
SLOW_HEADER_DRIP = b"X-Slow: " + b"a" * 4096
SLOW_BODY_BYTES = 1_000_000


def slow_body_head(body_bytes: int = SLOW_BODY_BYTES) -> bytes:
    return (
        b"POST /admin/login/ HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n" % body_bytes
    )


@dataclass
class AttackCounts:
    """What the attackers saw: connections opened, refused, and closed by the server."""

    opened: int = 0
    refused: int = 0
    closed_by_server: int = 0
    bytes_sent: int = 0


class SlowClients:
    """`header_clients` connections dripping headers, `body_clients` dripping bodies, one
    byte every `interval` seconds. A connection the server closes is opened again, as a
    real attacker would, so the pressure holds for the whole run."""

    def __init__(
        self,
        port: int,
        *,
        header_clients: int = 200,
        body_clients: int = 50,
        interval: float = 1.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.port = port
        self.host = host
        self.header_clients = header_clients
        self.body_clients = body_clients
        self.interval = interval
        self.counts = AttackCounts()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True, name="slow-clients")
        self.started = threading.Event()
        self.stopping: asyncio.Event | None = None
        self.open_now = 0

    def __enter__(self) -> SlowClients:
        self.thread.start()
        self.started.wait(10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> AttackCounts:
        if self.thread.is_alive() and self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
            self.thread.join(timeout=15)
        return self.counts

    def wait_until_connected(self, timeout: float = 30.0) -> None:
        """Until every attacker holds an open connection (the attack is really on)."""
        deadline = time.monotonic() + timeout
        wanted = self.header_clients + self.body_clients
        while self.open_now < wanted:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.open_now} of {wanted} slow clients connected")
            time.sleep(0.05)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())
        self.loop.close()

    async def _main(self) -> None:
        self.stopping = asyncio.Event()
        tasks = [
            asyncio.ensure_future(self._attacker(SLOW_HEADER_HEAD, SLOW_HEADER_DRIP))
            for _ in range(self.header_clients)
        ]
        tasks += [
            asyncio.ensure_future(self._attacker(slow_body_head(), b"a" * SLOW_BODY_BYTES))
            for _ in range(self.body_clients)
        ]
        self.started.set()
        await self.stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _attacker(self, head: bytes, drip: bytes) -> None:
        assert self.stopping is not None
        while not self.stopping.is_set():
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                self.counts.refused += 1
                await self._pause()
                continue
            self.counts.opened += 1
            self.open_now += 1
            try:
                await self._drip(reader, writer, head, drip)
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                self.open_now -= 1
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
            self.counts.closed_by_server += not self.stopping.is_set()

    async def _drip(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, drip: bytes
    ) -> None:
        """The head at once, then one byte per interval until the server answers or closes."""
        writer.write(head)
        await writer.drain()
        self.counts.bytes_sent += len(head)
        for index in range(len(drip)):
            # An answer (408, 413, ...) or a close ends this connection.
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(reader.read(65536), timeout=self.interval) == b"":
                    return
                return
            writer.write(drip[index : index + 1])
            await writer.drain()
            self.counts.bytes_sent += 1

    async def _pause(self) -> None:
        assert self.stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=self.interval)


@dataclass(frozen=True)
class Answer:
    """One request of the measuring side: when it started, how long it took, its status."""

    path: str
    started: float
    seconds: float
    status: int | None
    error: str | None


def timed_get(
    port: int, path: str, timeout: float, headers: dict[str, str] | None = None
) -> Answer:
    started = time.monotonic()
    try:
        response = request(port, path, timeout=timeout, headers=headers)
    except Exception as error:
        return Answer(path, started, time.monotonic() - started, None, type(error).__name__)
    return Answer(path, started, time.monotonic() - started, response.status, None)


@dataclass
class Probes:
    """`/health/` every `every` seconds with a `timeout`, as a liveness probe would."""

    port: int
    every: float = 0.5
    timeout: float = 1.0
    path: str = "/health/"
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="probes")

    def __enter__(self) -> Probes:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> list[Answer]:
        self.stopping.set()
        self.thread.join(timeout=10)
        return self.answers

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.answers.append(timed_get(self.port, self.path, self.timeout))
            self.stopping.wait(self.every)


def ordinary_requests(
    port: int,
    count: int,
    seconds: float,
    *,
    path: str = "/health/",
    clients: int = 16,
    timeout: float = 5.0,
    headers: dict[str, str] | None = None,
    on_answer: Callable[[Answer], None] | None = None,
) -> list[Answer]:
    """`count` requests spread evenly over `seconds` by `clients` threads. A request whose
    turn comes after `seconds` + `timeout` (every client thread stuck waiting) is not sent
    and counts as failed: the run stays bounded however the server behaves."""
    gap = seconds / count
    began = time.monotonic()
    last_start = began + seconds + timeout

    def one(index: int) -> Answer:
        delay = began + index * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() > last_start:
            return Answer(path, time.monotonic(), 0.0, None, "not sent: every client waited")
        answer = timed_get(port, path, timeout, headers)
        if on_answer:
            on_answer(answer)
        return answer

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, range(count)))


@dataclass
class AttackReport:
    """What the measuring side saw during an attack, in the terms of the contract."""

    probes: list[Answer]
    ordinary: list[Answer]
    counts: AttackCounts
    probe_deadline: float

    @property
    def probes_ok(self) -> int:
        return sum(1 for a in self.probes if a.status == 200 and a.seconds <= self.probe_deadline)

    @property
    def ordinary_ok(self) -> int:
        return sum(1 for a in self.ordinary if a.status is not None and a.status < 500)

    @property
    def ordinary_ok_share(self) -> float:
        return self.ordinary_ok / len(self.ordinary) if self.ordinary else 0.0

    @property
    def slowest_probe(self) -> float:
        return max((a.seconds for a in self.probes), default=0.0)

    def summary(self) -> dict[str, object]:
        failed = [
            (a.status, a.error, round(a.seconds, 3))
            for a in self.probes
            if not (a.status == 200 and a.seconds <= self.probe_deadline)
        ]
        return {
            "probes": len(self.probes),
            "probes_ok": self.probes_ok,
            "slowest_probe_s": round(self.slowest_probe, 3),
            "failed_probes": failed[:10],
            "ordinary": len(self.ordinary),
            "ordinary_ok": self.ordinary_ok,
            "ordinary_errors": sorted(
                {
                    str(a.status or a.error)
                    for a in self.ordinary
                    if not (a.status and a.status < 500)
                }
            ),
            "attack": vars(self.counts),
        }


def attack(
    port: int,
    *,
    seconds: float = 30.0,
    header_clients: int = 200,
    body_clients: int = 50,
    ordinary: int = 500,
    ordinary_path: str = "/health/",
    ordinary_headers: dict[str, str] | None = None,
    probe_every: float = 0.5,
    probe_deadline: float = 1.0,
) -> AttackReport:
    """The whole scenario: slow clients connect, then for `seconds` the probes and the
    ordinary requests run beside them; the slow clients stop at the end."""
    with SlowClients(port, header_clients=header_clients, body_clients=body_clients) as slow:
        with contextlib.suppress(TimeoutError):
            slow.wait_until_connected(timeout=10)
        with Probes(port, every=probe_every, timeout=probe_deadline) as probes:
            answers = ordinary_requests(
                port, ordinary, seconds, path=ordinary_path, headers=ordinary_headers
            )
        counts = slow.stop()
    return AttackReport(probes.answers, answers, counts, probe_deadline)
