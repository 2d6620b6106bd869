"""Endpoints worth measuring: a CPU-bound count, the same count cached, and a locked counter."""

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Path, Request
from pydantic import BaseModel
from starlette.datastructures import State

Limit = Annotated[int, Path(ge=2, le=200_000, description="Count primes below this number.")]


class PrimeCount(BaseModel):
    limit: int
    count: int
    cached: bool


class Stats(BaseModel):
    hits: int
    cache_hits: int
    cache_misses: int


def count_primes(limit: int) -> int:
    """Primes below ``limit``, by a sieve: deliberately real work for the CPU."""
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for n in range(2, int(limit**0.5) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytes(len(range(n * n, limit, n)))
    return sum(sieve)


async def compute(request: Request, limit: int) -> int:
    """Count in another process: a thread would hold the GIL, and with it the event loop."""
    pool: Executor = request.app.state.cpu_pool
    return await asyncio.get_running_loop().run_in_executor(pool, count_primes, limit)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Workers start on first use; each is a whole interpreter, so keep the pool small.
    app.state.cpu_pool = ProcessPoolExecutor(max_workers=2)
    app.state.cache = {}
    app.state.cache_hits = 0
    app.state.hits = 0
    app.state.hits_lock = asyncio.Lock()
    try:
        yield
    finally:
        await asyncio.to_thread(app.state.cpu_pool.shutdown, cancel_futures=True)


def create_app() -> FastAPI:
    app = FastAPI(title="Performance testing", lifespan=lifespan)

    @app.get("/primes/{limit}")
    async def primes(request: Request, limit: Limit) -> PrimeCount:
        return PrimeCount(limit=limit, count=await compute(request, limit), cached=False)

    @app.get("/primes/{limit}/cached")
    async def primes_cached(request: Request, limit: Limit) -> PrimeCount:
        state = request.app.state
        if limit in state.cache:
            state.cache_hits += 1
            return PrimeCount(limit=limit, count=state.cache[limit], cached=True)
        count = await compute(request, limit)
        state.cache[limit] = count
        return PrimeCount(limit=limit, count=count, cached=False)

    @app.post("/hits")
    async def hit(request: Request) -> Stats:
        state = request.app.state
        async with state.hits_lock:
            current = state.hits
            await asyncio.sleep(0)  # stands in for I/O: without the lock, updates get lost here
            state.hits = current + 1
        return _stats(state)

    @app.get("/stats")
    async def stats(request: Request) -> Stats:
        return _stats(request.app.state)

    return app


def _stats(state: State) -> Stats:
    return Stats(hits=state.hits, cache_hits=state.cache_hits, cache_misses=len(state.cache))
