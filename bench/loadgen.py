"""An open-loop HTTP load generator for bench/load.py: standard library only
(asyncio, ssl), HTTP/1.1 keep-alive connections to 127.0.0.1.

Open loop: requests are sent at their scheduled (Poisson) times whether or
not earlier ones have been answered, and each latency runs from the
scheduled time, so a slow server cannot slow the offered rate down and
hide its own queueing (coordinated omission). Every phase is bounded: its
arrivals by count and time, the requests in flight by MAX_IN_FLIGHT (beyond
it an arrival is counted as shed), each request by REQUEST_TIMEOUT and the
drain at the end by DRAIN_SECONDS."""

from __future__ import annotations

import asyncio
import gzip
import math
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"
MAX_CONNECTIONS = 256
MAX_IN_FLIGHT = 512
REQUEST_TIMEOUT = 15.0
DRAIN_SECONDS = 20.0
# Browsers drop a kept-alive connection before the server would (nginx's
# keepalive_timeout is 20 s).
IDLE_SECONDS = 10.0


class ConnectionClosed(Exception):
    """The server closed the connection before a response began."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def content(self) -> bytes:
        """The body, uncompressed (the generator asks for gzip, as browsers do)."""
        if self.headers.get("content-encoding", "").lower() == "gzip":
            return gzip.decompress(self.body)
        return self.body


@dataclass
class Outcome:
    """One request: its class, when it was due, sent and answered (seconds
    from the phase's start), its status (0: no HTTP answer) and error."""

    kind: str
    due: float
    started: float
    finished: float
    status: int = 0
    error: str = ""
    cache: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def latency(self) -> float:
        return self.finished - self.due

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


# ------------------------------------------------------------------ HTTP/1.1


def encode_request(method: str, target: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await read_headers(reader)  # trailers, then the blank line
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def read_response(reader: asyncio.StreamReader, method: str) -> tuple[Response, bool]:
    """The response and whether the connection may be used again."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionClosed
    status = int(status_line.split(b" ", 2)[1])
    headers = await read_headers(reader)
    keep = headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in (204, 304) or status < 200:
        body = b""
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body, keep = await reader.read(), False
    return Response(status, headers, body), keep


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.used = 0
        self.idle_since = time.monotonic()

    async def exchange(self, method, target, headers, body) -> tuple[Response, bool]:
        self.writer.write(encode_request(method, target, headers, body))
        await self.writer.drain()
        self.used += 1
        answer = await read_response(self.reader, method)
        self.idle_since = time.monotonic()
        return answer

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Keep-alive connections to one HTTPS server on 127.0.0.1, at most
    MAX_CONNECTIONS of them, as browsers keep a few each."""

    def __init__(self, port: int, server_name: str, context: ssl.SSLContext | None) -> None:
        self.port, self.server_name, self.context = port, server_name, context
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self.opened = 0

    async def _connect(self) -> Connection:
        reader, writer = await asyncio.open_connection(
            HOST,
            self.port,
            ssl=self.context,
            server_hostname=self.server_name if self.context else None,
        )
        self.opened += 1
        return Connection(reader, writer)

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        headers = {"Host": self.server_name, **headers}
        async with self.slots:
            connection = self._idle_connection() or await self._connect()
            try:
                response, keep = await connection.exchange(method, target, headers, body)
            except (ConnectionClosed, ConnectionResetError, asyncio.IncompleteReadError):
                connection.close()
                # A kept-alive connection the server closed while it was
                # idle: idempotent requests are sent again, as browsers do.
                if connection.used <= 1 or method != "GET":
                    raise
                connection = await self._connect()
                response, keep = await connection.exchange(method, target, headers, body)
            except BaseException:
                connection.close()
                raise
            if keep:
                self.idle.append(connection)
            else:
                connection.close()
            return response

    def _idle_connection(self) -> Connection | None:
        """The most recently used idle connection, dropping those idle for
        longer than IDLE_SECONDS (nginx closes them after 20 s)."""
        while self.idle:
            connection = self.idle.pop()
            if time.monotonic() - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        return None

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


def client_context() -> ssl.SSLContext:
    """TLS as a browser speaks it, trusting the benchmark's own self-signed
    certificate (it is checked by nothing but this generator)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


# -------------------------------------------------------------------- phases

# A visit is one user action (one or more requests on the pool) returning
# its Outcome; `due` is its scheduled time, `clock` the phase's clock.
Clock = Callable[[], float]


@dataclass(frozen=True)
class Visit:
    kind: str
    run: Callable[[Pool, float, Clock], Awaitable[Outcome]]
    target: str = ""


def get(kind: str, target: str, headers: dict[str, str]) -> Visit:
    """A visit of one GET request."""

    async def run(pool: Pool, due: float, clock: Clock) -> Outcome:
        sent = clock()
        response = await pool.request("GET", target, headers)
        cache = response.headers.get("x-cache-status", "")
        return Outcome(kind, due, sent, clock(), response.status, cache=cache)

    return Visit(kind, run, target)


@dataclass
class Phase:
    """Outcomes of one open-loop phase, its length and what the generator
    itself spent (CPU seconds of this process)."""

    rate: float
    seconds: float
    outcomes: list[Outcome]
    shed: int
    generator_cpu: float
    events: dict[str, float] = field(default_factory=dict)


def arrivals(rate: float, seconds: float, generator: random.Random) -> list[float]:
    """Poisson arrival times in [0, seconds): at most rate * seconds * 2."""
    times, now = [], 0.0
    limit = math.ceil(rate * seconds * 2) + 10
    while len(times) < limit:
        now += generator.expovariate(rate)
        if now >= seconds:
            break
        times.append(now)
    return times


async def timed(visit: Visit, pool: Pool, due: float, clock: Clock) -> Outcome:
    """The visit's outcome; no answer in REQUEST_TIMEOUT, or a broken
    connection, is an outcome too (status 0)."""
    try:
        return await asyncio.wait_for(visit.run(pool, due, clock), REQUEST_TIMEOUT)
    except TimeoutError:
        return Outcome(visit.kind, due, due, clock(), 0, "timeout")
    except (OSError, ConnectionClosed, asyncio.IncompleteReadError, ValueError) as error:
        return Outcome(visit.kind, due, due, clock(), 0, type(error).__name__)


async def run_phase(
    pool: Pool,
    pick: Callable[[random.Random], Visit],
    *,
    rate: float,
    seconds: float,
    seed: int,
    actions: list[tuple[float, str, Callable[[], None]]] = (),
) -> Phase:
    """Offers `rate` requests/s for `seconds`, each visit drawn by
    `pick`; runs each action (at, name, blocking function) in a thread at
    its time and records when it began and ended."""
    generator = random.Random(seed)
    started = time.monotonic()

    def clock() -> float:
        return time.monotonic() - started

    cpu_before = time.process_time()
    events: dict[str, float] = {}
    action_tasks = [
        asyncio.create_task(_action(at, name, function, clock, events))
        for at, name, function in actions
    ]
    tasks: list[asyncio.Task] = []
    in_flight: set[asyncio.Task] = set()
    shed: list[Outcome] = []
    for due in arrivals(rate, seconds, generator):
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        visit = pick(generator)
        if len(in_flight) >= MAX_IN_FLIGHT:
            shed.append(Outcome(visit.kind, due, due, due, 0, "shed"))
            continue
        task = asyncio.create_task(timed(visit, pool, due, clock))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        tasks.append(task)
    outcomes = await _drain(tasks, clock)
    await asyncio.gather(*action_tasks)
    cpu = time.process_time() - cpu_before
    return Phase(rate, seconds, outcomes + shed, len(shed), cpu, events)


async def _action(at: float, name: str, function, clock, events: dict[str, float]) -> None:
    await asyncio.sleep(max(0.0, at - clock()))
    events[f"{name} began"] = clock()
    await asyncio.to_thread(function)
    events[f"{name} ended"] = clock()


async def _drain(tasks: list[asyncio.Task], clock) -> list[Outcome]:
    pending = [task for task in tasks if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=DRAIN_SECONDS)
    outcomes = []
    for task in tasks:
        if task.done():
            outcomes.append(task.result())
        else:
            task.cancel()
            outcomes.append(Outcome("undrained", clock(), clock(), clock(), 0, "not drained"))
    return outcomes


# ------------------------------------------------------------------- figures


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * share) - 1))]


@dataclass
class Figures:
    count: int
    errors: int
    p50: float
    p95: float
    p99: float
    statuses: dict[int, int]


def figures(outcomes: list[Outcome]) -> Figures:
    statuses: dict[int, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    latencies = [outcome.latency for outcome in outcomes]
    return Figures(
        count=len(outcomes),
        errors=sum(not outcome.ok for outcome in outcomes),
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        statuses=statuses,
    )


def by_kind(outcomes: list[Outcome]) -> dict[str, list[Outcome]]:
    kinds: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        kinds.setdefault(outcome.kind, []).append(outcome)
    return kinds
