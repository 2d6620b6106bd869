"""A small in-process load generator: N requests, C at a time, then throughput and percentiles.

Run it for numbers (never assert on them in a test)::

    python -m examples.performance_testing.loadgen
"""

import asyncio
import math
import time
from collections import Counter
from dataclasses import dataclass

import httpx2
from fastapi import FastAPI


@dataclass(frozen=True)
class LoadReport:
    requests: int
    concurrency: int
    statuses: dict[int, int]
    elapsed_s: float
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    def format(self) -> str:
        return (
            f"{self.requests} requests, {self.concurrency} at a time, in {self.elapsed_s:.3f} s: "
            f"{self.throughput_rps:.0f} req/s; p50 {self.p50_ms:.2f} ms, "
            f"p95 {self.p95_ms:.2f} ms, p99 {self.p99_ms:.2f} ms; statuses {self.statuses}"
        )


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with ``pct`` % of the values at or below it."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0 < pct <= 100:
        raise ValueError("pct must be in (0, 100]")
    rank = math.ceil(pct / 100 * len(sorted_values))
    return sorted_values[rank - 1]


async def run_load(
    client: httpx2.AsyncClient, method: str, url: str, *, requests: int, concurrency: int
) -> LoadReport:
    """Send ``requests`` requests with at most ``concurrency`` in flight; time each one."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> tuple[int, float]:
        async with gate:
            started = time.perf_counter()
            response = await client.request(method, url)
            return response.status_code, time.perf_counter() - started

    started = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(requests)))
    elapsed = time.perf_counter() - started
    latencies_ms = sorted(seconds * 1000 for _, seconds in results)
    return LoadReport(
        requests=requests,
        concurrency=concurrency,
        statuses=dict(Counter(status for status, _ in results)),
        elapsed_s=elapsed,
        throughput_rps=requests / elapsed if elapsed else math.inf,
        p50_ms=percentile(latencies_ms, 50),
        p95_ms=percentile(latencies_ms, 95),
        p99_ms=percentile(latencies_ms, 99),
    )


async def benchmark(
    app: FastAPI, method: str, url: str, *, requests: int = 500, concurrency: int = 20
) -> LoadReport:
    """Run the app's lifespan, warm up once, then load it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.request(method, url)  # warm-up: imports, first cache fill
            return await run_load(client, method, url, requests=requests, concurrency=concurrency)


async def main() -> None:  # pragma: no cover - prints numbers, asserts nothing
    from .app import create_app

    for url in ("/primes/100000", "/primes/100000/cached"):
        report = await benchmark(create_app(), "GET", url)
        print(f"GET {url}\n  {report.format()}")


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(main())
