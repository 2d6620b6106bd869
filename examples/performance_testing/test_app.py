"""Correctness under concurrency, and a report with the right shape: never a time threshold."""

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ProcessPoolExecutor

import httpx2
import pytest
from fastapi.testclient import TestClient

from .app import count_primes, create_app
from .loadgen import LoadReport, percentile, run_load


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.mark.parametrize(("limit", "count"), [(2, 0), (3, 1), (10, 4), (100, 25), (10_000, 1229)])
def test_count_primes(limit: int, count: int) -> None:
    assert count_primes(limit) == count


@pytest.mark.parametrize(("pct", "expected"), [(50, 5.0), (95, 10.0), (99, 10.0), (10, 1.0)])
def test_percentile_is_nearest_rank(pct: float, expected: float) -> None:
    values = [float(n) for n in range(1, 11)]
    assert percentile(values, pct) == expected


@pytest.mark.anyio
async def test_every_concurrent_request_succeeds(client: httpx2.AsyncClient) -> None:
    report = await run_load(client, "GET", "/primes/20000/cached", requests=100, concurrency=20)

    assert report.statuses == {200: 100}
    assert report.p50_ms <= report.p95_ms <= report.p99_ms  # order, not speed
    assert report.throughput_rps > 0


@pytest.mark.anyio
async def test_no_lost_updates_under_concurrency(client: httpx2.AsyncClient) -> None:
    report = await run_load(client, "POST", "/hits", requests=200, concurrency=50)

    assert report.statuses == {200: 200}
    assert (await client.get("/stats")).json()["hits"] == 200


@pytest.mark.anyio
async def test_cached_and_uncached_agree(client: httpx2.AsyncClient) -> None:
    plain = (await client.get("/primes/50000")).json()
    first = (await client.get("/primes/50000/cached")).json()
    second = (await client.get("/primes/50000/cached")).json()

    assert plain["count"] == first["count"] == second["count"] == 5133
    assert (first["cached"], second["cached"]) == (False, True)


def test_report_format_names_every_number() -> None:
    report = LoadReport(
        requests=10,
        concurrency=2,
        statuses={200: 10},
        elapsed_s=0.5,
        throughput_rps=20.0,
        p50_ms=1.0,
        p95_ms=2.0,
        p99_ms=3.0,
    )

    text = report.format()

    for field in ("10 requests", "20 req/s", "p50 1.00 ms", "p95 2.00 ms", "p99 3.00 ms"):
        assert field in text


def test_limit_is_bounded() -> None:
    with TestClient(create_app()) as client:
        assert client.get("/primes/1000000").status_code == 422


@pytest.mark.anyio
async def test_misses_are_counted_in_the_process_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app()
    async with app.router.lifespan_context(app):
        pool = app.state.cpu_pool
        assert isinstance(pool, ProcessPoolExecutor)  # not a thread: threads share the GIL
        assert await asyncio.get_running_loop().run_in_executor(pool, os.getpid) != os.getpid()
        submitted: list[tuple[object, ...]] = []
        submit = pool.submit

        def recording_submit(fn: Callable[..., object], /, *args: object) -> Future[object]:
            submitted.append((fn, *args))
            return submit(fn, *args)

        monkeypatch.setattr(pool, "submit", recording_submit)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            for url in ("/primes/30000", "/primes/30000/cached", "/primes/30000/cached"):
                assert (await client.get(url)).json()["count"] == 3245

    # Two misses went to the pool; the cache hit never left the event loop.
    assert submitted == [(count_primes, 30000), (count_primes, 30000)]
