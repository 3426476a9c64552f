"""bench/loadgen.py, the load generator of bench/load.py: it reads HTTP/1.1
answers correctly, and every phase is bounded, however the server behaves
(a server that never answers gives timeouts, not a hang)."""

from __future__ import annotations

import asyncio
import gzip
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import loadgen


def run_apart(coroutine_function):
    """asyncio.run on a thread of its own: in the whole suite, the browser
    tests' Playwright keeps an event loop running on the main thread, where
    asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine_function()).result()


def parse(raw: bytes, method: str = "GET") -> tuple[loadgen.Response, bool]:
    async def read():
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await loadgen.read_response(reader, method)

    return run_apart(read)


def test_a_response_with_a_length_is_read_and_the_connection_kept():
    response, keep = parse(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nVary: A\r\nVary: B\r\n\r\nhello"
    )

    assert (response.status, response.body, keep) == (200, b"hello", True)
    assert response.headers["vary"] == "A, B"


def test_a_chunked_gzipped_response_is_read_whole():
    body = gzip.compress(b'{"ok": true}')
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
        + f"{len(body[:7]):x}\r\n".encode() + body[:7] + b"\r\n"
        + f"{len(body[7:]):x}\r\n".encode() + body[7:] + b"\r\n0\r\n\r\n"
    )  # fmt: skip

    response, _keep = parse(raw)

    assert response.content() == b'{"ok": true}'


def test_no_body_is_read_for_a_204_and_close_is_honoured():
    response, keep = parse(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    assert (response.status, response.body, keep) == (204, b"", False)


def test_arrivals_stay_within_the_phase_and_are_bounded_in_number():
    times = loadgen.arrivals(1000.0, 2.0, random.Random(1))

    assert times == sorted(times)
    assert times[0] > 0 and times[-1] < 2.0
    assert len(times) <= 1000 * 2 * 2 + 10


def test_the_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    assert loadgen.percentile(values, 0.95) == 95.0
    assert loadgen.percentile(values, 0.5) == 50.0
    assert loadgen.percentile([], 0.95) == 0.0


async def serve(answer: bool):
    """A server on 127.0.0.1 that answers every request with a 200, or
    never answers at all."""

    async def handle(reader, writer):
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                if not answer:
                    await asyncio.sleep(3600)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return await asyncio.start_server(handle, loadgen.HOST, 0)


def run_against(answer: bool, rate: float, seconds: float) -> loadgen.Phase:
    async def phase():
        server = await serve(answer)
        port = server.sockets[0].getsockname()[1]
        pool = loadgen.Pool(port, "sightline.example.org", None)
        try:
            return await loadgen.run_phase(
                pool,
                lambda generator: loadgen.get("probe", "/", {}),
                rate=rate,
                seconds=seconds,
                seed=7,
            )
        finally:
            pool.close()
            server.close()

    return run_apart(phase)


def test_a_phase_offers_its_requests_and_reuses_connections():
    phase = run_against(answer=True, rate=200.0, seconds=0.5)

    figures = loadgen.figures(phase.outcomes)
    assert figures.count > 20
    assert figures.errors == 0
    assert figures.statuses == {200: figures.count}


def test_a_server_that_never_answers_ends_in_timeouts_and_shed_requests(monkeypatch):
    monkeypatch.setattr(loadgen, "REQUEST_TIMEOUT", 0.3)
    monkeypatch.setattr(loadgen, "MAX_IN_FLIGHT", 5)

    phase = run_against(answer=False, rate=100.0, seconds=0.5)

    errors = {outcome.error for outcome in phase.outcomes}
    assert errors <= {"timeout", "shed"} and "timeout" in errors
    assert phase.shed > 0
    assert not any(outcome.ok for outcome in phase.outcomes)


@pytest.mark.parametrize("status", [500, 0])
def test_server_errors_and_broken_connections_count_as_errors(status):
    outcome = loadgen.Outcome("tile", 0.0, 0.0, 0.1, status)

    assert loadgen.figures([outcome]).errors == 1
